// The non-blocking client (MongoLoopClient) over real loopback sockets: against the built-in
// mongod in process, and against a hostile server on the test's own loop that cuts replies
// short or sends malformed ones.

import Clocks
import Foundation
import MongoWire
import Testing
import UVKit

/// `randomNumber` of World row `id` as `volley mongod --seed` loads it.
func seededRandomNumber(_ id: Int) -> Int32 {
    var state: UInt64 = 0x5EED_2017
    state &+= 0x9E37_79B9_7F4A_7C15 &* UInt64(id)
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Int32(z % 10_000) + 1
}

/// What one operation ended with.
enum Outcome: Equatable {
    case world(id: Int32, randomNumber: Int32)
    case greeting(String)
    case nothing
    case failed(MongoClientError)
}

/// Collects outcomes by tag and tracks how many connections were busy at once.
final class Outcomes: MongoFindHandler {
    var byTag: [Int: Outcome] = [:]
    var answeredAt: [Int: UInt64] = [:]

    func found(_ document: BSONView?, tag: Int) {
        answeredAt[tag] = MonotonicClock.nanoseconds()
        guard let document else { byTag[tag] = .nothing; return }
        if let text = try? document.element("pycon")?.utf8 {
            byTag[tag] = .greeting(String(decoding: text, as: UTF8.self))
        } else if let id = try? document.element("_id")?.integer, let n = try? document.element("randomNumber")?.integer {
            byTag[tag] = .world(id: Int32(id), randomNumber: Int32(n))
        } else {
            byTag[tag] = .failed(.malformedReply("test: unexpected document"))
        }
    }

    func failed(_ error: MongoClientError, tag: Int) {
        answeredAt[tag] = MonotonicClock.nanoseconds()
        byTag[tag] = .failed(error)
    }
}

/// Runs `loop` until `done()` or `seconds` pass (checked every 2 ms by a timer that also
/// keeps the loop alive: the client's own handles do not). Returns whether `done()` held.
@discardableResult
func run(_ loop: EventLoop, seconds: Double, until done: @escaping () -> Bool) -> Bool {
    let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
    let check = LoopTimer(loop: loop)
    var met = false
    check.start(timeoutMillis: 1, repeatMillis: 2) {
        if done() { met = true; loop.stop() } else if MonotonicClock.nanoseconds() >= deadline { loop.stop() }
    }
    loop.run()
    check.close()
    loop.runOnce()
    return met
}

let worldFind = PreparedFind(database: "hello_world", collection: "world", int32Key: "_id")
let greetingFind = PreparedFind(database: "test", collection: "greetings")

