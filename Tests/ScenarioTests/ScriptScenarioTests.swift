import Foundation
import Metrics
import PeerFixtures
import TestSupport
import Testing
@testable import Scenario
import VolleyCLI

/// `load.script` and `load.script_args` in scenario files.
@Suite(.serialized) struct ScriptScenarioTests {
    /// A scenario's script (relative to the file) builds the requests of the warm-up and of the
    /// measured run, gets its arguments, and the result records it.
    @Test func scenarioRunsItsScript() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = "n = 0\nfunction init(args) prefix = args[1] end\nrequest = function() n = n + 1; return wrk.format(nil, \"/\" .. prefix .. n) end\n"
        try Data(script.utf8).write(to: dir.appendingPathComponent("count.lua"))
        let yaml = """
        name: scripted
        url: http://127.0.0.1:\(server.port)/
        load:
          threads: 1
          connections: 2
          duration: 300ms
          warmup: 100ms
          script: count.lua
          script_args: [item-]
        """
        let path = dir.appendingPathComponent("scripted.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        #expect(VolleyMain.run(["bench", path, "--out", dir.appendingPathComponent("results").path]) == 0)
        let requests = server.requests
        #expect(requests.count > 20)
        #expect(requests.allSatisfy { $0.target.hasPrefix("/item-") })
        let report = try RunReport.load(from: try #require(resultFiles(dir, "scripted").first))
        let recorded = try #require(report.variants.first?.configuration.script)
        #expect(recorded.path == dir.appendingPathComponent("count.lua").path)
        #expect(recorded.arguments == ["item-"])
        #expect(recorded.sha256.count == 64 && recorded.errors == 0)
    }

    /// A missing script, `script` with `paths`, and `script_args` alone are refused with their keys.
    @Test func badScriptSettingsAreRefused() throws {
        let cases: [(String, String, String)] = [
            ("load:\n  duration: 1s\n  script: /nonexistent/x.lua\n", "load.script", "cannot read script"),
            ("load:\n  duration: 1s\n  script: /etc/hostname\n  paths: {/a: 1, /b: 2}\n", "load.paths", "give `script` or `paths`, not both"),
            ("load:\n  duration: 1s\n  script_args: [a]\n", "load.script_args", "without a `script`"),
        ]
        for (load, key, message) in cases {
            do {
                _ = try ScenarioParser.parse(yaml: "name: x\nurl: http://127.0.0.1:1/\n" + load, file: "s.yaml")
                Issue.record("accepted: \(load)")
            } catch {
                #expect(error.issues.contains { $0.key == key && $0.message.contains(message) }, "\(error.issues)")
            }
        }
    }
}
