import Foundation
import HTTP1
import PeerFixtures
import Testing
@testable import LoadGen

@Suite struct StopTokenTests {
    /// The first request wins: its signal is kept and each handler runs once.
    @Test func firstRequestWins() {
        let token = StopToken()
        let calls = Counter()
        token.onRequest { calls.add() }
        #expect(!token.isRequested)
        token.request(signal: 15)
        token.request(signal: 2)
        #expect(token.isRequested)
        #expect(token.signal == 15)
        #expect(calls.value == 1)
    }

    /// A handler registered after the request runs at once; a removed one never runs.
    @Test func lateAndRemovedHandlers() {
        let token = StopToken()
        let calls = Counter()
        let id = token.onRequest { calls.add() }
        token.removeHandler(id)
        token.request()
        #expect(calls.value == 0)
        #expect(token.signal == nil)
        token.onRequest { calls.add() }
        #expect(calls.value == 1)
    }

    /// A stop requested during a 30 s run ends it early; what was measured is kept and the run says so.
    @Test func stopEndsARunEarly() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
        let runner = try LoadRunner(options: LoadOptions(url: url, threads: 2, connections: 4, durationNanos: 30_000_000_000))
        let token = StopToken()
        // The first progress report (about 1 s in) asks for the stop, from the engine's calling thread.
        let m = runner.run(stop: token) { _ in token.request(signal: 15) }
        #expect(runner.interrupted)
        #expect(m.requests > 0)
        #expect(m.elapsedNanoseconds < 10_000_000_000)
    }

    /// A run whose token was already requested stops at once and is marked interrupted.
    @Test func stopBeforeTheRun() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
        let runner = try LoadRunner(options: LoadOptions(url: url, threads: 1, connections: 2, durationNanos: 30_000_000_000))
        let token = StopToken()
        token.request()
        let m = runner.run(stop: token)
        #expect(runner.interrupted)
        #expect(m.elapsedNanoseconds < 10_000_000_000)
    }
}

/// A count shared with handlers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
