import Foundation
import Testing
@testable import Scenario

@Suite struct ServerRunnerTests {
    /// Scenario `workers × threads` becomes async event loops (`--workers`) or sync pool threads (`--threads`), with the database, watchdog and profile flags passed through.
    @Test(arguments: [
        (ServerSpec(model: .async, workers: 2, threads: 3), nil as String?, nil as String?,
         ["serve", "--model", "async", "--host", "127.0.0.1", "--port", "0", "--workers", "6", "--grace", "2s"]),
        (ServerSpec(model: .sync, workers: 1, threads: 400), nil, nil,
         ["serve", "--model", "sync", "--host", "127.0.0.1", "--port", "0", "--threads", "400", "--grace", "2s"]),
        (ServerSpec(model: .async, slowCallbackNanos: 100_000_000), "mongodb://127.0.0.1:4000", "/r/p.svg",
         ["serve", "--model", "async", "--host", "127.0.0.1", "--port", "0", "--workers", "1", "--grace", "2s",
          "--mongo-uri", "mongodb://127.0.0.1:4000", "--slow-callback", "100ms", "--profile", "/r/p.svg"]),
    ])
    func serveArguments(spec: ServerSpec, mongo: String?, profile: String?, expected: [String]) {
        #expect(ServerRunner.serveArguments(spec, mongoURI: mongo, profilePath: profile, graceSeconds: 2) == expected)
    }

    /// The built-in mongod is started seeded on a free port, its latency rounded up to whole milliseconds.
    @Test func mongodArguments() {
        #expect(ServerRunner.mongodArguments(latencyNanos: 1_000_000) == ["mongod", "--host", "127.0.0.1", "--port", "0", "--seed", "--latency", "1ms"])
        #expect(ServerRunner.mongodArguments(latencyNanos: 1_500_000).last == "1500us")
        #expect(ServerRunner.mongodArguments(latencyNanos: 500_000).last == "500us")
        #expect(ServerRunner.mongodArguments(latencyNanos: 0).last == "0ms")
    }

    /// The port is read from the rest of serve's ready line, and nothing else passes for one.
    @Test(arguments: [
        ("127.0.0.1:43210/ (model async, 1 worker)", UInt16(43210) as UInt16?),
        ("[::1]:8080/ (model sync, 64 threads)", 8080),
        ("127.0.0.1/ (model async)", nil),
        ("127.0.0.1:99999/", nil),
    ])
    func readyLinePort(line: String, port: UInt16?) {
        #expect(ServerRunner.port(fromReadyLine: line) == port)
    }

    /// A whole Connection: close response is split into status and body, trimmed to Content-Length.
    @Test func loopbackResponseParsing() {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nOK\nextra".utf8)
        let response = LoopbackGet.parse(bytes)
        #expect(response?.status == 200 && response?.body == "OK\n")
        #expect(LoopbackGet.parse(Array("garbage".utf8)) == nil)
        #expect(LoopbackGet.parse(Array("HTTP/1.1 abc\r\n\r\n".utf8)) == nil)
    }
}
