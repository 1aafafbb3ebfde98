import Clocks
import Foundation
import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// Runs variants whose scenario names a `server:`: for each variant it starts the built-in
/// mongod when asked (`volley mongod --port 0 --seed`), then `volley serve` on a free port,
/// both pinned to the server's CPUs; waits for the ready line and `/health`; runs the load
/// in-process (`LoadPhase`, generator pinned as configured); collects `/debug/stats` (and
/// `/debug/slow` when the server has it) into the result, and with `profile` a perf_event_open
/// profile of the server for the measured window (`MeasuredProfile`); stops the server with SIGTERM
/// (SIGKILL after the grace) and then the mongod. Nothing it started outlives `run`.
public struct ServerRunner: VariantRunner {
    /// The `volley` binary to start children from (the running one: /proc/self/exe).
    public var executable: String
    /// How long a child may take to print its ready line.
    public var readyTimeout: Double = 20
    /// The server's own `--grace`; SIGKILL follows a second after it.
    public var graceSeconds: Int = 2
    /// Samples per CPU-second when profiling a `command` server (prime, so it does not beat with periodic work).
    public var profileHz: Int = 99

    public init(executable: String = ServerRunner.currentExecutable()) { self.executable = executable }

    /// The path of the running executable.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    public func unsupported(_ plan: VariantPlan) -> String? {
        if case .command(let spec) = plan.target {
            if let why = LoadPhase.unsupported(plan.load) { return why }
            if spec.database != .none, !FileManager.default.isExecutableFile(atPath: executable) {
                return "cannot start the built-in mongod: `\(executable)` is not executable"
            }
            return commandUnsupported(spec)
        }
        guard case .server = plan.target else { return "not a server variant" }
        if let why = LoadPhase.unsupported(plan.load) { return why }
        guard FileManager.default.isExecutableFile(atPath: executable) else { return "cannot start servers: `\(executable)` is not executable" }
        do { _ = try LoadPhase.requestURL(base: "http://127.0.0.1:1/", load: plan.load) } catch { return error.message }
        return nil
    }

    /// The `volley serve` arguments for a server spec. Scenario `workers × threads` is the
    /// server's concurrency: async event loops (`--workers`, each loop its own SO_REUSEPORT
    /// listener, serve's stand-in for worker processes) or sync pool threads (`--threads`).
    public static func serveArguments(_ spec: ServerSpec, mongoURI: String?, profilePath: String?, graceSeconds: Int) -> [String] {
        let size = spec.workers * spec.threads
        var args = ["serve", "--model", spec.model.rawValue, "--host", "127.0.0.1", "--port", "0"]
        args += spec.model == .async ? ["--workers", String(size)] : ["--threads", String(size)]
        args += ["--grace", "\(graceSeconds)s"]
        if let mongoURI { args += ["--mongo-uri", mongoURI] }
        if spec.model == .async, let driver = spec.dbDriver { args += ["--db-driver", driver.rawValue] }
        if let nanos = spec.slowCallbackNanos { args += ["--slow-callback", Quantity.formatDuration(nanos)] }
        if let profilePath { args += ["--profile", profilePath] }
        if spec.tls { args.append("--tls-self-signed") }
        return args
    }

    /// The `volley mongod` arguments for the built-in database.
    public static func mongodArguments(latencyNanos: UInt64) -> [String] {
        ["mongod", "--host", "127.0.0.1", "--port", "0", "--seed", "--latency",
         latencyNanos % 1_000_000 == 0 ? "\(latencyNanos / 1_000_000)ms" : latencyNanos % 1_000 == 0 ? "\(latencyNanos / 1_000)us" : "\(latencyNanos)ns"]
    }

    public func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> VariantOutcome {
        if case .command(let spec) = plan.target { return try runCommand(plan, spec: spec, context: context) }
        guard case .server(let spec) = plan.target else { throw VariantRunError("not a server variant") }
        let interrupted = { context.stop?.isRequested == true }
        if interrupted() { throw VariantRunError("interrupted", interrupted: true) }

        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("volley-bench-\(getpid())-\(context.index)").path
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var children: [ChildProcess] = []
        defer { stop(children, logs: logs) }

        // `profile: true`: the server is sampled from outside (perf_event_open) for the measured
        // window only, as a command server is, rather than by `serve --profile` for its whole life.
        var profile: MeasuredProfile?
        if context.profile {
            try? FileManager.default.createDirectory(atPath: context.outputDirectory, withIntermediateDirectories: true)
            profile = MeasuredProfile(kind: nil, hz: profileHz, executable: executable)
        }
        defer { profile?.abandon() }
        let (server, port, arguments) = try startServer(spec, logs: logs, children: &children, interrupted: interrupted)
        let scheme = spec.tls ? "https" : "http"
        let url = try LoadPhase.requestURL(base: "\(scheme)://127.0.0.1:\(port)/", load: plan.load)
        var load = plan.load
        // The server's certificate is a throwaway self-signed one: nothing to verify it against.
        if spec.tls { load.insecure = true }
        var outcome = try LoadPhase.run(name: plan.name, load: load, url: url, context: context, serverProcess: server.pid,
                                        measured: profile.map { p in MeasuredWindow(begin: { p.begin(pid: server.pid) }, end: {}) })

        // What the server says about itself, beside the CPU the engine read of its process.
        outcome.result.server = collectStats(port: port, tls: spec.tls).merging(outcome.result.server ?? [:]) { _, measured in measured }
        if let code = server.exited() {
            throw VariantRunError("volley serve exited with status \(code) during the load: \(server.logTail())")
        }
        // The profile's symbols are read from the running server: before it stops.
        profile?.finish(&outcome.result, variant: plan.name, context: context)
        profile = nil
        let status = server.stop(grace: Double(graceSeconds) + 1)
        var notes = outcome.result.notes ?? []
        notes.append("server: " + Self.serverDescription(arguments: arguments, spec: spec, load: plan.load))
        if status != 0 { notes.append("server exited with status \(status) when stopped") }
        outcome.result.notes = notes
        return outcome
    }

    /// Stops every child, the last started first (a server before its database), then removes
    /// their log folder; for a `defer`, so that it happens whatever went wrong.
    func stop(_ children: [ChildProcess], logs: String) {
        for child in children.reversed() { child.stop(grace: Double(graceSeconds) + 1) }
        try? FileManager.default.removeItem(atPath: logs)
    }

    /// How a server was started, for the result's notes: `volley serve …, pinned to CPU 0; generator on CPU 1`.
    static func serverDescription(arguments: [String], spec: ServerSpec, load: LoadSpec) -> String {
        let serve = arguments.filter { $0 != "--host" && $0 != "127.0.0.1" }.joined(separator: " ")
        let serverCPUs = spec.cpus.map { ", pinned to CPU " + $0.map(String.init).joined(separator: ",") } ?? ""
        let loadCPUs = load.cpus.map { "; generator on CPU " + $0.map(String.init).joined(separator: ",") } ?? ""
        return "volley \(serve)\(serverCPUs)\(loadCPUs)"
    }

    /// Starts the variant's database (when it asks for one) and `volley serve` on a free port, both
    /// pinned to the server's CPUs, and waits until `/health` answers; every child started is
    /// appended to `children` (the caller stops them). Returns the server, its port and its arguments.
    func startServer(_ spec: ServerSpec, logs: String, children: inout [ChildProcess],
                     interrupted: () -> Bool) throws(VariantRunError) -> (server: ChildProcess, port: UInt16, arguments: [String]) {
        let mongoURI = try startDatabase(spec.database, cpus: spec.cpus, logs: logs, children: &children, interrupted: interrupted)
        let arguments = Self.serveArguments(spec, mongoURI: mongoURI, profilePath: nil, graceSeconds: graceSeconds)
        let server = try ChildProcess(name: "volley serve", executable: executable, arguments: arguments,
                                      cpus: spec.cpus, logPath: logs + "/serve-\(children.count).log")
        children.append(server)
        let scheme = spec.tls ? "https" : "http"
        let ready = try server.readyLine(prefix: "listening on \(scheme)://", timeout: readyTimeout, interrupted: interrupted)
        guard let port = Self.port(fromReadyLine: ready) else { throw VariantRunError("volley serve: unreadable ready line `\(ready)`") }
        try waitHealthy(server, port: port, tls: spec.tls, interrupted: interrupted)
        return (server, port, arguments)
    }

    /// Starts the built-in mongod when `database` asks for it (appending it to `children`); the URI to give the server.
    func startDatabase(_ database: DatabaseSpec, cpus: [Int]?, logs: String, children: inout [ChildProcess],
                       interrupted: () -> Bool) throws(VariantRunError) -> String? {
        switch database {
        case .none: return nil
        case .uri(let uri): return uri
        case .builtin(let latency):
            let mongod = try ChildProcess(name: "volley mongod", executable: executable,
                                          arguments: Self.mongodArguments(latencyNanos: latency), cpus: cpus,
                                          logPath: logs + "/mongod.log")
            children.append(mongod)
            return try mongod.readyLine(prefix: "listening on ", timeout: readyTimeout, interrupted: interrupted)
                .trimmingCharacters(in: .whitespaces)
        }
    }

    /// Polls `/health` until it answers 200.
    func waitHealthy(_ server: ChildProcess, port: UInt16, tls: Bool = false, interrupted: () -> Bool) throws(VariantRunError) {
        let deadline = MonotonicClock.seconds() + readyTimeout
        while true {
            if let response = LoopbackGet.get(port: port, path: "/health", timeout: 1, tls: tls), response.status == 200 { return }
            if let code = server.exited() { throw VariantRunError("volley serve exited with status \(code): \(server.logTail())") }
            if interrupted() { throw VariantRunError("interrupted while starting volley serve", interrupted: true) }
            if MonotonicClock.seconds() > deadline { throw VariantRunError("volley serve: /health did not answer 200 within \(Int(readyTimeout)) s") }
            usleep(20_000)
        }
    }

    /// `/debug/stats` as the result's server object, with `/debug/slow` under `slowCallbacks`
    /// when the server has it (a 501 means this build has no watchdog).
    func collectStats(port: UInt16, tls: Bool = false) -> [String: JSONValue] {
        var server: [String: JSONValue] = [:]
        // A loop that was blocked (e.g. /cpu in the loop) may still be working through the
        // requests queued when the load stopped: give it time to get to this one.
        if let stats = LoopbackGet.get(port: port, path: "/debug/stats", timeout: 15, tls: tls), stats.status == 200,
           let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(stats.body.utf8)) {
            server = object
        } else {
            server["statsError"] = "GET /debug/stats failed"
        }
        if server["slowCallbacks"] == nil, let slow = LoopbackGet.get(port: port, path: "/debug/slow", timeout: 15, tls: tls), slow.status == 200,
           let value = try? JSONDecoder().decode(JSONValue.self, from: Data(slow.body.utf8)) {
            server["slowCallbacks"] = value
        }
        return server
    }

    /// The port in `127.0.0.1:PORT/ (model …)`, the rest of serve's ready line.
    static func port(fromReadyLine rest: String) -> UInt16? {
        let hostPort = rest.prefix { $0 != "/" && $0 != " " }
        guard let colon = hostPort.lastIndex(of: ":") else { return nil }
        return UInt16(hostPort[hostPort.index(after: colon)...])
    }

    /// A file name for a variant's profile: `profile-<UTC time>-<variant>.svg`.
    static func profileName(_ variant: String) -> String {
        let slug = String(variant.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return "profile-\(UTCTime.fileStamp(Date()))-\(slug).svg"
    }
}
