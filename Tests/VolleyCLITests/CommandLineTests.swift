import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct CommandLineTests {
    /// wrk's own command line, with attached values, runs and prints wrk's layout.
    @Test func wrkCommandLine() throws {
        let server = try VolleyServer.fixture()
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
        let server = try VolleyServer.fixture("status:500")
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
        let server = try VolleyServer.fixture()
        let process = Process()
        process.executableURL = volleyExecutable()
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
