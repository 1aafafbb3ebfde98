import Foundation
import PeerFixtures
import TestSupport
import Testing

/// What goes wrong in a script is said once, with file and line, and costs the run only
/// when nothing can work.
@Suite(.serialized)
struct ScriptErrorTests {
    /// A syntax error stops before any load: exit 2, the file and line, no request sent.
    @Test func syntaxErrorStopsBeforeTheLoad() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("counter = 0\nrequest = function()\n  return wrk.format(nil, \"/\" ..\nend\n", name: "broken")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 2)
        #expect(run.err.contains("\(script):4:"), "\(run.err)")
        #expect(!run.out.contains("Running"))
        #expect(server.requestCount == 0)
    }

    /// A script file that does not exist is exit 2 with its name.
    @Test func missingScriptIsBadInput() throws {
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", "/nonexistent/x.lua", "http://127.0.0.1:9/"])
        #expect(run.code == 2)
        #expect(run.err.contains("/nonexistent/x.lua"), "\(run.err)")
    }

    /// A request that is not HTTP is refused before the load, saying which request.
    @Test func invalidRequestIsRefused() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("request = function() return \"hello\" end\n")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 2)
        #expect(run.err.contains("not valid HTTP"), "\(run.err)")
        #expect(server.requestCount == 0)
    }

    /// An error in init() stops before the load with its file and line.
    @Test func initErrorStopsBeforeTheLoad() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("function init(args)\n  error(\"no config\")\nend\n")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 2)
        #expect(run.err.contains("\(script):2: no config"), "\(run.err)")
        #expect(server.requestCount == 0)
    }

    /// request() that fails every time after the check stops the run early, exit 2, and the
    /// error is reported once per function, not once per call.
    @Test func requestFailingEveryTimeStopsTheRun() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("""
        calls = 0
        request = function()
          calls = calls + 1
          if calls > 1 then error("boom " .. calls) end
          return wrk.format()
        end
        """)
        let started = Date()
        let run = try runProgram(volleyExecutable(), ["-t2", "-c4", "-d10s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(Date().timeIntervalSince(started) < 8, "the run should stop early")
        #expect(run.code == 2)
        let lines = run.err.split(separator: "\n")
        #expect(lines.count <= 3, "\(run.err)")
        #expect(run.err.contains("errors in request() (first: \(script):4: boom"), "\(run.err)")
        #expect(run.err.contains("failed 100 times in a row"), "\(run.err)")
    }

    /// response() failing on some calls is counted and reported once; the run goes on (exit 0)
    /// and every request still counts.
    @Test func responseErrorsAreCountedNotFatal() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("""
        n = 0
        function response(status, headers, body)
          n = n + 1
          if n % 10 == 0 then
            local t = nil
            return t.field
          end
        end
        """)
        let run = try runProgram(volleyExecutable(), ["-t1", "-c2", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        let match = try #require(run.err.firstMatch(of: /volley: script: (\d+) errors in response\(\) \(first: (.*):6: attempt to index/))
        let errors = Int(match.1)!
        let requests = Int(try #require(run.out.firstMatch(of: /(\d+) requests in/)).1)!
        #expect(errors >= requests / 10 - 2 && errors <= requests / 10 + 2, "\(errors) errors for \(requests) requests")
        #expect(run.err.split(separator: "\n").count == 1, "\(run.err)")
    }

    /// An error in done() is reported after the report, exit 2.
    @Test func doneErrorIsReported() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("function done(summary, latency, requests)\n  print(summary.nothing.here)\nend\n")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 2)
        #expect(run.out.contains("Requests/sec:"))
        #expect(run.err.contains("error in done(): \(script):2:"), "\(run.err)")
    }

    /// thread:set with a value that cannot cross states (a function) fails in setup with a message.
    @Test func transferringAFunctionIsAnError() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("function setup(thread)\n  thread:set(\"f\", print)\nend\n")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 2)
        #expect(run.err.contains("cannot transfer 'function' to thread"), "\(run.err)")
    }
}
