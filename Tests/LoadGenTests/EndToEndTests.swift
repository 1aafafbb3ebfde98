import HTTP1
import Metrics
import PeerFixtures
import Testing
@testable import LoadGen

/// Runs a short load against a fixture server and returns the measurement and the server's count.
private func load(_ behaviour: FixtureBehaviour, threads: Int = 2, connections: Int = 4, millis: UInt64 = 600,
                  timeoutMillis: UInt64 = 2000, pipeline: Int = 1, method: String = "GET",
                  body: [UInt8] = []) throws -> (LoadMeasurement, FixtureServer) {
    let server = try FixtureServer(behaviour: behaviour)
    let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
    let options = LoadOptions(url: url, threads: threads, connections: connections, durationNanos: millis * 1_000_000,
                              timeoutNanos: timeoutMillis * 1_000_000, pipeline: pipeline, method: method, body: body)
    let runner = try LoadRunner(options: options)
    try runner.checkReachable()
    let measurement = runner.run()
    server.stop()
    return (measurement, server)
}

@Suite(.serialized) struct EndToEndTests {
    /// A healthy server: every response counted, no errors, bytes and latencies recorded, duration respected.
    @Test func healthyServer() throws {
        let (m, server) = try load(.ok)
        #expect(m.requests > 100)
        #expect(m.errors.total == 0)
        #expect(m.statusClasses[2] == m.requests)
        #expect(m.latency.totalCount == m.requests)
        #expect(m.bytesRead >= m.requests * 70)   // each fixture response is 78 bytes
        #expect(m.bytesWritten > 0)
        #expect(UInt64(server.requestsServed) >= m.requests)
        #expect(m.elapsedNanoseconds >= 590_000_000 && m.elapsedNanoseconds < 1_500_000_000)
        #expect(m.reconnects == 0)
        #expect(server.connectionsAccepted == 4 + 1)   // four load connections and the reachability check
        #expect(m.requestRate.totalCount > 0)
        #expect(m.perSecond.reduce(0) { $0 + $1.requests } == m.requests)
    }

    /// Live progress arrives about once a second on the calling thread, with growing totals that
    /// never exceed the final count; the per-second series carries each second's latency.
    @Test func liveProgressAndSecondLatency() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
        let runner = try LoadRunner(options: LoadOptions(url: url, threads: 1, connections: 2, durationNanos: 2_300_000_000))
        var updates: [LiveProgress] = []
        let m = runner.run { updates.append($0) }
        #expect((1...2).contains(updates.count))   // at 1 s and 2 s, unless the machine is very busy
        #expect(updates.map(\.requests) == updates.map(\.requests).sorted())
        #expect((updates.first?.requests ?? 0) > 0)
        #expect((updates.last?.requests ?? .max) <= m.requests)
        #expect(updates.allSatisfy { $0.errors == 0 })
        let seconds = m.perSecond
        #expect(seconds.count == 3)
        for second in seconds {
            let p50 = second.p50Micros ?? .max, p99 = second.p99Micros ?? .max, max = second.maxMicros ?? 0
            #expect(p50 <= p99 && p99 <= max)
        }
        let highest: UInt64 = seconds.map { $0.maxMicros ?? 0 }.max() ?? 0
        #expect(highest <= m.latency.max + m.latency.max / 50)
    }

    /// A server that closes after each response: connections are reopened and counted, no errors.
    @Test func serverClosingEachConnection() throws {
        let (m, _) = try load(.closeAfterEachResponse)
        #expect(m.requests > 20)
        #expect(m.errors.total == 0)
        #expect(m.reconnects + 4 >= m.requests)   // the same bound, without a UInt64 underflow trap when nothing was served
    }

    /// A server answering 500: every response is a status error.
    @Test func serverErrors() throws {
        let (m, _) = try load(.status(500))
        #expect(m.requests > 100)
        #expect(m.errors.status == m.requests)
        #expect(m.statusClasses[5] == m.requests)
        #expect(m.errors.socketErrors == 0)
    }

    /// A server slower than the timeout: requests time out, connections are reopened, nothing completes.
    @Test func slowServerTimesOut() throws {
        let (m, _) = try load(.delay(milliseconds: 400), connections: 2, millis: 700, timeoutMillis: 150)
        #expect(m.requests == 0)
        #expect(m.errors.timeout >= 4)
        #expect(m.reconnects >= 2)
    }

    /// A server that never answers: timeouts, and the run still ends on time.
    @Test func silentServer() throws {
        let (m, _) = try load(.silent, connections: 2, millis: 500, timeoutMillis: 100)
        #expect(m.requests == 0)
        #expect(m.errors.timeout >= 4)
        #expect(m.elapsedNanoseconds < 1_000_000_000)
    }

    /// A server that drops connections without a word: read errors and reconnects.
    @Test func droppingServer() throws {
        let (m, _) = try load(.dropAfter(responses: 3))
        #expect(m.requests > 20)
        #expect(m.errors.read > 0)
        #expect(m.reconnects > 0)
        #expect(m.errors.parse == 0)
    }

    /// Chunked responses with extensions and trailers parse cleanly.
    @Test func chunkedResponses() throws {
        let (m, _) = try load(.chunked)
        #expect(m.requests > 100)
        #expect(m.errors.total == 0)
    }

    /// Pipelining writes several requests per batch and they are all answered and counted.
    @Test func pipelining() throws {
        let (m, server) = try load(.ok, pipeline: 8)
        #expect(m.requests > 100)
        #expect(m.errors.total == 0)
        #expect(UInt64(server.requestsServed) >= m.requests)
    }

    /// Pipelined 1 MiB uploads, larger than one write usually carries, are sent whole with no errors.
    @Test func pipelinedLargeBodies() throws {
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        let (m, server) = try load(.ok, threads: 1, connections: 1, millis: 1000, pipeline: 2, method: "POST", body: body)
        #expect(m.requests >= 2)   // at least one whole batch (slow under sanitizers)
        #expect(m.errors.total == 0)
        // Responses come as soon as each head arrives, so only the last batch may be partly unwritten.
        // Written as `+ 2` on the left: with fewer than two requests (a starved run) `requests - 2` would trap and take the whole test process down.
        #expect(m.bytesWritten + 2 * UInt64(body.count) >= m.requests * UInt64(body.count))
        #expect(UInt64(server.requestsServed) >= m.requests)
    }

    /// More threads than connections: only as many threads as connections are used, all connections work.
    @Test func fewerConnectionsThanThreads() throws {
        let (m, server) = try load(.ok, threads: 4, connections: 1)
        #expect(m.requests > 50)
        #expect(server.connectionsAccepted == 2)
    }

    /// A port nobody listens on is reported before any load starts.
    @Test func refusedTarget() throws {
        let server = try FixtureServer(behaviour: .ok)
        let port = server.port
        server.stop()
        let runner = try LoadRunner(options: LoadOptions(url: try HTTPURL(parsing: "http://127.0.0.1:\(port)/")))
        #expect(throws: LoadError.self) { try runner.checkReachable() }
    }

    /// Connections spread evenly over threads, the remainder going to the first ones.
    @Test(arguments: [(2, 100, [50, 50]), (3, 10, [4, 3, 3]), (4, 2, [1, 1]), (1, 7, [7])])
    func connectionSpread(threads: Int, connections: Int, expected: [Int]) throws {
        let options = LoadOptions(url: try HTTPURL(parsing: "http://127.0.0.1/"), threads: threads, connections: connections)
        #expect((0..<options.effectiveThreads).map { options.connections(forThread: $0) } == expected)
    }
}
