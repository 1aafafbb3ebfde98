import HTTP1
import Metrics
import TLS
import UVKit

/// Everything a load run needs, validated and resolved before any thread starts.
public struct LoadOptions: Sendable {
    public var url: HTTPURL
    public var threads: Int
    public var connections: Int
    /// Duration of the load in nanoseconds.
    public var durationNanos: UInt64
    /// A request without a complete response after this long (ns) is a timeout.
    public var timeoutNanos: UInt64
    /// Requests written back to back on a connection before awaiting their responses.
    public var pipeline: Int
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Constant-throughput mode (`-R`): total requests/sec over all connections, or a linear
    /// ramp; nil for a closed loop (each connection sends as soon as it has its answer).
    public var rate: RateSchedule?
    /// Several request paths chosen per batch in proportion to their weights (each replaces
    /// `url`'s path and query); empty to send `url`'s own target every time. With pipelining a
    /// whole batch of `pipeline` requests goes to one path: batches are pre-encoded per path.
    public var paths: [WeightedRequestPath]
    /// This process's share of a run spread over several processes (`--segment i/N`): it opens
    /// only its connections of `connections` (which stays the whole run's count) and, with a
    /// rate, sends only its requests of the whole run's schedule. Nil: the whole run.
    public var segment: ExecutionSegment?
    /// https:// targets: verification, client certificate, resumption (unused for http://).
    public var tls = TLSClientConfiguration()

    public init(url: HTTPURL, threads: Int = 2, connections: Int = 10, durationNanos: UInt64 = 10_000_000_000,
                timeoutNanos: UInt64 = 2_000_000_000, pipeline: Int = 1, method: String = "GET",
                headers: [(name: String, value: String)] = [], body: [UInt8] = [], rate: RateSchedule? = nil,
                paths: [WeightedRequestPath] = []) {
        self.url = url; self.threads = threads; self.connections = connections
        self.durationNanos = durationNanos; self.timeoutNanos = timeoutNanos; self.pipeline = pipeline
        self.method = method; self.headers = headers; self.body = body; self.rate = rate; self.paths = paths
    }

    /// The request URL of each path (just `url` when no paths are given).
    public func requestURLs() throws(LoadError) -> [HTTPURL] {
        if paths.isEmpty { return [url] }
        var urls: [HTTPURL] = []
        for p in paths {
            guard p.path.hasPrefix("/") else { throw .invalidRequest("path `\(p.path)` must start with /") }
            do { urls.append(try HTTPURL(parsing: "\(url.scheme)://\(url.hostHeader)\(p.path)")) } catch {
                throw .invalidRequest("path `\(p.path)`: \(error)")
            }
        }
        return urls
    }

    /// The TLS server name: the host of a `Host` header if one was given, else the URL's host.
    public var tlsServerName: String {
        guard let header = headers.last(where: { $0.name.lowercased() == "host" }) else { return url.host }
        var value = Substring(header.value)
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if let colon = value.lastIndex(of: ":") { value = value[..<colon] }
        return String(value)
    }

    /// Threads actually used: never more than connections (wrk refuses -c < -t; Volley just uses fewer threads).
    public var effectiveThreads: Int { max(1, min(threads, localConnections)) }

    /// Connections this process opens: all of them, or its segment's share.
    public var localConnections: Int { segment?.connectionCount(ofTotal: connections) ?? connections }

    /// How many connections thread `index` opens: connections spread evenly, the remainder to the first threads.
    public func connections(forThread index: Int) -> Int {
        let t = effectiveThreads
        return localConnections / t + (index < localConnections % t ? 1 : 0)
    }

    /// The run-wide number of this process's `local`-th connection (its place in the rate schedule).
    @inline(__always)
    public func globalConnection(local: Int) -> Int { segment?.globalConnection(local: local) ?? local }

    /// Checks the figures; the message says what is wrong in the user's terms.
    public func validate() throws(LoadError) {
        if threads < 1 { throw .invalidOption("threads must be at least 1") }
        if connections < 1 { throw .invalidOption("connections must be at least 1") }
        if connections > 1_000_000 { throw .invalidOption("connections must be at most 1000000") }
        if durationNanos == 0 { throw .invalidOption("duration must be greater than 0") }
        if timeoutNanos == 0 { throw .invalidOption("timeout must be greater than 0") }
        if pipeline < 1 || pipeline > 1024 { throw .invalidOption("pipeline depth must be between 1 and 1024") }
        if let segment, connections < segment.count {
            throw .invalidOption("\(connections) connections cannot be split into \(segment.count) segments: each needs at least one")
        }
        if paths.count > 1024 { throw .invalidOption("at most 1024 weighted paths") }
        for p in paths where !(p.weight > 0 && p.weight.isFinite) {
            throw .invalidOption("the weight of path `\(p.path)` must be a positive number")
        }
        if let rate {
            if pipeline > 1 {
                // A pipelined batch goes out at once and is awaited whole: its requests cannot
                // each keep their own slot, so the correction would be wrong. Refuse instead.
                throw .invalidOption("-R (constant rate) cannot be combined with pipelining (-p > 1): each request needs its own slot in the schedule")
            }
            if rate.durationNanos != durationNanos { throw .invalidOption("the rate schedule must span the duration") }
            if max(rate.startRate, rate.endRate) > 100_000_000 { throw .invalidOption("rate must be at most 100000000 requests/sec") }
        }
    }

    /// The configuration as stored in result files.
    public var configuration: RunConfiguration {
        RunConfiguration(url: "\(url.scheme)://\(url.hostHeader)\(url.target)", method: method, threads: effectiveThreads, connections: connections,
                         durationSeconds: Double(durationNanos) / 1e9, timeoutSeconds: Double(timeoutNanos) / 1e9,
                         pipeline: pipeline, headers: headers.map { "\($0.name): \($0.value)" }, bodyBytes: body.count,
                         rate: rate?.startRate, rateEnd: rate.flatMap { $0.isConstant ? nil : $0.endRate })
    }
}

/// Why a load run could not start.
public enum LoadError: Error, Sendable, CustomStringConvertible {
    case invalidOption(String)
    case invalidRequest(String)
    case unresolvable(String)
    case unreachable(address: String, reason: String)
    /// The first TLS handshake with the target failed: the run does not start.
    case tlsHandshake(address: String, reason: TLSError)
    case system(String)

    public var description: String {
        switch self {
        case .invalidOption(let why): return why
        case .invalidRequest(let why): return "invalid request: \(why)"
        case .unresolvable(let why): return why
        case .unreachable(let address, let reason): return "unable to connect to \(address): \(reason)"
        case .tlsHandshake(let address, let reason):
            let hint = reason.isVerificationFailure ? " (use -k/--insecure to skip verification, or --cacert FILE to trust a CA)" : ""
            return "TLS handshake with \(address) failed: \(reason)\(hint)"
        case .system(let why): return why
        }
    }
}
