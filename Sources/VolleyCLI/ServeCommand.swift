import ArgumentParser
import Clocks
import Foundation
import RefServer
import UVKit

/// `volley serve`: a reference server, sync (thread per connection) or async (libuv loops).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the reference routes with the sync (thread pool) or async (event loop) model.",
        discussion: """
        Example: volley serve --model async --workers 1 --port 8080
        With MongoDB: volley serve --mongo-uri mongodb://127.0.0.1:27017/ (async: the native driver;
        --db-driver threadpool --db-threads 16 runs libmongoc in the work queue instead)
        (an unreachable database at start-up is an error: the server does not start).
        Prints 'listening on http://HOST:PORT/ (model M, N workers|threads)' once ready.
        SIGTERM or SIGINT: stop accepting, finish requests in flight, exit 0 within --grace.
        Routes and limits: docs/refserver.md.
        """
    )

    @Option(name: .long, help: "Concurrency model: sync or async.")
    var model: String = "async"

    @Option(name: .long, help: "Address to listen on (loopback only).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port (0 picks a free one).")
    var port: UInt16 = 8080

    @Option(name: .long, help: "Async: event-loop threads, each with its own listener (SO_REUSEPORT).")
    var workers: Int = 1

    @Option(name: .long, help: "Sync: pool threads, each serving one connection at a time.")
    var threads: Int = 64

    @Option(name: .long, help: "Largest request body (more gets 413): bytes, or a size such as 64KiB, 1MiB.")
    var maxBody: String = "1MiB"

    @Option(name: .long, help: "Time to receive a whole request head, e.g. 10s (else 408 and close).")
    var headerTimeout: String = "10s"

    @Option(name: .long, help: "Close keep-alive connections idle this long, e.g. 75s.")
    var idleTimeout: String = "75s"

    @Option(name: .long, help: "How long shutdown waits for requests in flight, e.g. 5s.")
    var grace: String = "5s"

    @Flag(name: .long, help: "Log each request to standard error.")
    var accessLog = false

    @Option(name: .long, help: "MongoDB URI for /fetch, /db, /queries, /multi (without it they answer 503).")
    var mongoURI: String?

    @Option(name: .long, help: "Async: threads of the libuv work queue that runs DB work (sets UV_THREADPOOL_SIZE; libuv's default is 4).")
    var dbThreads: Int?

    @Option(name: .long, help: "Most DB connections per process (default: native 100, split over the loops; sync --threads; threadpool the work-queue size).")
    var dbPool: Int?

    @Option(name: .long, help: "Async DB driver: native (non-blocking, on the loops) or threadpool (libmongoc in the libuv work queue, motor's design).")
    var dbDriver: String = "native"

    @Option(name: .long, help: "Native driver: a DB operation not answered within this gets 503, e.g. 5s.")
    var dbTimeout: String = "5s"
    @Option(name: .long, help: "Async: warn about loop callbacks that take at least this long, e.g. 100ms (turns the watchdog on).")
    var slowCallback: String?

    @Flag(name: .long, help: "Debug mode, as PYTHONASYNCIODEBUG: the slow-callback watchdog at 100ms.")
    var debug = false

    @Option(name: .long, help: ArgumentHelp("Testing the regression gate: spin this long on the CPU before answering each request, e.g. 3us (a real, fixed slowdown).", visibility: .hidden))
    var debugWorkPerRequest: String?

    @OptionGroup var profiling: ProfileFlags

    @OptionGroup(title: "https")
    var tls: ServeTLSFlags

    func run() throws {
        // libuv sizes its work queue once, at the process's first uv_queue_work: set it first.
        if let dbThreads {
            guard (1...1024).contains(dbThreads) else { throw usageError("--db-threads must be 1 to 1024") }
            setenv("UV_THREADPOOL_SIZE", String(dbThreads), 1)
        }
        guard let model = ServerModel(rawValue: model) else {
            throw usageError("unknown model '\(self.model)' (sync or async)")
        }
        guard let address = try? SocketAddress.resolve(host: host, port: port), address.isLoopback else {
            throw usageError("the reference servers listen on loopback only (127.0.0.1 or ::1), not '\(host)'")
        }
        guard workers >= 1, workers <= 256 else { throw usageError("--workers must be 1 to 256") }
        guard threads >= 1, threads <= 4096 else { throw usageError("--threads must be 1 to 4096") }
        let maxBodyBytes = try QuantityFlag.size(maxBody, flag: "--max-body", maximum: 1 << 40)
        func millis(_ text: String, _ flag: String) throws -> Int {
            Int(try QuantityFlag.duration(text, flag: flag, minimum: 1_000_000, examples: "1ms, 500ms, 10s") / 1_000_000)
        }
        if let dbPool, !(1...4096).contains(dbPool) { throw usageError("--db-pool must be 1 to 4096") }
        guard let driver = DatabaseDriver(rawValue: dbDriver) else {
            throw usageError("unknown --db-driver '\(dbDriver)' (native or threadpool)")
        }
        let dbTimeoutNanos = try QuantityFlag.duration(dbTimeout, flag: "--db-timeout", minimum: 1_000_000, examples: "500ms, 5s")
        var options = ServerOptions(
            model: model, host: host, port: port, workers: workers, threads: threads, maxBodyBytes: maxBodyBytes,
            headerTimeoutMillis: try millis(headerTimeout, "--header-timeout"),
            idleTimeoutMillis: try millis(idleTimeout, "--idle-timeout"),
            graceMillis: try millis(grace, "--grace"), accessLog: accessLog)
        options.slowCallbackNanos = try slowCallbackNanos()
        if let debugWorkPerRequest {
            let ns = try QuantityFlag.duration(debugWorkPerRequest, flag: "--debug-work-per-request", minimum: 0, examples: "3us, 10us")
            guard ns <= 1_000_000_000 else {
                throw usageError("--debug-work-per-request: not a duration up to 1s: '\(debugWorkPerRequest)'")
            }
            options.debugWorkPerRequestNanos = ns
        }
        options.tls = try tls.configuration()
        let profiling = try serverProfileSettings()
        // Watch the signals before any thread exists, so none of them takes one.
        let signals = try TerminationSignals()
        if let profiling { try startServerProfile(profiling) }
        let server: any ReferenceServer
        let database = try mongoURI.map { try openDatabase($0, model: model, driver: driver, timeoutNanos: dbTimeoutNanos) }
        do { server = try startServer(options, database: database) } catch {
            throw usageError("cannot listen on \(host):\(port): \(error)")
        }
        let shownHost = address.isIPv6 ? "[\(address.numericHost)]" : address.numericHost
        let size = model == .async ? "\(workers) worker\(workers == 1 ? "" : "s")" : "\(threads) thread\(threads == 1 ? "" : "s")"
        if let database {
            printError("volley serve: DB routes on \(mongoURI ?? "") (" + databaseSummary(database, model: model, driver: driver) + ")")
        }
        print("listening on \(options.tls == nil ? "http" : "https")://\(shownHost):\(server.port)/ (model \(model.rawValue), \(size))")
        fflush(nil)
        signals.wait()
        server.beginShutdown()
        // Deadlines on the monotonic clock: a wall-clock step must not cut the grace short or stretch it.
        let deadline = MonotonicClock.nanoseconds() + UInt64(options.graceMillis) * 1_000_000
        while !server.isStopped && MonotonicClock.nanoseconds() < deadline { usleep(5_000) }
        if server.isStopped {
            server.join()
        } else {
            printError("volley serve: grace period over, closing the remaining connections")
            server.forceStop()
            let hard = MonotonicClock.nanoseconds() + 500_000_000
            while !server.isStopped && MonotonicClock.nanoseconds() < hard { usleep(5_000) }
        }
        if let profiling { try finishServerProfile(profiling) }
    }
}

