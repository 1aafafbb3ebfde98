import Foundation
@testable import MongoWire
import Testing
import UVKit

@Suite(.timeLimit(.minutes(1))) struct ServerBehaviourTests {
    static func ping(_ id: Int32) -> [UInt8] {
        WireEncoder.request(requestID: id, body: ["ping": .int32(1), "$db": .string("admin")])
    }

    /// The legacy OP_QUERY handshake is answered with OP_REPLY carrying hello's fields.
    @Test func handshakeOverOpQuery() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.send(WireEncoder.query(requestID: 7, fullCollectionName: "admin.$cmd", command: ["isMaster": .int32(1), "helloOk": .bool(true)]))
        let reply = try #require(connection.readReply())
        #expect(reply.header.opCode == OpCode.reply.rawValue)
        #expect(reply.header.responseTo == 7)
        #expect(reply.body["ismaster"] == .bool(true))
        #expect(reply.body["helloOk"] == .bool(true))
        #expect(reply.body["maxWireVersion"] == .int32(9))
    }

    static func checksumMismatch() -> [UInt8] {
        var message = WireEncoder.request(requestID: 1, body: ["ping": .int32(1)], checksum: true)
        message[message.count - 1] ^= 1
        return message
    }

    static func brokenBody() -> [UInt8] {
        var message = ping(1)
        message[21] = 0xFF   // the body's length now points past the frame
        message[22] = 0xFF
        return message
    }

    static let garbage: [(String, [UInt8])] = [
        ("bad length", [2, 0, 0, 0] + [UInt8](repeating: 0, count: 12)),
        ("unknown opcode", [16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x39, 0x05, 0, 0]),
        ("broken body", brokenBody()),
        ("checksum mismatch", checksumMismatch()),
    ]

    /// Garbage closes that connection only; another connection keeps being served.
    @Test(arguments: garbage)
    func malformedClosesOnlyThatConnection(_ name: String, _ garbage: [UInt8]) throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let good = try RawConnection(port: server.port)
        let bad = try RawConnection(port: server.port)
        good.send(Self.ping(1))
        #expect(good.readReply()?.body["ok"] == .double(1))
        bad.send(garbage)
        #expect(bad.isClosedByPeer(), "\(name)")
        good.send(Self.ping(2))
        let reply = good.readReply()
        #expect(reply?.body["ok"] == .double(1), "\(name)")
        #expect(reply?.header.responseTo == 2)
    }

    /// A checksummed OP_MSG is verified and answered; kind-1 sequences insert documents.
    @Test func checksumAndDocumentSequences() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.send(WireEncoder.request(requestID: 3, body: ["insert": .string("c"), "$db": .string("t")],
                                            sequences: [("documents", [["_id": .int32(1)], ["_id": .int32(2)]])], checksum: true))
        #expect(connection.readReply()?.body["n"] == .int32(2))
    }

    /// With --latency each reply waits that long, on a timer: pipelined requests and other
    /// connections wait in parallel, not one after another.
    @Test func latencyDelaysWithoutBlocking() throws {
        let latency: UInt64 = 150
        let server = try MongodServer(options: MongodOptions(port: 0, latencyMillis: latency))
        defer { server.stop() }
        let connections = try (0..<3).map { _ in try RawConnection(port: server.port) }
        let start = DispatchTime.now().uptimeNanoseconds
        for (index, connection) in connections.enumerated() {
            // Four pipelined pings on each connection.
            connection.send((0..<4).flatMap { Self.ping(Int32(index * 10 + $0)) })
        }
        for (index, connection) in connections.enumerated() {
            for n in 0..<4 {
                #expect(connection.readReply()?.header.responseTo == Int32(index * 10 + n))
            }
        }
        let elapsedMillis = (DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        #expect(elapsedMillis >= latency - 5)
        // Twelve replies one after another would take 12 × 150 ms; in parallel it is one latency.
        // The bound leaves room for a loaded test machine and still tells parallel from serial.
        #expect(elapsedMillis < 5 * latency, "took \(elapsedMillis) ms")
    }

    /// A sub-millisecond latency (500 µs) delays every reply by at least that, through the loop's one timer.
    @Test func subMillisecondLatency() throws {
        let server = try MongodServer(options: MongodOptions(port: 0, latencyNanos: 500_000))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        var shortest = UInt64.max
        for n in 0..<20 {
            let start = DispatchTime.now().uptimeNanoseconds
            connection.send(Self.ping(Int32(n)))
            #expect(connection.readReply()?.header.responseTo == Int32(n))
            shortest = min(shortest, DispatchTime.now().uptimeNanoseconds - start)
        }
        #expect(shortest >= 500_000, "a reply came after \(shortest) ns")
    }

    /// Replies larger than the socket takes (12 MB each, past the kernel's send buffer) are
    /// queued and arrive whole and in order while the client reads slowly.
    @Test func largeRepliesToASlowReader() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        let big = String(repeating: "x", count: 4 << 20)
        let documents: [BSONDocument] = (1...3).map { ["_id": .int32(Int32($0)), "blob": .string(big)] }
        connection.send(WireEncoder.request(requestID: 1, body: ["insert": .string("big"), "$db": .string("t")], sequences: [("documents", documents)]))
        #expect(connection.readReply()?.body["n"] == .int32(3))
        let find: BSONDocument = ["find": .string("big"), "$db": .string("t")]
        connection.send((2...3).flatMap { WireEncoder.request(requestID: Int32($0), body: find) } + Self.ping(4))
        // The slow reader under test: it reads nothing for 200 ms, so the server fills the socket and
        // must queue the rest (a pause that is the behaviour, not a wait for something).
        usleep(200_000)
        for id in 2...3 {
            let reply = connection.readReply()
            #expect(reply?.header.responseTo == Int32(id))
            let batch = reply?.body["cursor"]?.documentValue?["firstBatch"]?.arrayValue
            #expect(batch?.count == 3)
            #expect(batch?.allSatisfy { $0.documentValue?["blob"]?.stringValue?.utf8.count == 4 << 20 } == true)
        }
        #expect(connection.readReply()?.header.responseTo == 4)
    }

    /// `stop()` closes open connections and returns.
    @Test func stopClosesConnections() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        let connection = try RawConnection(port: server.port)
        connection.send(Self.ping(1))
        #expect(connection.readReply() != nil)
        #expect(server.openConnections == 1)
        server.stop()
        #expect(connection.isClosedByPeer())
    }
}
