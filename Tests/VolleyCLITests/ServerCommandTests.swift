import Foundation
import TestSupport
import Testing

/// The repository's root, found from this file.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/server-command")
/// The venv `make deps` fills (scripts/python-deps.sh).
private let venvPython = repositoryRoot.appendingPathComponent(".build/pyenv/bin/python").path
private let pySpy = repositoryRoot.appendingPathComponent(".build/pyenv/bin/py-spy").path
private let venvReady = FileManager.default.isExecutableFile(atPath: venvPython) && FileManager.default.isExecutableFile(atPath: pySpy)
private let venvMissing = "needs .build/pyenv with py-spy and aiohttp: run `make deps` (make test does)"

/// A scenario in a fresh folder, run with `volley bench`; the folder is removed at the end.
private final class CommandScenario {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("volley-cmd-\(UUID().uuidString)")
    var results: String { url.appendingPathComponent("results").path }

    init(_ yaml: String) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: url.appendingPathComponent("scenario.yaml"))
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Runs bench to the end (at most `seconds`); exit status, standard output and error, and the
    /// processes it started that are still there (killed, so none outlives the test).
    func run(seconds: Double = 60) throws -> (status: Int32?, output: String, left: [Int32]) {
        let outURL = url.appendingPathComponent("out.txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let process = Process()
        process.executableURL = volleyExecutable()
        process.arguments = ["bench", url.appendingPathComponent("scenario.yaml").path, "--out", results]
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = process.standardOutput
        try process.run()
        let status = waitForExit(process, seconds: seconds)
        if status == nil { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        let left = processesStarted(by: process.processIdentifier)
        for pid in left { kill(pid, SIGKILL) }
        return (status, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "", left)
    }

    /// The one result file's first variant, as JSON.
    func variant() throws -> [String: Any] {
        let folder = URL(fileURLWithPath: results).appendingPathComponent("cmd")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && !$0.contains("speedscope") }
        let data = try Data(contentsOf: folder.appendingPathComponent(try #require(files.first)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require((object["variants"] as? [[String: Any]])?.first)
    }

    /// The folded profile next to the result: samples in all, and samples whose stack holds `function`.
    func foldedSamples(containing function: String, under caller: String? = nil) throws -> (total: Int, hits: Int) {
        let folder = URL(fileURLWithPath: results).appendingPathComponent("cmd")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".folded") })
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        var total = 0, hits = 0
        for line in text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]) else { continue }
            total += count
            let frames = line[..<space].split(separator: ";")
            guard let at = frames.firstIndex(where: { $0 == function || $0.hasPrefix(function + " ") }) else { continue }
            if let caller, at == frames.startIndex || frames[frames.index(before: at)] != caller { continue }
            hits += count
        }
        return (total, hits)
    }
}

/// Builds the C fixture server (with frame pointers unless told otherwise); returns the binary's path.
private func compileHotServer(_ flags: [String] = ["-fno-omit-frame-pointer", "-O1"]) throws -> String {
    let binary = FileManager.default.temporaryDirectory.appendingPathComponent("volley-hot-server-\(UUID().uuidString)").path
    // cc, else the clang that ships with the Swift toolchain (on PATH beside swift).
    let compilers = ["cc", "clang", "gcc"].flatMap { name in
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/\(name)" }
    }
    let compiler = try #require(compilers.first { FileManager.default.isExecutableFile(atPath: $0) }, "no C compiler on PATH")
    let cc = Process()
    cc.executableURL = URL(fileURLWithPath: compiler)
    cc.arguments = flags + ["-o", binary, fixtures.appendingPathComponent("hot_server.c").path]
    try cc.run()
    cc.waitUntilExit()
    try #require(cc.terminationStatus == 0)
    return binary
}

