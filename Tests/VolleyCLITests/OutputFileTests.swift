import Foundation
import TestSupport
import Testing

/// A fresh temporary folder, removed at the end.
private final class TemporaryFolder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("volley-out-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Starts `volley` with `arguments`, waits for its first line on standard output (the run's header,
/// printed once the command owns its signals), sends `signal`, and returns exit code and output.
private func signalAfterHeader(_ arguments: [String], signal: Int32) throws -> (code: Int32, out: String) {
    let process = Process()
    process.executableURL = volleyExecutable()
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    let handle = out.fileHandleForReading
    let header = readFirstLine(from: handle)
    kill(process.processIdentifier, signal)
    let rest = handle.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, header + String(decoding: rest, as: UTF8.self))
}

@Suite(.serialized) struct OutputFileTests {
    /// `--json -` writes the result to standard output and the wrk text to standard error.
    @Test func jsonToStandardOutput() throws {
        let server = try VolleyServer.fixture()
        let run = try runVolley(["-t1", "-c2", "-d300ms", "--json", "-", server.url])
        #expect(run.code == 0, "\(run.err)")
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any]
        #expect(object?["schemaVersion"] != nil)
        #expect(run.err.contains("Requests/sec:"))
        #expect(!run.out.contains("Requests/sec:"))
    }

    /// `--hgrm -` and `--profile -` write to standard output too, never a file named `-`.
    @Test(arguments: [["--hgrm", "-"], ["--profile", "-"], ["--hlog", "-"]])
    func otherOutputsToStandardOutput(flag: [String]) throws {
        let folder = try TemporaryFolder()
        let server = try VolleyServer.fixture()
        let process = Process()
        process.executableURL = volleyExecutable()
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.arguments = ["-t1", "-c2", "-d300ms"] + flag + [server.url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/-"))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("Requests/sec:"))
        switch flag[0] {
        case "--hgrm": #expect(text.contains("Value     Percentile TotalCount 1/(1-Percentile)"))
        case "--hlog": #expect(text.contains("#[Histogram log format version"))
        default: #expect(!text.isEmpty)
        }
    }

    /// Two outputs on standard output, a missing folder, or an existing file without --overwrite are
    /// refused at once (exit 2) — before a 30 s load, not after it.
    @Test(arguments: [
        (["--json", "-", "--hgrm", "-"], "standard output"),
        (["--json", "/nonexistent-volley-folder/x.json"], "does not exist"),
        (["--hgrm", "/"], "folder"),
        (["--profile", "x.pprof"], ".pprof"),
    ])
    func badOutputsRefusedBeforeTheLoad(flags: [String], mentions: String) throws {
        let server = try VolleyServer.fixture()
        let started = Date()
        let run = try runVolley(["-t1", "-c2", "-d30s"] + flags + [server.url], timeout: 20)
        #expect(run.code == 2)
        #expect(run.err.contains(mentions), "\(run.err)")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    /// A symbolic link is written through (the file it names gets the result) and stays a link,
    /// and an existing file needs --overwrite.
    @Test func symlinkWrittenThrough() throws {
        let folder = try TemporaryFolder()
        let server = try VolleyServer.fixture()
        let link = folder.path + "/link.json", real = folder.path + "/real.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        #expect(try runVolley(["-t1", "-c2", "-d200ms", "--json", link, server.url]).code == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        #expect(FileManager.default.fileExists(atPath: real))
        let again = try runVolley(["-t1", "-c2", "-d200ms", "--json", link, server.url])
        #expect(again.code == 2)
        #expect(again.err.contains("--overwrite"))
        #expect(try runVolley(["-t1", "-c2", "-d200ms", "--json", link, "--overwrite", server.url]).code == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
    }

    /// `report --md -` prints the Markdown instead of crashing.
    @Test func reportToStandardOutput() throws {
        let folder = try TemporaryFolder()
        let server = try VolleyServer.fixture()
        let result = folder.path + "/r.json"
        #expect(try runVolley(["-t1", "-c2", "-d200ms", "--json", result, server.url]).code == 0)
        let md = try runVolley(["report", result, "--md", "-"])
        #expect(md.code == 0, "\(md.err)")
        #expect(md.out.hasPrefix("#"))
        let html = try runVolley(["report", result, "--html", "-"])
        #expect(html.code == 0)
        #expect(html.out.contains("<html"))
    }

    /// SIGTERM during a run prints and writes what was measured, marked interrupted, and exits 143.
    @Test func terminateWritesInterruptedJSON() throws {
        let folder = try TemporaryFolder()
        let server = try VolleyServer.fixture()
        let json = folder.path + "/t.json"
        let run = try signalAfterHeader(["-t1", "-c2", "-d30s", "--json", json, server.url], signal: SIGTERM)
        #expect(run.code == 143)
        #expect(run.out.contains("Requests/sec:"))
        #expect(run.out.contains("Interrupted by SIGTERM"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let variants = object?["variants"] as? [[String: Any]] ?? []
        #expect(variants.first?["interrupted"] as? Bool == true)
    }

    /// SIGINT does the same with exit 130.
    @Test func interruptWritesInterruptedJSON() throws {
        let folder = try TemporaryFolder()
        let server = try VolleyServer.fixture()
        let json = folder.path + "/i.json"
        let run = try signalAfterHeader(["-t1", "-c2", "-d30s", "--json", json, server.url], signal: SIGINT)
        #expect(run.code == 130)
        #expect(run.out.contains("Interrupted by SIGINT"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((object?["variants"] as? [[String: Any]])?.first?["interrupted"] as? Bool == true)
    }
}
