import Foundation
import PeerFixtures
import TestSupport
import Testing

/// Pieces of wrk's scripting API that none of the example scripts use, over real sockets.
@Suite(.serialized)
struct ScriptAPITests {
    /// init(args) gets the URL at [0] and the arguments after `--`; the wrk table holds the
    /// URL's parts and Volley's -m, -H and --body.
    @Test func initSeesArgumentsAndTheWrkTable() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("""
        function init(args)
          print(args[0], args[1], args[2], #args)
          print(wrk.scheme, wrk.host, wrk.port, wrk.path, wrk.method, wrk.body, wrk.headers["X-A"])
        end
        """)
        let url = "http://127.0.0.1:\(server.port)/p?q=1"
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-m", "PUT", "-H", "X-A: b c", "--body", "xyz",
                                                  "-s", script, url, "--", "one", "two"])
        #expect(run.code == 0, "\(run.err)")
        #expect(linesBeforeHeader(run.out) == ["\(url)\tone\ttwo\t2", "http\t127.0.0.1\t\(server.port)\t/p?q=1\tPUT\txyz\tb c"])
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT" && request.target == "/p?q=1" && request.body == Array("xyz".utf8))
        #expect(request.header("X-A") == "b c" && request.header("Content-Length") == "3")
    }

    /// wrk.format with its own method, path, header table and body; response() gets the status,
    /// the header table and the body.
    @Test func formatAndResponseArguments() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("""
        seen = nil
        request = function()
          return wrk.format("DELETE", "/item/7", { ["X-One"] = "1" }, "gone")
        end
        response = function(status, headers, body)
          if not seen then seen = status .. "|" .. headers["X-Token"] .. "|" .. headers["Content-Type"] .. "|" .. body end
        end
        done = function(summary, latency, requests)
          for _, t in ipairs(threads) do print(t:get("seen")) end
        end
        threads = {}
        function setup(thread) table.insert(threads, thread) end
        """)
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        #expect(linesAfterReport(run.out) == ["200|\(RecordingServer.token)|text/plain|ok"])
        let request = try #require(server.requests.first)
        #expect(request.method == "DELETE" && request.target == "/item/7" && request.body == Array("gone".utf8))
        #expect(request.headerSet == ["X-One: 1", "Host: 127.0.0.1:\(server.port)", "Content-Length: 4"])
    }

    /// done() gets wrk's summary and statistics objects: the counts agree with the report,
    /// latency(i) walks the distinct values, #latency counts them, and tables cross states.
    @Test func doneStatisticsAndSummary() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("""
        function setup(thread) thread:set("config", { name = "x", list = { 1, 2, 3 } }) ; t = thread end
        function init(args) got = config.name .. #config.list end
        function done(summary, latency, requests)
          local total = 0
          for i = 1, #latency do
            local value, count = latency(i)
            total = total + count
          end
          print(summary.requests, total, summary.bytes > 0, summary.duration > 900000, summary.errors.connect,
                summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout)
          print(latency.min <= latency.mean, latency.mean <= latency.max, latency.stdev >= 0,
                latency:percentile(50) >= latency.min, latency(#latency) == latency.max, requests.max >= requests.min)
          print(t:get("got"), type(latency), latency(#latency + 5))
        end
        """)
        let run = try runProgram(volleyExecutable(), ["-t1", "-c2", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        let lines = linesAfterReport(run.out)
        #expect(lines.count == 3, "\(run.out)")
        guard lines.count == 3 else { return }
        let reported = try #require(run.out.firstMatch(of: /(\d+) requests in/)).1
        #expect(lines[0] == "\(reported)\t\(reported)\ttrue\ttrue\t0\t0\t0\t0\t0")
        #expect(lines[1] == "true\ttrue\ttrue\ttrue\ttrue\ttrue")
        #expect(lines[2] == "x3\tuserdata\t0\t0")
    }

    /// With -R, request() is called at each scheduled send: the server gets about rate × duration
    /// requests, each one built afresh.
    @Test func requestPerScheduledSend() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("n = 0\nrequest = function() n = n + 1; return wrk.format(nil, \"/\" .. wrk.thread:get(\"id\") .. \"-\" .. n) end\nfunction setup(t) t:set(\"id\", tostring(math.random(1000000))) end\n")
        let run = try runProgram(volleyExecutable(), ["-t2", "-c4", "-d2s", "-R", "200", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        let targets = server.requests.map(\.target)
        #expect(targets.count >= 360 && targets.count <= 410, "\(targets.count) requests for 400 scheduled")
        #expect(Set(targets).count == targets.count, "every request is built afresh")
    }

    /// With -p 3, request() is called three times per batch and the three go out together.
    @Test func requestPerPipelinedRequest() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("n = 0\nrequest = function() n = n + 1; return wrk.format(nil, \"/\" .. n) end\n")
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-p", "3", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        let targets = server.requests.map(\.target)
        #expect(targets.count > 30)
        // The first request() call is the check; the rest go out in order, one number each.
        #expect(Array(targets.prefix(6)) == ["/2", "/3", "/4", "/5", "/6", "/7"])
        #expect(Set(targets).count == targets.count)
    }

    /// wrk.lookup finds the target; wrk.connect says no for a port nobody listens on.
    @Test func lookupAndConnect() throws {
        let server = try RecordingServer()
        let closed = try RecordingServer()
        let closedPort = closed.port
        closed.stop()
        defer { server.stop() }
        let script = try temporaryScript("""
        function setup(thread)
          local open = wrk.lookup("127.0.0.1", "\(server.port)")
          local shut = wrk.lookup("127.0.0.1", "\(closedPort)")
          print(#open, tostring(open[1]), wrk.connect(open[1]), wrk.connect(shut[1]))
          local ok, err = pcall(wrk.lookup, "no-such-host.invalid", "80")
          print(ok, err ~= nil)
        end
        """)
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        #expect(linesBeforeHeader(run.out) == ["1\t127.0.0.1:\(server.port)\ttrue\tfalse", "false\ttrue"])
    }

    /// --json records the script's path, a SHA-256 of its contents and its arguments; what
    /// the script prints stays out of the file.
    @Test func jsonRecordsTheScript() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("function done() print(\"from done\") end\n")
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("lua-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: json) }
        let run = try runProgram(volleyExecutable(), ["-t1", "-c1", "-d1s", "--json", json, "-s", script,
                                                  "http://127.0.0.1:\(server.port)/", "--", "arg1"])
        #expect(run.code == 0, "\(run.err)")
        #expect(linesAfterReport(run.out) == ["from done"])
        let data = try #require(FileManager.default.contents(atPath: json))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let variant = try #require((object["variants"] as? [[String: Any]])?.first)
        let recorded = try #require((variant["configuration"] as? [String: Any])?["script"] as? [String: Any])
        #expect(recorded["path"] as? String == script)
        #expect(recorded["arguments"] as? [String] == ["arg1"])
        let sum = try runProgram(URL(fileURLWithPath: "/usr/bin/sha256sum"), [script])
        #expect(recorded["sha256"] as? String == String(sum.out.prefix(64)))
        #expect(!String(decoding: data, as: UTF8.self).contains("from done"))
    }

    /// A script without request() sends the request it built once, with wrk's headers.
    @Test func staticScriptSendsItsRequest() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let script = try temporaryScript("wrk.method = \"PATCH\"\nwrk.path = \"/fixed\"\nwrk.headers[\"X-B\"] = \"2\"\n")
        let run = try runProgram(volleyExecutable(), ["-t2", "-c2", "-d1s", "-s", script, "http://127.0.0.1:\(server.port)/"])
        #expect(run.code == 0, "\(run.err)")
        let requests = server.requests
        #expect(requests.count > 100)
        #expect(requests.allSatisfy { $0.method == "PATCH" && $0.target == "/fixed" && $0.headerSet == ["Host: 127.0.0.1:\(server.port)", "X-B: 2"] })
    }
}
