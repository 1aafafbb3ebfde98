import Foundation
import TestSupport
import Testing

@Suite struct QuantityCommandLineTests {
    /// Bad quantities and options people bring from wrk get a reason, not "Missing value" or a bare "Unknown option".
    @Test(arguments: [
        (["-d-1s", "http://127.0.0.1:1/"], "cannot be negative"),
        (["-d", "-1s", "http://127.0.0.1:1/"], "cannot be negative"),
        (["-d0s", "http://127.0.0.1:1/"], "more than 0"),
        (["-d10x", "http://127.0.0.1:1/"], "unknown unit"),
        (["--timeout", "1e3s", "http://127.0.0.1:1/"], "plain digits"),
        (["-R", "0", "http://127.0.0.1:1/"], "more than 0"),
        (["-R", "1000:", "http://127.0.0.1:1/"], "both ends"),
        (["-s", "/nonexistent/x.lua", "http://127.0.0.1:1/"], "cannot read script /nonexistent/x.lua"),
        (["-s/nonexistent/x.lua", "http://127.0.0.1:1/"], "cannot read script /nonexistent/x.lua"),
        (["-v"], "--version"),
        (["probe", "--p99", "10ms", "--max-rate", "1k:2k", "http://127.0.0.1:1/"], "not a ramp"),
    ])
    func reasons(arguments: [String], mentions: String) throws {
        let run = try runVolley(arguments)
        #expect(run.code == 2)
        #expect(run.err.contains(mentions), "\(run.err)")
    }

    /// `-H -s` is a header value, not the script flag.
    @Test func headerValueThatLooksLikeAFlag() throws {
        let run = try runVolley(["-H", "-s", "http://127.0.0.1:1/"])
        #expect(!run.err.contains("Lua"))
    }

    /// `volley bench --duration 10` reads a bare number as seconds, like `-d 10`.
    @Test func benchDurationInSeconds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("volley-q-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("s.yaml").path
        try Data("name: s\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\n".utf8).write(to: URL(fileURLWithPath: path))
        let run = try runVolley(["bench", path, "--duration", "10", "--dry-run"])
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.contains(", 10s"))
        let bad = try runVolley(["bench", path, "--duration", "0", "--dry-run"])
        #expect(bad.code == 2)
        #expect(bad.err.contains("more than 0"))
    }
}
