import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct ProfileCommandTests {
    /// `volley run --profile x.folded` writes folded stacks of the worker threads, rooted at the thread start.
    @Test func runWritesFoldedProfile() throws {
        let server = try VolleyServer.fixture()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("volley-\(UUID().uuidString).folded").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runVolley(["-t2", "-c4", "-d1s", "--profile", path, server.url])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.contains("Profile: "))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { line in line.split(separator: " ").last.flatMap { Int($0) } != nil })
        #expect(lines.contains { $0.contains("LoadGen.Worker.run()") && $0.contains("uv_run") })
    }

    /// `--profile-format svg` overrides the extension and writes an SVG flame graph.
    @Test func explicitFormatWins() throws {
        let server = try VolleyServer.fixture()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("volley-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runVolley(["-t1", "-c2", "-d1s", "--profile", path, "--profile-format", "svg", "--profile-hz", "499", server.url])
        #expect(result.code == 0, "\(result.err)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("<?xml"))
        #expect(text.contains("<svg"))
        #expect(text.contains("499 Hz"))
    }

    /// Bad profile flags are usage errors (exit 2) before any load starts.
    @Test(arguments: [["--profile-format", "pprof"], ["--profile-hz", "0"], ["--profile-format", "svg", "--no-profile-file"]])
    func badProfileFlags(flags: [String]) throws {
        let server = try VolleyServer.fixture()
        var arguments = ["-d1s"]
        if flags.contains("--no-profile-file") {
            arguments += flags.filter { $0 != "--no-profile-file" }
        } else {
            arguments += ["--profile", "/tmp/volley-never-written.folded"] + flags
        }
        let result = try runVolley(arguments + [server.url])
        #expect(result.code == 2, "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/volley-never-written.folded"))
    }
}
