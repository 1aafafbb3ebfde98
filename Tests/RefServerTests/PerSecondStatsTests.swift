// The server's per-second series (loop lag, DB wait): the bookkeeping on its own (no sockets,
// explicit clock readings), then an async server under load over loopback.

import Foundation
import MongoWire
@testable import RefServer
import TestSupport
import Testing

@Suite struct PerSecondBookkeepingTests {
    let origin = SeriesOrigin(nanos: 5_000_000_000, unixSeconds: 1_764_000_000)

    /// A moment `seconds` after the origin, on the monotonic clock.
    func at(_ seconds: Double) -> UInt64 { origin.nanos + UInt64(seconds * 1e9) }

    @Test func originCountsWholeSeconds() {
        #expect(origin.second(at(0)) == 0 && origin.second(at(0.999)) == 0 && origin.second(at(1)) == 1 && origin.second(at(61.5)) == 61)
        #expect(origin.second(1) == 0)
    }

    /// The ring keeps the last `capacity` seconds: a later second takes over an earlier one's slot.
    @Test func ringKeepsTheLastSeconds() {
        var ring = SecondRing(capacity: 4)
        #expect(ring.value(0) == nil && ring.earliest == nil && ring.latest == -1)
        for s in 0..<6 { ring.set(s, UInt64(s * 10), UInt64(s)) }
        #expect(ring.value(1) == nil && ring.value(2)! == (20, 2) && ring.value(5)! == (50, 5))
        #expect(ring.earliest == 2 && ring.latest == 5)
        ring.set(5, 55, 6)
        #expect(ring.value(5)! == (55, 6))
    }

    /// Loops merge by their worst second; DB threads by summed time over summed count.
    @Test func mergeWorstAndMean() {
        var a = SecondRing(), b = SecondRing()
        a.set(3, 1_000, 2_000); a.set(4, 9_000, 9_500)
        b.set(3, 4_000, 4_100); b.set(6, 700, 800)
        let span = PerSecondMerge.span([a, b], now: 7)
        #expect(span == 3...7)
        let worst = PerSecondMerge.worst([a, b], span: span!)
        #expect(worst.first == [4_000, 9_000, nil, 700, nil])
        #expect(worst.second == [4_100, 9_500, nil, 800, nil])
        var c = SecondRing(), d = SecondRing()
        c.set(3, 3_000, 3); d.set(3, 1_000, 1); d.set(5, 500, 2)
        let mean = PerSecondMerge.mean([c, d], span: 3...5)
        #expect(mean.mean == [1_000, nil, 250] && mean.count == [4, 0, 2])
        #expect(PerSecondMerge.span([SecondRing()], now: 9) == nil)
        // Never further back than the capacity before now.
        var old = SecondRing(capacity: 10)
        old.set(1, 1, 1); old.set(30, 2, 2)
        #expect(PerSecondMerge.span([old], now: 35) == 26...35)
    }

    /// A thread's DB wait: the running second is seen before it ends, and filed when the next begins.
    @Test func dbWaitFilesEachSecond() {
        let series = DBWaitSeries(origin: origin, capacity: 8)
        #expect(series.snapshot().earliest == nil)
        series.record(waitNanos: 2_000_000, at: at(2.1))
        series.record(waitNanos: 4_000_000, at: at(2.5))
        #expect(series.snapshot().value(2)! == (6_000, 2))
        series.record(waitNanos: 1_000_000, at: at(4.2))
        let snapshot = series.snapshot()
        #expect(snapshot.value(2)! == (6_000, 2) && snapshot.value(3) == nil && snapshot.value(4)! == (1_000, 1))
        let mean = PerSecondMerge.mean([snapshot], span: 2...4)
        #expect(mean.mean == [3_000, nil, 1_000])
    }

    /// The `perSecond` member: the origin, the span, and arrays as long as the span.
    @Test func statsJSON() throws {
        var loop0 = SecondRing(), loop1 = SecondRing()
        loop0.set(2, 1_100, 1_500); loop1.set(2, 20_000, 21_000); loop1.set(3, 900, 950)
        let db = DBWaitSeries(origin: origin)
        db.record(waitNanos: 3_000_000, at: at(3.4))
        let text = "{" + PerSecondStats.json(origin: origin, lag: [loop0, loop1], dbWait: [db.snapshot()], now: at(4.5)) + "}"
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let series = try #require(object["perSecond"] as? [String: Any])
        #expect(series["originUnixSeconds"] as? Double == 1_764_000_000)
        #expect(series["firstSecond"] as? Int == 2 && series["seconds"] as? Int == 3)
        // JSON null comes back as NSNull.
        func values(_ key: String) -> [Int?]? { (series[key] as? [Any])?.map { $0 as? Int } }
        #expect(values("loopLagP99Micros") == [20_000, 900, nil])
        #expect(values("loopLagMaxMicros") == [21_000, 950, nil])
        #expect(values("dbWaitMeanMicros") == [nil, 3_000, nil])
        #expect(series["dbOperations"] as? [Int] == [0, 1, 0])
        // No watchdog, no database: only the origin and an empty span.
        let bare = "{" + PerSecondStats.json(origin: origin, lag: [], dbWait: nil, now: at(4.5)) + "}"
        let members = try #require((try JSONSerialization.jsonObject(with: Data(bare.utf8)) as? [String: Any])?["perSecond"] as? [String: Any])
        #expect(Set(members.keys) == ["originUnixSeconds", "firstSecond", "seconds"] && members["seconds"] as? Int == 0)
    }
}

