import Foundation
import PeerFixtures
import Testing

/// The nine example scripts Debian's wrk ships, each run by wrk and by Volley against the same
/// recording server (2 threads, 4 connections, 1 s): what Volley sends and what `done()`
/// prints must match what wrk does with the same script.
@Suite(.serialized)
struct WrkExampleScriptTests {
    /// counter.lua: each request's path and X-Counter header count up per thread; the first
    /// thread's first request() is spent checking the request, as in wrk, so `/0` comes once.
    @Test func counterBuildsEachRequest() throws {
        let run = try SideBySide.run(script: try exampleScript("counter.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        for (tool, requests) in [("wrk", run.wrkRequests), ("volley", run.volleyRequests)] {
            #expect(requests.count > 100, "\(tool) sent \(requests.count)")
            var perPath: [String: Int] = [:]
            for request in requests {
                #expect(request.method == "GET")
                #expect(request.target == "/" + (request.header("X-Counter") ?? "?"), "\(tool): \(request.target)")
                perPath[request.target, default: 0] += 1
            }
            #expect(perPath["/0"] == 1, "\(tool): /0 sent \(perPath["/0"] ?? 0) times")
            #expect(perPath.values.allSatisfy { $0 <= 2 }, "\(tool): a path went out more than once per thread")
        }
        let wrkHeaders = Set(run.wrkRequests[0].headers.map(\.name)), volleyHeaders = Set(run.volleyRequests[0].headers.map(\.name))
        #expect(wrkHeaders == volleyHeaders)
        #expect(run.wrkRequests[0].header("Host") == run.volleyRequests[0].header("Host"))
    }

    /// post.lua: every request is the same POST with its form body, Content-Type and Content-Length.
    @Test func postSendsTheBody() throws {
        let run = try SideBySide.run(script: try exampleScript("post.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        let reference = try #require(run.wrkRequests.first)
        #expect(reference.method == "POST" && reference.body == Array("foo=bar&baz=quux".utf8))
        #expect(run.volleyRequests.count > 100)
        for request in run.volleyRequests {
            #expect(request.method == reference.method && request.target == reference.target && request.body == reference.body)
            #expect(request.headerSet == reference.headerSet, "\(request.headers) vs \(reference.headers)")
        }
    }

    /// pipeline.lua: one request() returns three requests; they go out together, in equal shares.
    @Test func pipelineSendsThreeRequestsPerCall() throws {
        let run = try SideBySide.run(script: try exampleScript("pipeline.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        for (tool, requests) in [("wrk", run.wrkRequests), ("volley", run.volleyRequests)] {
            var counts: [String: Int] = [:]
            for request in requests { counts[request.target, default: 0] += 1 }
            #expect(Set(counts.keys) == ["/?foo", "/?bar", "/?baz"], "\(tool): \(counts)")
            let values = counts.values
            #expect((values.max() ?? 0) - (values.min() ?? 0) <= 4, "\(tool): \(counts)")
            // Each batch is the three requests in order.
            for i in stride(from: 0, to: min(requests.count, 300) - 2, by: 3) where requests[i].target == "/?foo" {
                #expect(requests[i + 1].target == "/?bar" || requests[i + 1].target == "/?foo")
            }
        }
        #expect(run.wrkRequests[0].headerSet == run.volleyRequests[0].headerSet)
    }

    /// setup.lua: setup() hands each thread an id, init() prints it, done() reads each thread's
    /// counters back with thread:get.
    @Test func setupPassesValuesBothWays() throws {
        let run = try SideBySide.run(script: try exampleScript("setup.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        #expect(linesBeforeHeader(run.volley.out) == linesBeforeHeader(run.wrk.out))
        #expect(linesBeforeHeader(run.volley.out) == ["thread 1 created", "thread 2 created"])
        let pattern = /thread (\d) made (\d+) requests and got (\d+) responses/
        for (tool, out, sent) in [("wrk", run.wrk.out, run.wrkRequests.count), ("volley", run.volley.out, run.volleyRequests.count)] {
            let lines = linesAfterReport(out)
            #expect(lines.count == 2, "\(tool): \(lines)")
            var made = 0
            for (i, line) in lines.enumerated() {
                let match = try #require(line.wholeMatch(of: pattern), "\(tool): \(line)")
                #expect(Int(match.1) == i + 1)
                let requests = Int(match.2)!, responses = Int(match.3)!
                // In flight at the end: one per connection (2), and thread 1's request() check.
                #expect(responses <= requests && requests - responses <= 3, "\(tool): \(line)")
                made += requests
            }
            // The server saw what the scripts counted (wrk's first request() call is a check, not sent).
            #expect(abs(made - sent) <= 4, "\(tool): scripts counted \(made), server got \(sent)")
        }
    }

    /// report.lua: done() prints the latency percentiles as CSV, after the report.
    @Test func reportPrintsPercentiles() throws {
        let run = try SideBySide.run(script: try exampleScript("report.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        for (tool, out) in [("wrk", run.wrk.out), ("volley", run.volley.out)] {
            let lines = linesAfterReport(out)
            #expect(lines.count == 5, "\(tool): \(lines)")
            guard lines.count == 5 else { continue }
            #expect(lines[0] == "------------------------------")
            var previous = 0
            for (line, p) in zip(lines.dropFirst(), ["50", "90", "99", "99.999"]) {
                let match = try #require(line.wholeMatch(of: /([0-9.]+)%,(\d+)/), "\(tool): \(line)")
                #expect(String(match.1) == p)
                let value = Int(match.2)!
                #expect(value > 0 && value >= previous, "\(tool): \(lines)")
                previous = value
            }
        }
    }

    /// stop.lua: each thread stops itself after 100 responses.
    @Test func stopEndsEachThread() throws {
        let run = try SideBySide.run(script: try exampleScript("stop.lua"), flags: ["-t2", "-c4", "-d3s"])
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        for (tool, count) in [("wrk", run.wrkRequests.count), ("volley", run.volleyRequests.count)] {
            // 100 responses per thread, and what was in flight on its other connection.
            #expect(count >= 200 && count <= 2 * (100 + 2), "\(tool) sent \(count)")
        }
    }

    /// auth.lua: the first answer's X-Token is sent with every later request, to /resource.
    @Test func authUsesTheTokenFromTheResponse() throws {
        let run = try SideBySide.run(script: try exampleScript("auth.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        for (tool, requests) in [("wrk", run.wrkRequests), ("volley", run.volleyRequests)] {
            let authenticate = requests.filter { $0.target == "/authenticate" }
            let resources = requests.filter { $0.target == "/resource" }
            #expect(authenticate.count + resources.count == requests.count, "\(tool)")
            #expect(authenticate.count >= 2 && authenticate.count <= 4, "\(tool): \(authenticate.count) /authenticate")
            #expect(authenticate.allSatisfy { $0.header("X-Token") == nil }, "\(tool)")
            #expect(resources.count > 100 && resources.allSatisfy { $0.header("X-Token") == RecordingServer.token }, "\(tool)")
        }
        let wrkResource = try #require(run.wrkRequests.first { $0.target == "/resource" })
        let volleyResource = try #require(run.volleyRequests.first { $0.target == "/resource" })
        #expect(wrkResource.headerSet == volleyResource.headerSet)
    }

    /// delay.lua: 10–50 ms before each request, so each connection sends about 33 a second.
    @Test func delayPausesBeforeEachRequest() throws {
        let run = try SideBySide.run(script: try exampleScript("delay.lua"), flags: ["-t2", "-c4", "-d2s"])
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        // 4 connections × 2 s ÷ 30 ms on average ≈ 267; the bounds leave room for a loaded machine.
        for (tool, count) in [("wrk", run.wrkRequests.count), ("volley", run.volleyRequests.count)] {
            #expect(count >= 150 && count <= 400, "\(tool) sent \(count)")
        }
        let ratio = Double(run.volleyRequests.count) / Double(max(run.wrkRequests.count, 1))
        #expect(ratio > 0.7 && ratio < 1.4, "volley/wrk = \(ratio)")
        // Latency is measured from the write, not from the start of the pause.
        let latency = try #require(run.volley.out.firstMatch(of: /Latency\s+([0-9.]+)(us|ms)/))
        #expect(latency.2 == "us" || Double(latency.1)! < 10, "\(run.volley.out)")
    }

    /// addr.lua: setup() resolves the host, keeps the addresses that connect, gives each
    /// thread one, and init() prints it.
    @Test func addrChoosesAnAddressPerThread() throws {
        let run = try SideBySide.run(script: try exampleScript("addr.lua"))
        #expect(run.wrk.code == 0 && run.volley.code == 0, "\(run.volley.err)")
        let port = run.url.split(separator: ":").last!.split(separator: "/").first!
        #expect(linesBeforeHeader(run.volley.out) == linesBeforeHeader(run.wrk.out))
        #expect(linesBeforeHeader(run.volley.out) == ["thread addr: 127.0.0.1:\(port)", "thread addr: 127.0.0.1:\(port)"])
        #expect(run.volleyRequests.count > 100)
    }
}
