import Foundation
import TestSupport
import Testing

/// Runs the built `volley` binary with `arguments`; returns exit code, stdout and stderr.
/// Output goes to temporary files, so a chatty child never blocks on a full pipe.
func runVolley(_ arguments: [String], timeout: TimeInterval = 30) throws -> (code: Int32, out: String, err: String) {
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("volley-out-\(UUID().uuidString)")
    let errURL = dir.appendingPathComponent("volley-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
    let process = Process()
    process.executableURL = volleyBinary()
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    if waitForExit(process, seconds: timeout) == nil { process.terminate() }
    process.waitUntilExit()
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return (process.terminationStatus, out, err)
}

/// The `volley` executable built next to the test bundle (TestSupport's locator, under the name these tests use).
func volleyBinary() -> URL { volleyExecutable() }

/// A `volley fixture` child process on a free loopback port, stopped when the test ends.
final class FixtureProcess {
    let process = Process()
    let url: String

    init(behaviour: String = "ok") throws {
        process.executableURL = volleyBinary()
        process.arguments = ["fixture", "--behaviour", behaviour, "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = readFirstLine(from: out.fileHandleForReading)
        guard let range = text.range(of: "http://") else { throw FixtureError.noPort(text) }
        url = String(text[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        // SIGKILL: a child of the test runner may inherit SIGINT/SIGTERM blocked, and must never outlive the test.
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    enum FixtureError: Error { case noPort(String) }
}

@Suite(.serialized) struct CommandLineTests {
    /// wrk's own command line, with attached values, runs and prints wrk's layout.
    @Test func wrkCommandLine() throws {
        let server = try FixtureProcess()
        let result = try runVolley(["-t2", "-c8", "-d1s", "--latency", server.url])
        #expect(result.code == 0)
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Running 1s test @ \(server.url)")
        #expect(lines[1] == "  2 threads and 8 connections")
        #expect(lines[2] == "  Thread Stats   Avg      Stdev     Max   +/- Stdev")
        #expect(lines[3].hasPrefix("    Latency "))
        #expect(lines[4].hasPrefix("    Req/Sec "))
        #expect(lines[5] == "  Latency Distribution")
        #expect(lines[6].hasPrefix("     50% "))
        #expect(lines[9].hasPrefix("     99% "))
        #expect(lines[10].contains(" requests in ") && lines[10].hasSuffix(" read"))
        #expect(lines[11].hasPrefix("Requests/sec: "))
        #expect(lines[12].hasPrefix("Transfer/sec: "))
        #expect(!result.out.contains("Socket errors"))
    }

    /// Non-2xx/3xx responses get wrk's line; --json writes a RunReport that says so too; only errors exit 1.
    @Test func statusErrorsAndJSON() throws {
        let server = try FixtureProcess(behaviour: "status:500")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("volley-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("run.json").path
        let hgrm = dir.appendingPathComponent("run.hgrm").path
        let result = try runVolley(["-t1", "-c2", "-d500ms", "--json", json, "--hgrm", hgrm, server.url])
        // No request succeeded, so the run fails (issue 15), after writing its files.
        #expect(result.code == 1)
        #expect(result.out.contains("  Non-2xx or 3xx responses: "))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect(object?["schemaVersion"] as? Int == 1)
        let spectrum = try String(contentsOfFile: hgrm, encoding: .utf8)
        #expect(spectrum.contains("Percentile"))
        // An existing result is not overwritten unless asked.
        let again = try runVolley(["-t1", "-c1", "-d200ms", "--json", json, server.url])
        #expect(again.code == 2)
        #expect(again.err.contains("--overwrite"))
    }

    /// Bad flags, a bad URL, a bad duration and an unreachable target exit 2 with a message.
    @Test(arguments: [
        (["-t0", "-c1", "-d1s", "http://127.0.0.1:1/"], "threads"),
        (["-d", "soon", "http://127.0.0.1:1/"], "duration"),
        (["-d1s", "https://127.0.0.1:1/"], "unable to connect"),
        (["--no-such-flag", "http://127.0.0.1:1/"], "no-such-flag"),
        (["-d1s", "http://127.0.0.1:1/"], "unable to connect"),
        (["-H", "NoColon", "http://127.0.0.1:1/"], "header"),
        (["-p0", "http://127.0.0.1:1/"], "pipeline"),
    ])
    func badInputExitsTwo(arguments: [String], mentions: String) throws {
        let result = try runVolley(arguments)
        #expect(result.code == 2)
        #expect(result.err.lowercased().contains(mentions.lowercased()))
    }

    /// Ctrl-C during a run prints what was measured and exits 130.
    @Test func interruptPrintsResults() throws {
        let server = try FixtureProcess()
        let process = Process()
        process.executableURL = volleyBinary()
        process.arguments = ["-t1", "-c2", "-d30s", server.url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The header is printed once the run owns its signals and the load begins: wait on it, not a fixed sleep.
        let header = readFirstLine(from: out.fileHandleForReading)
        process.interrupt()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = header + String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 130)
        #expect(text.contains("Requests/sec:"))
        #expect(text.contains("Interrupted"))
    }
}
