import Clocks
import Foundation
import Metrics
import Profiler
#if canImport(Glibc)
import Glibc
#endif

/// Runs a variant whose server is the user's own (`server.command`): picks a free port, starts
/// the built-in mongod when asked, starts the command in a process group of its own with its
/// output in a log file next to the result, waits until it is ready, runs the load, profiles it
/// for the measured window and reads its asyncio slow callbacks when asked, then stops it
/// (`stop_signal`, SIGKILL after `grace`). Nothing it started outlives the variant.
extension ServerRunner {
    /// Why a command cannot start, checked before anything starts: its program must exist.
    func commandUnsupported(_ spec: CommandSpec) -> String? {
        switch spec.invocation {
        case .shell:
            return FileManager.default.isExecutableFile(atPath: "/bin/sh") ? nil : "/bin/sh is missing"
        case .argv(let argv):
            let program = argv[0].replacingOccurrences(of: "{port}", with: "0")
            if Self.resolveProgram(program, directory: spec.directory) == nil {
                return "server.command: `\(program)` not found" + (program.contains("/") ? "" : " on PATH")
                    + (spec.directory.map { " (working folder \($0))" } ?? "")
            }
            return nil
        }
    }

    /// The program's path: as given when it has a `/` (relative to `directory`), else found on PATH.
    static func resolveProgram(_ program: String, directory: String?) -> String? {
        if program.contains("/") {
            let full = program.hasPrefix("/") ? program : ((directory ?? FileManager.default.currentDirectoryPath) as NSString).appendingPathComponent(program)
            return FileManager.default.isExecutableFile(atPath: full) ? full : nil
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let full = "\(dir)/\(program)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: full) { return full }
        }
        return nil
    }

    /// `{port}` and `{mongo_uri}` replaced in one word.
    static func substitute(_ text: String, port: UInt16, mongoURI: String?) -> String {
        var out = text.replacingOccurrences(of: "{port}", with: String(port))
        if let mongoURI { out = out.replacingOccurrences(of: "{mongo_uri}", with: mongoURI) }
        return out
    }

    /// The environment a command server gets on top of bench's own.
    static func commandEnvironment(_ spec: CommandSpec, port: UInt16, mongoURI: String?, sitePath: String?) -> [String: String] {
        var env: [String: String] = ["PORT": String(port), "PYTHONUNBUFFERED": "1"]
        if let mongoURI { env["MONGO_URI"] = mongoURI }
        if spec.asyncioDebug { env["PYTHONASYNCIODEBUG"] = "1" }
        for variable in spec.environment { env[variable.name] = substitute(variable.value, port: port, mongoURI: mongoURI) }
        if let sitePath, let nanos = spec.slowCallbackNanos {
            env["VOLLEY_SLOW_CALLBACK_SECONDS"] = String(Double(nanos) / 1e9)
            let existing = env["PYTHONPATH"] ?? ProcessInfo.processInfo.environment["PYTHONPATH"]
            env["PYTHONPATH"] = existing.map { $0.isEmpty ? sitePath : "\(sitePath):\($0)" } ?? sitePath
        }
        return env
    }

