import HTTP1
import TLS

/// The concurrency model of a reference server.
public enum ServerModel: String, Sendable, CaseIterable {
    /// A pool of threads, each serving one connection at a time with blocking I/O.
    case sync
    /// N threads, each with its own libuv loop and its own SO_REUSEPORT listener.
    case async
}

/// Everything `volley serve` can be told.
public struct ServerOptions: Sendable {
    public var model: ServerModel
    public var host: String
    public var port: UInt16
    /// Async: event-loop threads.
    public var workers: Int
    /// Sync: pool threads (connections beyond them wait in the accept queue).
    public var threads: Int
    /// Request bodies above this many bytes get 413.
    public var maxBodyBytes: Int
    /// A request head must arrive whole within this (slowloris), else 408 and close.
    public var headerTimeoutMillis: Int
    /// A keep-alive connection with no request for this long is closed.
    public var idleTimeoutMillis: Int
    /// Graceful shutdown waits this long for requests in flight.
    public var graceMillis: Int
    /// One line per request on standard error.
    public var accessLog: Bool
    public var limits: RequestLimits
    /// Async: the slow-callback watchdog's threshold in nanoseconds (`--slow-callback`,
    /// `--debug` → 100 ms); nil turns the watchdog off.
    public var slowCallbackNanos: UInt64?
    /// Register the server's threads (and libuv's work queue) with the sampler, so that
    /// `--profile` and `/debug/profile` see them; costs nothing until a profile runs.
    public var sampleThreads: Bool
    /// Testing the regression gate: CPU time spun before answering each request (0: none).
    public var debugWorkPerRequestNanos: UInt64 = 0
    /// Serve https with this certificate (`--tls-cert/--tls-key`, `--tls-self-signed`); nil: plain HTTP.
    public var tls: TLSServerConfiguration?

    public init(model: ServerModel = .async, host: String = "127.0.0.1", port: UInt16 = 0, workers: Int = 1,
                threads: Int = 64, maxBodyBytes: Int = 1 << 20, headerTimeoutMillis: Int = 10_000,
                idleTimeoutMillis: Int = 75_000, graceMillis: Int = 5_000, accessLog: Bool = false,
                limits: RequestLimits = RequestLimits(), slowCallbackNanos: UInt64? = nil, sampleThreads: Bool = true) {
        self.model = model; self.host = host; self.port = port; self.workers = workers; self.threads = threads
        self.maxBodyBytes = maxBodyBytes; self.headerTimeoutMillis = headerTimeoutMillis
        self.idleTimeoutMillis = idleTimeoutMillis; self.graceMillis = graceMillis
        self.accessLog = accessLog; self.limits = limits
        self.slowCallbackNanos = slowCallbackNanos; self.sampleThreads = sampleThreads
    }

    /// asyncio's default slow-callback threshold (`loop.slow_callback_duration`), 100 ms.
    public static let defaultSlowCallbackNanos: UInt64 = 100_000_000

    /// How often timeouts are checked: a quarter of the shorter timeout, 10 ms to 1 s.
    var sweepMillis: Int { max(10, min(1000, min(headerTimeoutMillis, idleTimeoutMillis) / 4)) }
}

/// What the command line needs from either model.
public protocol ReferenceServer: AnyObject, Sendable {
    /// The port listened on (the one chosen, after port 0).
    var port: UInt16 { get }
    /// Stops accepting, closes idle connections, lets requests in flight finish.
    func beginShutdown()
    /// Whether every thread has finished.
    var isStopped: Bool { get }
    /// Closes everything at once (the grace period ran out).
    func forceStop()
    /// Waits for the threads (only once `isStopped`).
    func join()
}

/// Starts the server `options` ask for.
public func startServer(_ options: ServerOptions, database: (any DatabaseBackend)? = nil) throws -> any ReferenceServer {
    switch options.model {
    case .async: try AsyncServer(options: options, database: database)
    case .sync: try SyncServer(options: options, database: database)
    }
}

/// Writes one access-log line to standard error (only with `--access-log`).
func accessLogLine(_ request: ServerRequest, target: String, status: Int) {
    let line = "\(request.method.name) \(target) \(request.version == .http1_0 ? "HTTP/1.0" : "HTTP/1.1") \(status)\n"
    FileDescriptorWriter.standardError(line)
}

#if canImport(Glibc)
import Glibc
#endif

enum FileDescriptorWriter {
    static func standardError(_ text: String) {
        var text = text
        text.withUTF8 { p in _ = Glibc.write(2, p.baseAddress, p.count) }
    }
}

/// The steps of a graceful shutdown after the signal, as parts of the grace period, so that
/// peers that never finish (slowloris heads, stalled uploads, peers that never read or
/// close) cannot hold the process past it.
enum DrainStep {
    /// Half the grace period: a request still arriving (head or body) is answered 408 and closed.
    case partialRequests
    /// Three quarters: a lingering close (answer sent, draining what the peer still sends) ends.
    case lingering

    func offsetNanos(graceMillis: Int) -> UInt64 {
        let grace = UInt64(max(0, graceMillis)) * 1_000_000
        switch self {
        case .partialRequests: return grace / 2
        case .lingering: return grace / 4 * 3
        }
    }
}