@Suite(.serialized) struct PerSecondServerTests {
    /// An async server with its watchdog, blocked by /cpu?ms=20 on its loop and answering /db
    /// from a database 5 ms away: /debug/stats gives per-second loop lag that shows the blocking
    /// and a DB wait of at least the database's latency, over the seconds it has run.
    @Test(.timeLimit(.minutes(1))) func loadedAsyncServerHasPerSecondSeries() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 5, seed: true))
        defer { mongod.stop() }
        let database = try NativeMongoDatabase(uri: "mongodb://127.0.0.1:\(mongod.port)/", poolSize: 2)
        let running = try RunningServer(.async, database: database) { $0.workers = 1; $0.slowCallbackNanos = 100_000_000 }
        let load = CPULoad(port: running.port, clients: 2, seconds: 5)
        defer { load.finish() }
        for _ in 0..<5 { #expect(try fetchBody(running.port, "/db")?.status == 200) }

        // The loop publishes every 100 ms: wait on /debug/stats showing the blocking, not a fixed sleep.
        var series: [String: Any] = [:]
        func blocked(_ series: [String: Any]) -> Bool {
            (series["loopLagP99Micros"] as? [Any])?.contains { ($0 as? Int ?? 0) >= 5_000 } == true
        }
        let deadline = Date().addingTimeInterval(5)
        repeat {
            let body = try #require(try fetchBody(running.port, "/debug/stats")?.body)
            series = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["perSecond"] as? [String: Any] ?? [:]
            if blocked(series) { break }
            usleep(20_000)
        } while Date() < deadline
        load.finish()

        let lag = try #require(series["loopLagP99Micros"] as? [Any], "\(series)")
        let lagMax = try #require(series["loopLagMaxMicros"] as? [Any])
        let seconds = try #require(series["seconds"] as? Int)
        #expect(seconds >= 1 && lag.count == seconds && lagMax.count == seconds)
        let values = lag.compactMap { $0 as? Int }
        #expect(!values.isEmpty && values.allSatisfy { (0..<10_000_000).contains($0) }, "\(lag)")
        // Each /cpu?ms=20 holds the loop for 20 ms: some second's p99 shows it.
        #expect(blocked(series), "\(series)")
        for (p99, max) in zip(lag, lagMax) { if let p99 = p99 as? Int, let max = max as? Int { #expect(p99 <= max) } }
        let origin = try #require(series["originUnixSeconds"] as? Double)
        let first = try #require(series["firstSecond"] as? Int)
        #expect(abs(origin + Double(first + seconds) - Date().timeIntervalSince1970) < 60, "the series ends about now")

        let wait = (series["dbWaitMeanMicros"] as? [Any] ?? []).compactMap { $0 as? Double }
        let operations = (series["dbOperations"] as? [Int] ?? []).reduce(0, +)
        #expect(operations == 5, "\(series)")
        // Each /db waited at least the database's 5 ms.
        #expect(!wait.isEmpty && wait.allSatisfy { $0 >= 4_500 && $0 < 2_000_000 }, "\(series)")
        withExtendedLifetime(running) {}
    }

    /// The other ways to a database count their DB wait too: sync around the blocking call,
    /// async with libmongoc in the work queue (one work item, and /multi's reads in parallel).
    @Test(arguments: [DatabaseSetup.sync, .asyncThreadpool]) func dbWaitInEveryModel(_ setup: DatabaseSetup) throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 3, seed: true))
        defer { mongod.stop() }
        let database = try setup.database(uri: "mongodb://127.0.0.1:\(mongod.port)/", pool: 2)
        let running = try RunningServer(setup.model, database: database) { $0.threads = 2 }
        for path in ["/db", "/queries?q=2", "/multi?n=2&mode=gather"] { #expect(try fetchBody(running.port, path)?.status == 200) }
        let body = try #require(try fetchBody(running.port, "/debug/stats")?.body)
        let series = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["perSecond"] as? [String: Any])
        #expect((series["dbOperations"] as? [Int] ?? []).reduce(0, +) == 3, "\(series)")
        let wait = (series["dbWaitMeanMicros"] as? [Any] ?? []).compactMap { $0 as? Double }
        #expect(!wait.isEmpty && wait.allSatisfy { $0 >= 2_500 && $0 < 2_000_000 }, "\(series)")
        // No watchdog here: no lag series.
        #expect(series["loopLagP99Micros"] == nil)
        withExtendedLifetime(running) {}
    }
}