    func runCommand(_ plan: VariantPlan, spec: CommandSpec, context: VariantContext) throws(VariantRunError) -> VariantOutcome {
        let interrupted = { context.stop?.isRequested == true }
        if interrupted() { throw VariantRunError("interrupted", interrupted: true) }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("volley-bench-\(getpid())-\(context.index)").path
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        do {
            try FileManager.default.createDirectory(atPath: context.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw VariantRunError("cannot create \(context.outputDirectory): \(error.localizedDescription)")
        }
        var children: [ChildProcess] = []
        var profile: MeasuredProfile?
        var watcher: AsyncioSlowCallbacks?
        defer {
            profile?.abandon()
            _ = watcher?.stop()
            for child in children.reversed() { child.stop(grace: Double(spec.graceNanos) / 1e9, signal: child.name == "volley mongod" ? SIGTERM : spec.stopSignal) }
            try? FileManager.default.removeItem(atPath: scratch)
        }

        let mongoURI = try startDatabase(spec.database, cpus: spec.cpus, logs: scratch, children: &children, interrupted: interrupted)
        guard let port = FreePort.pick() else { throw VariantRunError("cannot find a free port on 127.0.0.1") }
        var sitePath: String?
        if spec.slowCallbackNanos != nil {
            let dir = scratch + "/site"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try? AsyncioSlowCallbacks.sitecustomize.write(toFile: dir + "/sitecustomize.py", atomically: true, encoding: .utf8)
            sitePath = dir
        }
        let environment = Self.commandEnvironment(spec, port: port, mongoURI: mongoURI, sitePath: sitePath)
        let executable: String, arguments: [String]
        switch spec.invocation {
        case .argv(let argv):
            let words = argv.map { Self.substitute($0, port: port, mongoURI: mongoURI) }
            guard let program = Self.resolveProgram(words[0], directory: spec.directory) else {
                throw VariantRunError("server.command: `\(words[0])` not found; nothing was started after it")
            }
            executable = program
            arguments = Array(words.dropFirst())
        case .shell(let line):
            executable = "/bin/sh"
            arguments = ["-c", Self.substitute(line, port: port, mongoURI: mongoURI)]
        }
        let logPath = (context.outputDirectory as NSString).appendingPathComponent(Self.logName(plan.name))
        let startedAt = MonotonicClock.seconds()
        let server: ChildProcess
        do {
            server = try ChildProcess(name: "server.command", executable: executable, arguments: arguments, cpus: spec.cpus,
                                      logPath: logPath, environment: environment, directory: spec.directory)
        } catch {
            throw VariantRunError("\(error.message); nothing was started after it")
        }
        children.append(server)
        if spec.asyncioDebug {
            watcher = AsyncioSlowCallbacks(logPath: logPath, startedAt: startedAt)
            watcher?.start()
        }
        try waitReady(server, spec: spec, port: port, logPath: logPath, interrupted: interrupted)

        let url = try LoadPhase.requestURL(base: "http://127.0.0.1:\(port)/", load: plan.load)
        var loadStartedAt: Double?
        if context.profile { profile = MeasuredProfile(kind: spec.profiler.kind, hz: profileHz, executable: executable) }
        let measured = MeasuredWindow(begin: {
            loadStartedAt = MonotonicClock.seconds()
            profile?.begin(pid: server.pid)
        }, end: {})
        var outcome = try LoadPhase.run(name: plan.name, load: plan.load, url: url, context: context, serverProcess: server.pid,
                                        measured: measured)

        profile?.finish(&outcome.result, variant: plan.name, context: context)
        profile = nil
        var notes = outcome.result.notes ?? []
        var serverStats: [String: JSONValue] = ["command": .string(spec.displayText), "pid": .integer(Int64(server.pid)),
                                                "log": .string((logPath as NSString).lastPathComponent)]
        if let running = watcher {
            watcher = nil
            let entries = running.stop()
            serverStats["slowCallbacks"] = AsyncioSlowCallbacks.json(
                entries, thresholdSeconds: spec.slowCallbackNanos.map { Double($0) / 1e9 } ?? AsyncioSlowCallbacks.defaultThresholdSeconds,
                serverStartedAt: startedAt, loadStartedAt: loadStartedAt)
        }
        outcome.result.server = serverStats.merging(outcome.result.server ?? [:]) { _, measured in measured }
        if let code = server.exited() {
            throw VariantRunError("server.command exited with status \(code) during the load; its last output (\(logPath)):\n\(server.logLines())")
        }
        let status = server.stop(grace: Double(spec.graceNanos) / 1e9, signal: spec.stopSignal)
        notes.append("server: command `\(spec.displayText)` on port \(port)"
                     + (spec.cpus.map { ", pinned to CPU " + $0.map(String.init).joined(separator: ",") } ?? "")
                     + (plan.load.cpus.map { "; generator on CPU " + $0.map(String.init).joined(separator: ",") } ?? "")
                     + "; output in \((logPath as NSString).lastPathComponent)")
        if status != 0 && status != 128 + spec.stopSignal {
            notes.append("server exited with status \(status) when stopped with \(SignalName.name(spec.stopSignal))")
        }
        outcome.result.notes = notes
        return outcome
    }

    /// Waits until the ready path answers (any status below 500) or a line of output matches
    /// `ready_log`; fails with the last lines of output when the server ends or takes too long.
    func waitReady(_ server: ChildProcess, spec: CommandSpec, port: UInt16, logPath: String, interrupted: () -> Bool) throws(VariantRunError) {
        let timeout = Double(spec.readyTimeoutNanos) / 1e9
        let deadline = MonotonicClock.seconds() + timeout
        let regex: NSRegularExpression?
        if case .log(let pattern) = spec.readiness { regex = try? NSRegularExpression(pattern: pattern) } else { regex = nil }
        while true {
            switch spec.readiness {
            case .http(let path):
                if let response = LoopbackGet.get(port: port, path: path, timeout: 1), response.status < 500 { return }
            case .log:
                let log = server.log()
                if let regex, regex.firstMatch(in: log, range: NSRange(log.startIndex..., in: log)) != nil { return }
            }
            if let code = server.exited() {
                throw VariantRunError("server.command exited with status \(code) before it was ready; nothing was started after it. "
                                      + "Its last output (\(logPath)):\n\(server.logLines())")
            }
            if interrupted() { throw VariantRunError("interrupted while starting server.command", interrupted: true) }
            if MonotonicClock.seconds() > deadline {
                let what: String
                switch spec.readiness {
                case .http(let path): what = "GET \(path) on port \(port) did not answer"
                case .log(let pattern): what = "no line of its output matched `\(pattern)`"
                }
                throw VariantRunError("server.command was not ready after \(Quantity.formatDuration(spec.readyTimeoutNanos)) (\(what)); "
                                      + "it was stopped and nothing was started after it. Its last output (\(logPath)):\n\(server.logLines())")
            }
            usleep(20_000)
        }
    }

    /// A file name for a variant's server output: `server-<UTC time>-<variant>.log`.
    static func logName(_ variant: String) -> String {
        profileName(variant).replacingOccurrences(of: "profile-", with: "server-").replacingOccurrences(of: ".svg", with: ".log")
    }
}

extension CommandSpec.ProfilerChoice {
    /// The profiler asked for, or nil to choose by the process (py-spy for Python).
    var kind: ProcessProfilerKind? {
        switch self {
        case .auto: nil
        case .perf: .perf
        case .pySpy: .pySpy
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago (bound to 0, read, closed), for a server that
/// must be told its port up front.
enum FreePort {
    static func pick() -> UInt16? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return named == 0 ? UInt16(bigEndian: address.sin_port) : nil
    }
}