extension ServeCommand {
    /// The work queue's size as libuv will read it (its default 4, at most 1024).
    var workQueueThreads: Int {
        let text = ProcessInfo.processInfo.environment["UV_THREADPOOL_SIZE"] ?? ""
        return min(1024, max(1, Int(text) ?? 4))
    }

    /// Sync: one client per pool thread (each thread blocks on its own). Async threadpool: one
    /// per work-queue thread, the most that ever run DB work at once. Async native: 100 per
    /// process (the official drivers' maxPoolSize), split over the loops.
    func poolSize(_ model: ServerModel, driver: DatabaseDriver = .native) -> Int {
        dbPool ?? (model == .sync ? threads : driver == .native ? DatabaseDriver.nativeDefaultPool : workQueueThreads)
    }

    /// Checks that the database answers before serving (a misconfigured server does not
    /// start), then opens the client pool: libmongoc for sync and async threadpool, the
    /// non-blocking driver for async native.
    func openDatabase(_ uri: String, model: ServerModel, driver: DatabaseDriver, timeoutNanos: UInt64) throws -> any DatabaseBackend {
        do {
            try MongoDatabase.checkReachable(uri: uri)
            if model == .async && driver == .native {
                return try NativeMongoDatabase(uri: uri, poolSize: poolSize(model, driver: driver), loops: workers, timeoutNanos: timeoutNanos)
            }
            return try MongoDatabase(uri: uri, poolSize: poolSize(model, driver: driver))
        } catch {
            throw usageError("cannot start: \(error)")
        }
    }

    func databaseSummary(_ database: any DatabaseBackend, model: ServerModel, driver: DatabaseDriver) -> String {
        let pool = poolSize(model, driver: driver)
        switch (model, driver) {
        case (.sync, _): return "libmongoc, pool of \(pool) clients"
        case (.async, .threadpool): return "threadpool driver: libmongoc, pool of \(pool) clients, \(workQueueThreads) work-queue threads"
        case (.async, .native): return "native driver: \(pool) connections over \(workers) loop\(workers == 1 ? "" : "s"), timeout \(dbTimeout)"
        }
    }
}

/// How the async model talks to MongoDB (`--db-driver`).
enum DatabaseDriver: String {
    /// MongoWire's non-blocking client on each loop.
    case native
    /// libmongoc in libuv's work queue (a blocking driver in a thread pool, as motor is).
    case threadpool

    /// The official drivers' default maxPoolSize.
    static let nativeDefaultPool = 100
}
