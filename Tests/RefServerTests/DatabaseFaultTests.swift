// Database faults for the servers (issue 8): clients that go away while their DB request is
// in flight (no crash, no pool client left popped), and the database stopped and restarted
// on its port in the middle of a load run. The servers are `volley serve` children, so their
// libuv work queue (the process's one) is not shared with the tests running alongside; the
// database is the built-in mongod, in process, with latency so that a request is in flight.

import Foundation
import HTTP1
import LoadGen
import Metrics
import MongoWire
@testable import RefServer
import TestSupport
import Testing

/// `database.clientsInUse` of `/debug/stats`: libmongoc clients popped from the pool now.
func clientsInUse(port: UInt16) -> Int? {
    (debugStats(port: port)?["database"] as? [String: Any])?["clientsInUse"] as? Int
}

/// `/debug/stats` requests answered for `route` (its name) with `status`.
func answered(port: UInt16, _ route: String, _ status: Int) -> Int? {
    guard let stats = debugStats(port: port), let byRoute = stats["byRoute"] as? [String: Any] else { return nil }
    return ((byRoute[route] as? [String: Any])?[String(status)] as? Int) ?? 0
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct DatabaseFaultTests {
    /// Server arguments per setup: a pool as large as the threads that block on it (native: 16 connections).
    static func serveArguments(_ setup: DatabaseSetup, uri: String) -> (arguments: [String], pool: Int) {
        let pool = setup == .sync ? 32 : 16
        return (setup.serveArguments(uri: uri, pool: pool), pool)
    }

    /// 50 clients close (FIN or reset) while `/fetch`, `/queries?q=20` or `/multi?n=5&mode=gather`
    /// waits on a 50 ms database: no crash, connections and popped pool clients back to
    /// baseline, and as many concurrent DB requests as the pool holds are all answered.
    @Test(arguments: DatabaseSetup.allCases)
    func disconnectsMidDatabaseRequest(_ model: DatabaseSetup) throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 50, seed: true))
        defer { mongod.stop() }
        let (arguments, pool) = Self.serveArguments(model, uri: "mongodb://127.0.0.1:\(mongod.port)/")
        let server = try VolleyServer.serve(arguments)
        let port = server.port
        try #require(port != 0, "\(model): server did not start")
        #expect(fetchStatus(port: port, "/fetch") == 200, "\(model): warm-up")
        #expect(waitForOpenConnections(port: port, 1) == 1, "\(model): baseline")
        #expect(clientsInUse(port: port) == 0, "\(model): no client popped at rest")

        let paths = ["/fetch", "/queries?q=20", "/multi?n=5&mode=gather"]
        var inUseBeforeClosing: [Int] = []
        let start = Date()
        for batch in 0..<5 {
            // Every route with each way of closing: client k sends paths[k % 3], resets if (k / 3) is odd.
            let kinds = (0..<10).map { batch * 10 + $0 }
            let fds = kinds.map { connectAndSend(Array(get(paths[$0 % 3]).utf8), port: port) }
            #expect(fds.allSatisfy { $0 != nil }, "\(model): batch \(batch) connected")
            // Close while the requests wait on the 50 ms database: once the server has popped pool
            // clients for them (looked for well within the round trip).
            var inUse = -1
            waitUntil(seconds: 0.035, pollEvery: 0.002) {
                inUse = clientsInUse(port: port) ?? -1
                return inUse > 0
            }
            inUseBeforeClosing.append(inUse)
            for (k, fd) in zip(kinds, fds) {
                if let fd { closeAll([fd], reset: (k / 3) % 2 == 1) }
            }
        }
        let closed = Date()
        // Mid-request: clients were popped (reads in flight) when the first batches went away.
        #expect(inUseBeforeClosing.contains { $0 > 0 }, "\(model): no DB request in flight at a disconnect: \(inUseBeforeClosing)")
        let back = waitFor(0, seconds: 8) { clientsInUse(port: port) }
        #expect(back == 0, "\(model): pool clients still popped: \(back.map(String.init) ?? "no answer")")
        let drained = Date()
        #expect(waitForOpenConnections(port: port, 1) == 1, "\(model): open connections back to the baseline")
        #expect(server.process.isRunning, "\(model): the server died")

        // A leaked client would leave one of these waiting forever on the pool.
        var concurrent = try (0..<pool).map { _ in try TestClient(port: port, timeoutMillis: 5000) }
        for client in concurrent { client.send(get("/queries?q=2")) }
        let statuses = concurrent.map { $0.readResponse()?.status ?? 0 }
        concurrent.removeAll()   // (sync: each keep-alive connection holds a pool thread)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(model): \(pool) concurrent DB requests: \(statuses)")
        #expect(waitFor(0, seconds: 2) { clientsInUse(port: port) } == 0, "\(model): after the concurrent requests")
        print("fault: db disconnects \(model): 50 clients closed over " + String(format: "%.2f s", closed.timeIntervalSince(start))
              + ", clients in use before each batch closed \(inUseBeforeClosing), pool back to 0 after "
              + String(format: "%.2f s", drained.timeIntervalSince(closed)) + ", \(pool) concurrent requests \(statuses.filter { $0 == 200 }.count)×200")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 5) == 0, "\(model): clean exit after the faults")
    }

    /// The database stopped for 1 s (from 1.1 s) and restarted on its port in a 3.5 s load
    /// run on `/fetch`: the run ends on time, its only errors are 503s, all from the outage
    /// (none before the stop, none once the server reads again), and the server still serves.
    @Test(arguments: DatabaseSetup.allCases)
    func mongodRestartDuringLoadRun(_ model: DatabaseSetup) throws {
        let first = try MongodServer(options: MongodOptions(port: 0, seed: true))
        let mongod = Locked<MongodServer?>(first)
        defer { mongod.value?.stop() }
        let mongoPort = first.port
        let uri = "mongodb://127.0.0.1:\(mongoPort)/?serverSelectionTimeoutMS=300"
        let server = try VolleyServer.serve(Self.serveArguments(model, uri: uri).arguments)
        let port = server.port
        try #require(port != 0, "\(model): server did not start")

        // The fault, on its own thread while this one runs the load.
        struct Seen: Sendable {
            var before503: Int?, before200 = 0, at503 = 0, probe = 0
            var outage = 0.0, recovery = 0.0
            /// Seconds from the start of the run to the stop, and to the first 200 after the restart.
            var stoppedAt = 0.0, recoveredAt = 0.0
            var done = false
        }
        let seen = Locked(Seen())
        let start = Date()
        let fault = Thread {
            var s = Seen()
            // The outage's schedule (stop 1.1 s into the run, restart 1 s later) is what the test
            // measures: the seconds before the stop, during the outage and after the recovery are
            // compared. These sleeps are that schedule, not waits for something to happen.
            usleep(1_100_000)
            s.before503 = answered(port: port, "/fetch", 503)
            s.before200 = answered(port: port, "/fetch", 200) ?? 0
            mongod.value?.stop()
            mongod.set(nil)
            let stopped = Date()
            s.stoppedAt = stopped.timeIntervalSince(start)
            usleep(1_000_000)
            mongod.set(try? MongodServer(options: MongodOptions(port: mongoPort, seed: true)))
            let restarted = Date()
            s.outage = restarted.timeIntervalSince(stopped)
            // Recovered: the server has answered a /fetch 200 again (a probe alongside the load's).
            while s.probe != 200 && Date().timeIntervalSince(restarted) < 2.5 {
                s.probe = fetchStatus(port: port, "/fetch")
                if s.probe != 200 { usleep(20_000) }
            }
            s.recovery = Date().timeIntervalSince(restarted)
            s.recoveredAt = Date().timeIntervalSince(start)
            s.at503 = answered(port: port, "/fetch", 503) ?? 0
            s.done = true
            seen.set(s)
        }
        let url = try HTTPURL(parsing: "http://127.0.0.1:\(port)/fetch")
        let options = LoadOptions(url: url, threads: 1, connections: 4, durationNanos: 3_500_000_000, timeoutNanos: 2_000_000_000)
        let runner = try LoadRunner(options: options)
        fault.start()
        let run = runner.run()
        let elapsed = Date().timeIntervalSince(start)
        waitUntil(seconds: max(0, 8 - Date().timeIntervalSince(start)), pollEvery: 0.02) { seen.value.done }
        let s = seen.value
        let after503 = answered(port: port, "/fetch", 503) ?? -1
        let after200 = answered(port: port, "/fetch", 200) ?? 0
        let (before503, before200, at503, probe) = (s.before503, s.before200, s.at503, s.probe)

        #expect(mongod.value != nil, "\(model): mongod did not restart on port \(mongoPort)")
        #expect(probe == 200, "\(model): no 200 within 2.5 s of the restart")
        #expect(elapsed < 5, "\(model): a 3.5 s run took \(elapsed) s")
        #expect(before503 == 0, "\(model): 503s before the database stopped")
        #expect(at503 > 0, "\(model): no 503 while the database was down")
        #expect(after503 == at503, "\(model): 503s after recovery: \(at503) then \(after503)")
        #expect(run.errors.socketErrors == 0, "\(model): socket errors \(run.errors)")
        #expect(run.errors.status > 0 && run.statusClasses[5] == run.errors.status, "\(model): status errors \(run.errors.status), 5xx \(run.statusClasses[5])")
        #expect(Int(run.errors.status) <= at503, "\(model): the run saw \(run.errors.status) errors, the server sent \(at503) 503s")
        let slices = run.perSecond
        // Client side: the seconds wholly before the stop or wholly after the recovery have no error.
        let before = slices.filter { Double($0.second + 1) <= s.stoppedAt }
        let after = slices.filter { Double($0.second) >= s.recoveredAt }
        #expect(!before.isEmpty && !after.isEmpty, "\(model): stop at \(s.stoppedAt) s, recovery at \(s.recoveredAt) s")
        #expect((before + after).allSatisfy { $0.errors == 0 && $0.requests > 0 }, "\(model): \(slices)")
        #expect(after200 > before200 && fetchStatus(port: port, "/fetch") == 200 && fetchStatus(port: port, "/plaintext") == 200, "\(model): still serving")
        print("fault: mongod restart \(model): run \(String(format: "%.2f", elapsed)) s, \(run.requests) responses, \(run.errors.status) 503 "
              + "(server: \(at503)), socket errors \(run.errors.socketErrors), recovered "
              + String(format: "%.2f s after the restart (outage %.2f s from %.2f s)", s.recovery, s.outage, s.stoppedAt)
              + ", per second (requests/errors) " + slices.map { "\($0.requests)/\($0.errors)" }.joined(separator: " "))
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 5) == 0, "\(model): clean exit")
    }
}

/// The status of one GET on a fresh connection to 127.0.0.1:port (0: no answer).
func fetchStatus(port: UInt16, _ path: String) -> Int {
    guard let client = try? TestClient(port: port) else { return 0 }
    client.send(get(path))
    return client.readResponse()?.status ?? 0
}
