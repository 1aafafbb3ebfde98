import Foundation
import Testing
@testable import Scenario

/// Issues found in a scenario given as text (file `t.yaml`), or none.
private func commandIssues(_ yaml: String, file: String = "t.yaml") -> [ScenarioIssue] {
    do { _ = try ScenarioParser.parse(yaml: yaml, file: file); return [] } catch { return error.issues }
}

@Suite struct CommandScenarioTests {
    /// A list command is argv, a string is a shell line; every companion setting is read, `cwd` against the scenario's folder.
    @Test func readsEveryCommandSetting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("volley-cmdparse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("app"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
        name: x
        server:
          command: [python3, app.py, --port, "{port}"]
          env: {MODE: fast, WORKERS: 4}
          cwd: app
          ready_log: "Running on http://"
          ready_timeout: 5s
          stop_signal: INT
          grace: 3s
          cpus: [0]
          database: builtin
          asyncio_debug: true
          slow_callback: 50ms
        load: {duration: 1s}
        profile: py-spy
        """
        let s = try ScenarioParser.parse(yaml: yaml, file: dir.appendingPathComponent("s.yaml").path)
        #expect(s.profile)
        guard case .command(let spec) = s.variants[0].target else { Issue.record("not a command target"); return }
        #expect(spec.invocation == .argv(["python3", "app.py", "--port", "{port}"]))
        #expect(spec.environment == [EnvironmentVariable(name: "MODE", value: "fast"), EnvironmentVariable(name: "WORKERS", value: "4")])
        #expect(spec.directory == dir.appendingPathComponent("app").standardizedFileURL.path)
        #expect(spec.readiness == .log(pattern: "Running on http://"))
        #expect(spec.readyTimeoutNanos == 5_000_000_000 && spec.graceNanos == 3_000_000_000)
        #expect(spec.stopSignal == SIGINT && spec.cpus == [0] && spec.database == .builtin(latencyNanos: 0))
        #expect(spec.asyncioDebug && spec.slowCallbackNanos == 50_000_000 && spec.profiler == .pySpy)
    }

    /// Defaults: ready when `/` answers within 20 s, SIGTERM then SIGKILL after 5 s, auto profiler.
    @Test func defaults() throws {
        let s = try ScenarioParser.parse(yaml: "name: x\nserver: {command: \"exec ./serve --port {port}\"}\nload: {duration: 1s}\n", file: "t.yaml")
        #expect(s.variants[0].target == .command(CommandSpec(invocation: .shell("exec ./serve --port {port}"))))
        let spec = CommandSpec(invocation: .shell("x"))
        #expect(spec.readiness == .http(path: "/") && spec.readyTimeoutNanos == 20_000_000_000)
        #expect(spec.stopSignal == SIGTERM && spec.graceNanos == 5_000_000_000 && spec.profiler == .auto)
    }

    /// Commands and built-in models share one matrix axis: two commands are two variants beside the built-ins.
    @Test func commandsAsAMatrixAxis() throws {
        let yaml = """
        name: x
        server: {database: builtin, cpus: [0]}
        load: {duration: 1s}
        matrix:
          server:
            - {name: volley-async, model: async}
            - {name: build-a, command: [./a, "{port}"]}
            - {name: build-b, command: [./b, "{port}"], asyncio_debug: true}
          route: [/, /fetch]
        """
        let s = try ScenarioParser.parse(yaml: yaml, file: "t.yaml")
        #expect(s.variants.map(\.name) == ["volley-async /", "volley-async /fetch", "build-a /", "build-a /fetch", "build-b /", "build-b /fetch"])
        #expect(s.variants[0].target == .server(ServerSpec(model: .async, database: .builtin(latencyNanos: 0), cpus: [0])))
        guard case .command(let b) = s.variants[5].target else { Issue.record("not a command"); return }
        #expect(b.invocation == .argv(["./b", "{port}"]) && b.asyncioDebug && b.database == .builtin(latencyNanos: 0) && b.cpus == [0])
    }

    /// Each mistake in a command server is reported with file, line, column, key and a hint.
    @Test(arguments: [
        ("name: x\nserver: {command: [a], model: sync}\nload: {duration: 1s}\n", 2, 24, "server.model", "does not take `model`", "not both"),
        ("name: x\nserver: {command: [a], threads: 4}\nload: {duration: 1s}\n", 2, 24, "server.threads", "does not take `threads`", "in your command"),
        ("name: x\nserver: {model: sync, ready: /health}\nload: {duration: 1s}\n", 2, 23, "server.ready", "only a `command` server", "add `command:`"),
        ("name: x\nserver: {command: []}\nload: {duration: 1s}\n", 2, 19, "server.command", "the command is empty", nil),
        ("name: x\nserver: {command: {a: 1}}\nload: {duration: 1s}\n", 2, 19, "server.command", "expected a list of words or a shell line", nil),
        ("name: x\nserver: {command: [a], stop_signal: SIGFOO}\nload: {duration: 1s}\n", 2, 37, "server.stop_signal", "not a signal name", "SIGTERM"),
        ("name: x\nserver: {command: [a], ready: /, ready_log: up}\nload: {duration: 1s}\n", 2, 34, "server.ready_log", "not both", nil),
        ("name: x\nserver: {command: [a], ready: health}\nload: {duration: 1s}\n", 2, 31, "server.ready", "not a request path", nil),
        ("name: x\nserver: {command: [a], ready_log: \"(\"}\nload: {duration: 1s}\n", 2, 35, "server.ready_log", "not a regular expression", nil),
        ("name: x\nserver: {command: [a], slow_callback: 50ms}\nload: {duration: 1s}\n", 2, 24, "server.slow_callback", "needs `asyncio_debug: true`", nil),
        ("name: x\nserver: {command: [a], env: {1X: y}}\nload: {duration: 1s}\n", 2, 30, "server.env.1X", "not an environment variable name", nil),
        ("name: x\nserver: {command: [a], cwd: no-such-folder-xyz}\nload: {duration: 1s}\n", 2, 29, "server.cwd", "is not a folder", "relative to the scenario"),
        ("name: x\nserver: {command: [a], ready_timeout: 20}\nload: {duration: 1s}\n", 2, 39, "server.ready_timeout", "not a duration", "20s"),
        ("name: x\nserver: {command: [a], asyncio_debug: maybe}\nload: {duration: 1s}\n", 2, 39, "server.asyncio_debug", "expected true or false", nil),
        ("name: x\nserver: {command: [a], comand: b}\nload: {duration: 1s}\n", 2, 24, "server.comand", "unknown key", "did you mean `command`?"),
        ("name: x\nserver: {command: [a]}\nload: {duration: 1s}\nprofile: pyspy\n", 4, 10, "profile", "expected true or false", "py-spy"),
    ] as [(String, Int, Int, String, String, String?)])
    func mistakes(yaml: String, line: Int, column: Int, key: String, message: String, hint: String?) {
        let found = commandIssues(yaml)
        #expect(found.count == 1, "\(found)")
        guard let issue = found.first else { return }
        #expect(issue.line == line, "\(issue)")
        #expect(issue.column == column, "\(issue)")
        #expect(issue.key == key, "\(issue)")
        #expect(issue.message.contains(message), "\(issue)")
        if let hint { #expect(issue.hint?.contains(hint) == true, "\(issue)") }
        #expect(issue.description.hasPrefix("t.yaml:\(line):\(column): "))
    }

    /// asyncio's warning is read from a line, also with a logging prefix; anything else is not one.
    @Test(arguments: [
        ("Executing <Handle cb() at app.py:3> took 0.152 seconds", "<Handle cb() at app.py:3>", 0.152),
        ("WARNING:asyncio:Executing <Task pending name='Task-1' coro=<h() running at a.py:9>> took 1.000 seconds", "<Task pending name='Task-1' coro=<h() running at a.py:9>>", 1.0),
    ])
    func asyncioWarningLine(line: String, what: String, seconds: Double) {
        let parsed = AsyncioSlowCallbacks.parse(Substring(line))
        #expect(parsed?.what == what && parsed?.seconds == seconds)
    }

    /// Lines that only look a little like the warning are not taken for one.
    @Test(arguments: ["Executing the plan", "took 3 seconds", "Executing <x> took many seconds", "Executing <x> took 0.1 second"])
    func notAnAsyncioWarning(line: String) {
        #expect(AsyncioSlowCallbacks.parse(Substring(line)) == nil)
    }

    /// `{port}` and `{mongo_uri}` are replaced in words and exported as PORT and MONGO_URI, with asyncio debug mode and the sitecustomize path.
    @Test func substitutionAndEnvironment() {
        #expect(ServerRunner.substitute("--bind=127.0.0.1:{port} --db {mongo_uri}", port: 8123, mongoURI: "mongodb://127.0.0.1:9/")
                == "--bind=127.0.0.1:8123 --db mongodb://127.0.0.1:9/")
        var spec = CommandSpec(invocation: .argv(["a"]), environment: [EnvironmentVariable(name: "URL", value: "http://127.0.0.1:{port}/")])
        spec.asyncioDebug = true
        spec.slowCallbackNanos = 50_000_000
        let env = ServerRunner.commandEnvironment(spec, port: 8123, mongoURI: "mongodb://127.0.0.1:9/", sitePath: "/tmp/site")
        #expect(env["PORT"] == "8123" && env["MONGO_URI"] == "mongodb://127.0.0.1:9/" && env["URL"] == "http://127.0.0.1:8123/")
        #expect(env["PYTHONASYNCIODEBUG"] == "1" && env["VOLLEY_SLOW_CALLBACK_SECONDS"] == "0.05")
        #expect(env["PYTHONPATH"]?.hasPrefix("/tmp/site") == true)
    }
}