func client(_ loop: EventLoop, port: UInt16, pool: Int = 4, timeoutMillis: UInt64 = 5000) throws -> MongoLoopClient {
    MongoLoopClient(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: port),
                    options: MongoLoopClientOptions(maxConnections: pool, timeoutNanos: timeoutMillis * 1_000_000))
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct LoopClientTests {
    /// The hello handshake, then find_one by `_id` and in an unfiltered collection give the seeded documents.
    @Test func handshakeAndFind() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { mongod.stop() }
        let loop = try EventLoop()
        let db = try client(loop, port: mongod.port)
        let outcomes = Outcomes()
        db.findOne(greetingFind, handler: outcomes, tag: 0)
        db.findOne(worldFind, parameter: 42, handler: outcomes, tag: 1)
        db.findOne(worldFind, parameter: 10_001, handler: outcomes, tag: 2)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 3 })
        #expect(outcomes.byTag[0] == .greeting("Hello, Pycon!"))
        #expect(outcomes.byTag[1] == .world(id: 42, randomNumber: seededRandomNumber(42)))
        #expect(outcomes.byTag[2] == .nothing, "no row 10001")
        #expect(db.counters.connects.current >= 1 && db.counters.malformedReplies.current == 0)
        #expect(db.counters.busy.current == 0 && db.counters.waiting.current == 0)
        db.close()
    }

    /// With 2 connections and 10 reads on a 30 ms database, 8 reads wait in the queue: all are
    /// answered right, over exactly 2 connections, no sooner than 5 round trips.
    @Test func poolExhaustionQueuesInOrder() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 30, seed: true))
        defer { mongod.stop() }
        let loop = try EventLoop()
        let db = try client(loop, port: mongod.port, pool: 2)
        let outcomes = Outcomes()
        let start = MonotonicClock.nanoseconds()
        var peakWaiting = 0
        for k in 0..<10 {
            db.findOne(worldFind, parameter: Int32(k + 1), handler: outcomes, tag: k)
            peakWaiting = max(peakWaiting, db.counters.waiting.current)
        }
        #expect(peakWaiting == 10, "nothing is connected yet: every read waits")
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 10 })
        for k in 0..<10 { #expect(outcomes.byTag[k] == .world(id: Int32(k + 1), randomNumber: seededRandomNumber(k + 1))) }
        #expect(db.counters.connects.current == 2, "the pool holds 2")
        #expect(mongod.openConnections == 2)
        // Handshake (1 round trip) then 5 reads per connection, one at a time.
        let elapsedMillis = Double((outcomes.answeredAt.values.max() ?? start) - start) / 1e6
        #expect(elapsedMillis >= 6 * 30 - 5, "\(elapsedMillis) ms")
        // FIFO: the reads finish in the order they were asked, two by two.
        let order = outcomes.answeredAt.sorted { $0.value < $1.value }.map(\.key)
        #expect(order.prefix(4).sorted() == [0, 1, 2, 3], "\(order)")
        db.close()
    }

    /// A read not answered within the timeout fails with `.timeout`, its connection is closed, and it is counted.
    /// The stand-in answers `hello` at once and finds after 400 ms: with the built-in mongod the
    /// handshake itself waits the latency, so the connection attempt could time out before the
    /// queued read and fail it as `.unavailable` (a race a loaded machine lost).
    @Test func operationTimesOut() throws {
        let loop = try EventLoop()
        let hostile = try HostileMongod(loop: loop, latencyMillis: 400) { _, bytes in .send(bytes) }
        defer { hostile.close() }
        let db = try client(loop, port: hostile.port, pool: 1, timeoutMillis: 150)
        let outcomes = Outcomes()
        db.findOne(worldFind, parameter: 7, handler: outcomes, tag: 0)
        db.findOne(worldFind, parameter: 8, handler: outcomes, tag: 1)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 2 })
        #expect(outcomes.byTag[0] == .failed(.timeout))
        #expect(outcomes.byTag[1] == .failed(.timeout))
        #expect(db.counters.timeouts.current == 2)
        #expect(db.counters.busy.current == 0 && db.counters.waiting.current == 0)
        db.close()
    }

    /// mongod stopped: in-flight and new reads fail (`.unavailable`, new ones at once); restarted
    /// on its port: reads succeed again after the backoff.
    @Test func mongodStoppedAndRestarted() throws {
        var mongod: MongodServer? = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 100, seed: true))
        let port = mongod!.port
        defer { mongod?.stop() }
        let loop = try EventLoop()
        let db = try client(loop, port: port, pool: 2, timeoutMillis: 2000)
        let outcomes = Outcomes()
        db.findOne(worldFind, parameter: 1, handler: outcomes, tag: 0)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 1 })
        #expect(outcomes.byTag[0] == .world(id: 1, randomNumber: seededRandomNumber(1)))

        // A read in flight (100 ms latency) when the server goes away.
        db.findOne(worldFind, parameter: 2, handler: outcomes, tag: 1)
        run(loop, seconds: 0.03) { false }
        mongod?.stop()
        mongod = nil
        #expect(run(loop, seconds: 5) { outcomes.byTag.count == 2 })
        #expect(outcomes.byTag[1] == .failed(.unavailable))
        // The next read finds the port closed; the one after fails at once.
        db.findOne(worldFind, parameter: 3, handler: outcomes, tag: 2)
        #expect(run(loop, seconds: 5) { outcomes.byTag.count == 3 })
        #expect(outcomes.byTag[2] == .failed(.unavailable))
        #expect(db.isDown && db.counters.down.current == 1)
        db.findOne(worldFind, parameter: 4, handler: outcomes, tag: 3)
        #expect(outcomes.byTag[3] == .failed(.unavailable), "answered before findOne returned")
        #expect(db.counters.failedFast.current >= 1)

        mongod = try MongodServer(options: MongodOptions(port: port, seed: true))
        #expect(run(loop, seconds: 5) { !db.isDown }, "reconnected after the backoff")
        db.findOne(worldFind, parameter: 5, handler: outcomes, tag: 4)
        #expect(run(loop, seconds: 5) { outcomes.byTag.count == 5 })
        #expect(outcomes.byTag[4] == .world(id: 5, randomNumber: seededRandomNumber(5)))
        db.close()
    }

    /// 2000 reads over 8 connections, all in flight or queued at once: each gets its own row.
    @Test func manyInFlight() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyNanos: 500_000, seed: true))
        defer { mongod.stop() }
        let loop = try EventLoop()
        let db = try client(loop, port: mongod.port, pool: 8)
        let outcomes = Outcomes()
        for k in 0..<2000 { db.findOne(worldFind, parameter: Int32(k % 10_000 + 1), handler: outcomes, tag: k) }
        #expect(run(loop, seconds: 30) { outcomes.byTag.count == 2000 })
        let wrong = (0..<2000).filter { outcomes.byTag[$0] != .world(id: Int32($0 + 1), randomNumber: seededRandomNumber($0 + 1)) }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first \(wrong.first.map { "\($0): \(String(describing: outcomes.byTag[$0]))" } ?? "")")
        #expect(db.counters.connects.current == 8 && db.counters.operations.current == 2000)
        db.close()
    }

    /// A server that closes in the middle of a reply fails only that read (counted), and the next read uses a new connection.
    @Test func serverClosesMidReply() throws {
        let loop = try EventLoop()
        let hostile = try HostileMongod(loop: loop) { findNumber, bytes in
            findNumber == 1 ? .truncateAndClose(Array(bytes.prefix(bytes.count / 2))) : .send(bytes)
        }
        let db = try client(loop, port: hostile.port, pool: 1)
        let outcomes = Outcomes()
        db.findOne(worldFind, parameter: 9, handler: outcomes, tag: 0)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 1 })
        #expect(outcomes.byTag[0] == .failed(.unavailable))
        #expect(db.counters.connectionErrors.current == 1)
        db.findOne(worldFind, parameter: 9, handler: outcomes, tag: 1)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 2 })
        #expect(outcomes.byTag[1] == .world(id: 9, randomNumber: 99))
        #expect(db.counters.connects.current == 2)
        db.close()
        hostile.close()
    }

    /// Malformed replies (bad length, wrong responseTo, broken BSON, unknown flag) close their
    /// connection and fail only their read; reads on the other connection are answered.
    @Test(arguments: [MalformedKind.badLength, .wrongResponseTo, .brokenBSON, .unknownFlag])
    func malformedReplyFailsOnlyItsRead(_ kind: MalformedKind) throws {
        let loop = try EventLoop()
        let hostile = try HostileMongod(loop: loop, latencyMillis: 20) { findNumber, bytes in
            findNumber == 1 ? .send(kind.corrupt(bytes)) : .send(bytes)
        }
        let db = try client(loop, port: hostile.port, pool: 2)
        let outcomes = Outcomes()
        // Two connections, both busy at once: the first find to reach the server is corrupted.
        db.findOne(worldFind, parameter: 3, handler: outcomes, tag: 0)
        db.findOne(worldFind, parameter: 3, handler: outcomes, tag: 1)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 2 })
        let failures = outcomes.byTag.values.filter { if case .failed(.malformedReply) = $0 { true } else { false } }
        #expect(failures.count == 1, "\(kind): \(outcomes.byTag)")
        #expect(outcomes.byTag.values.contains(.world(id: 3, randomNumber: 99)), "\(kind): \(outcomes.byTag)")
        #expect(db.counters.malformedReplies.current == 1)
        #expect(db.counters.open.current == 1, "the bad connection is closed, the good one stays")
        db.close()
        hostile.close()
    }

    /// A server whose wire versions stop below OP_MSG is refused at the handshake (the read fails, the database counts as down).
    @Test func oldWireVersionRefused() throws {
        let loop = try EventLoop()
        let hostile = try HostileMongod(loop: loop, maxWireVersion: 5) { _, bytes in .send(bytes) }
        let db = try client(loop, port: hostile.port, pool: 1)
        let outcomes = Outcomes()
        db.findOne(worldFind, parameter: 1, handler: outcomes, tag: 0)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 1 })
        #expect(outcomes.byTag[0] == .failed(.unavailable))
        #expect(db.isDown)
        #expect(db.lastFailure?.contains("wire versions") == true, "\(db.lastFailure ?? "")")
        db.close()
        hostile.close()
    }

    /// The prepared find decodes as the command a driver sends, and its `_id` parameter lands where the filter holds it.
    @Test func preparedFindIsAFindCommand() throws {
        let loop = try EventLoop()
        var seen: [BSONDocument] = []
        let hostile = try HostileMongod(loop: loop, onCommand: { seen.append($0) }) { _, bytes in .send(bytes) }
        let db = try client(loop, port: hostile.port, pool: 1)
        let outcomes = Outcomes()
        db.findOne(worldFind, parameter: 1234, handler: outcomes, tag: 0)
        #expect(run(loop, seconds: 10) { outcomes.byTag.count == 1 })
        #expect(seen.count == 2)
        let hello = try #require(seen.first)
        #expect(hello.keys.first == "hello" && hello["helloOk"] == .bool(true) && hello["$db"] == .string("admin"))
        #expect(hello["client"]?.documentValue?["driver"]?.documentValue?["name"] == .string("volley-native"))
        let find = try #require(seen.last)
        #expect(find == ["find": .string("world"), "filter": .document(["_id": .int32(1234)]), "limit": .int64(1),
                         "singleBatch": .bool(true), "$db": .string("hello_world")])
        db.close()
        hostile.close()
    }
}

/// Ways to spoil a reply.
enum MalformedKind: String, CustomTestStringConvertible, Sendable {
    case badLength, wrongResponseTo, brokenBSON, unknownFlag
    var testDescription: String { rawValue }

    func corrupt(_ reply: [UInt8]) -> [UInt8] {
        var bytes = reply
        switch self {
        case .badLength: bytes.replaceSubrange(0..<4, with: [8, 0, 0, 0])
        case .wrongResponseTo: bytes[8] &+= 1
        case .brokenBSON: bytes[21] = 0xFF; bytes[22] = 0x7F   // the body's length field
        case .unknownFlag: bytes[16] = 0x04
        }
        return bytes
    }
}