@Suite(.serialized) struct ServerCommandTests {
    /// A command that exits before it is ready: exit 2, its last output in the message, and nothing left running.
    @Test func failingCommandExitsTwoWithItsOutput() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: "echo booting on {port}; echo 'ImportError: no module named flask' >&2; exit 3"
        load: {threads: 1, connections: 1, duration: 1s}
        """)
        let run = try scenario.run()
        #expect(run.status == 2)
        #expect(run.output.contains("exited with status 3 before it was ready"))
        #expect(run.output.contains("ImportError: no module named flask"))
        #expect(run.output.contains("booting on "))
        #expect(run.left.isEmpty)
    }

    /// A command that never gets ready is stopped after `ready_timeout` (its whole group: the shell
    /// and the sleep it started), exit 2, and nothing else starts.
    @Test func neverReadyCommandIsStopped() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: "echo waiting forever; sleep 30 & sleep 30"
          ready_log: never printed
          ready_timeout: 700ms
        load: {threads: 1, connections: 1, duration: 1s}
        matrix:
          connections: [1, 2]
        """)
        let run = try scenario.run()
        #expect(run.status == 2)
        #expect(run.output.contains("was not ready after 700ms"))
        #expect(run.output.contains("waiting forever"))
        #expect(!run.output.contains("[2/2]"))
        #expect(run.left.isEmpty)
    }

    /// Ctrl-C or SIGTERM during the load: bench stops the command's whole process group (the
    /// shell, and the server it put in the background), keeps what was measured, and leaves nothing.
    @Test(arguments: [SIGINT, SIGTERM])
    func signalDuringLoadLeavesNothing(signal: Int32) throws {
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: "python3 -m http.server {port} --bind 127.0.0.1 >/dev/null 2>&1 & exec sleep 60"
        load: {threads: 1, connections: 1, duration: 30s}
        """)
        let outURL = scenario.url.appendingPathComponent("out.txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let process = Process()
        process.executableURL = volleyExecutable()
        process.arguments = ["bench", scenario.url.appendingPathComponent("scenario.yaml").path, "--out", scenario.results]
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = process.standardOutput
        try process.run()
        waitUntil(seconds: 20, pollEvery: 0.02) {
            let text = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            return text.contains(": load ") || !process.isRunning
        }
        let children = processesStarted(by: process.processIdentifier)
        #expect(children.count >= 2, "the shell and its background server: \(children)")
        kill(process.processIdentifier, signal)
        if waitForExit(process, seconds: 15) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // bench turns SIGTERM into the same orderly stop as Ctrl-C.
        #expect([130, 143].contains(process.terminationStatus))
        var left: [Int32] = []
        waitUntil(seconds: 2, pollEvery: 0.02) {
            left = processesStarted(by: process.processIdentifier)
            return left.isEmpty
        }
        for pid in left { kill(pid, SIGKILL) }
        #expect(left.isEmpty)
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        #expect(output.contains("result: "), "\(output)")
    }

    /// A program that does not exist is refused before anything starts.
    @Test func missingProgramIsRefusedUpFront() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server: {command: [no-such-server-program-xyz, "{port}"]}
        load: {threads: 1, connections: 1, duration: 1s}
        """)
        let run = try scenario.run()
        #expect(run.status == 2)
        #expect(run.output.contains("`no-such-server-program-xyz` not found"))
        #expect(run.output.contains("nothing was started"))
    }

    /// A C server with a known hot function, built with frame pointers (the kernel walks them) and
    /// without (stack copies unwound with DWARF CFI): at least 70% of the perf samples of its
    /// measured window hold that function under its caller.
    @Test(arguments: [["-fno-omit-frame-pointer", "-O1"], ["-fomit-frame-pointer", "-O2"]])
    func perfProfileOfANativeServer(flags: [String]) throws {
        let binary = try compileHotServer(flags)
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: [\(binary), "{port}"]
          ready_log: hot_server listening
        load: {threads: 1, connections: 2, duration: 3s, warmup: 300ms}
        profile: perf
        """)
        let run = try scenario.run()
        #expect(run.status == 0, "\(run.output)")
        let variant = try scenario.variant()
        #expect((variant["profiles"] as? [String])?.contains { $0.hasSuffix(".svg") } == true)
        let samples = try scenario.foldedSamples(containing: "hot_spin", under: "answer")
        // 99 Hz of the server's CPU time: on a loaded 2-core machine it may get a fraction of a core.
        #expect(samples.total >= 15, "too few samples: \(samples)")
        #expect(Double(samples.hits) >= 0.7 * Double(samples.total), "\(samples)")
    }

    /// `volley run --profile-pid` profiles a running native server for the run; a profiler that
    /// cannot attach (py-spy on a C process) is one warning and the run still succeeds.
    @Test func runProfilesAnotherProcess() throws {
        let binary = try compileHotServer()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["0"]
        let pipe = Pipe()
        server.standardOutput = pipe
        try server.run()
        // SIGKILL: a test runner may block SIGTERM, and a child inherits the blocked mask.
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        // Its ready line names the port it got.
        let ready = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(Int(ready.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "ready line: \(ready)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("volley-ppid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let folded = folder.appendingPathComponent("p.folded").path
        let url = "http://127.0.0.1:\(port)/"
        let json = folder.appendingPathComponent("run.json").path
        let run = try runVolley(["-t1", "-c2", "-d3s", "--profile-pid", String(server.processIdentifier), "--profile", folded, "--profile-hz", "99",
                                 "--json", json, url], timeout: 30)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.err.contains("samples of process \(server.processIdentifier) (perf, 99 Hz)"))
        // The process named is the server on the time axis too: its CPU per slice and over the run.
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let variant = try #require((result?["variants"] as? [[String: Any]])?.first)
        let cpuSeconds = try #require((variant["server"] as? [String: Any])?["cpuSeconds"] as? Double)
        #expect(cpuSeconds > 0.1, "the spinning server used \(cpuSeconds) s of CPU")
        let slices = (variant["timeline"] as? [String: Any])?["slices"] as? [[String: Any]] ?? []
        #expect(slices.count >= 29 && slices.allSatisfy { $0["serverCpuPercent"] is Double && $0["generatorCpuPercent"] is Double })
        let text = try String(contentsOfFile: folded, encoding: .utf8)
        var total = 0, hits = 0
        for line in text.split(separator: "\n") {
            guard let count = Int(line.split(separator: " ").last ?? "") else { continue }
            total += count
            if line.contains(";hot_spin ") { hits += count }
        }
        #expect(total >= 15 && Double(hits) >= 0.7 * Double(total), "\(hits) of \(total)")

        let refused = try runVolley(["-t1", "-c1", "-d1s", "--profile-pid", String(server.processIdentifier), "--profile-with", "py-spy",
                                     "--profile", folder.appendingPathComponent("q.folded").path, url], timeout: 30)
        #expect(refused.code == 0, "\(refused.err)")
        #expect(refused.err.components(separatedBy: "warning: no profile of process").count == 2, "\(refused.err)")
        #expect(refused.out.contains("Requests/sec"))
    }

    /// A built-in server with `profile: true` is profiled from outside for the measured window:
    /// its `/cpu` route's busy loop fills most of the samples, named from the Swift symbols.
    @Test func builtInServerProfiledForTheMeasuredWindow() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server: {model: async, threads: 1}
        load: {threads: 1, connections: 2, duration: 3s, warmup: 300ms, path: "/cpu?ms=2"}
        profile: true
        """)
        let run = try scenario.run()
        #expect(run.status == 0, "\(run.output)")
        let variant = try scenario.variant()
        #expect((variant["profiles"] as? [String])?.count == 3)
        #expect((variant["notes"] as? [String] ?? []).contains { $0.hasPrefix("profile: perf at 99 Hz") && $0.contains("measured window only") })
        let samples = try scenario.foldedSamples(containing: "RefServer.burnCPU(milliseconds:)")
        #expect(samples.total >= 15, "too few samples: \(samples)")
        #expect(Double(samples.hits) >= 0.5 * Double(samples.total), "\(samples)")
    }

    /// A Python app with a known hot function, profiled by py-spy (chosen by itself for a Python
    /// process): at least 70% of the samples hold that function.
    @Test(.enabled(if: venvReady, Comment(rawValue: venvMissing)))
    func pySpyProfileOfAPythonServer() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: "exec \(venvPython) \(fixtures.appendingPathComponent("hot_app.py").path) {port}"
          ready_log: hot_app listening
        load: {threads: 1, connections: 1, duration: 2s, warmup: 300ms}
        profile: true
        """)
        let run = try scenario.run()
        #expect(run.status == 0, "\(run.output)")
        let notes = try scenario.variant()["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix("profile: py-spy") }, "\(notes)")
        let samples = try scenario.foldedSamples(containing: "hot_python_function")
        #expect(samples.total >= 20, "too few samples: \(samples)")
        #expect(Double(samples.hits) >= 0.7 * Double(samples.total), "\(samples)")
    }

    /// An aiohttp handler that blocks the loop for 150 ms, in asyncio debug mode: slow callbacks of
    /// about 0.15 s are recorded in the result, counted as the built-in server's are.
    @Test(.enabled(if: venvReady, Comment(rawValue: venvMissing)))
    func asyncioSlowCallbacksAreRecorded() throws {
        let scenario = try CommandScenario("""
        name: cmd
        server:
          command: [\(venvPython), \(fixtures.appendingPathComponent("slow_aiohttp.py").path), "{port}"]
          asyncio_debug: true
          slow_callback: 100ms
        load: {threads: 1, connections: 1, duration: 1s, path: /block}
        """)
        let run = try scenario.run()
        #expect(run.status == 0, "\(run.output)")
        let server = try #require(try scenario.variant()["server"] as? [String: Any])
        let slow = try #require(server["slowCallbacks"] as? [String: Any])
        let entries = try #require(slow["slowCallbacks"] as? [[String: Any]])
        #expect(entries.count >= 3)
        #expect((slow["slowCallbackCount"] as? Int) == entries.count)
        #expect((slow["thresholdSeconds"] as? Double) == 0.1)
        let seconds = entries.compactMap { $0["seconds"] as? Double }
        #expect(seconds.count == entries.count)
        // time.sleep(0.15) plus the handler's own work; a loaded machine stretches it a little.
        #expect(seconds.allSatisfy { $0 >= 0.149 && $0 < 0.5 }, "\(seconds)")
        #expect(entries.allSatisfy { ($0["what"] as? String)?.contains("Task") == true })
    }
}
