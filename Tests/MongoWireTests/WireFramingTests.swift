import Testing
@testable import MongoWire

/// Feeds one chunk to `framer`.
func feed(_ framer: inout MessageFramer, _ chunk: [UInt8], _ onMessage: (UnsafeRawBufferPointer) throws(WireError) -> Void) throws(WireError) {
    let result = chunk.withUnsafeBytes { raw in Result { () throws(WireError) in try framer.feed(raw, onMessage) } }
    try result.get()
}

/// Feeds `bytes` to a fresh framer in chunks cut at `cuts`, decoding each message.
func frame(_ bytes: [UInt8], cuts: [Int]) throws -> [WireRequest] {
    var framer = MessageFramer()
    var requests: [WireRequest] = []
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        try feed(&framer, Array(bytes[start..<end])) { message throws(WireError) in requests.append(try WireDecoder.decode(message)) }
        start = end
    }
    return requests
}

@Suite struct WireFramingTests {
    static let ping = WireEncoder.request(requestID: 1, body: ["ping": .int32(1), "$db": .string("admin")])
    static let insert = WireEncoder.request(
        requestID: 2, body: ["insert": .string("c"), "$db": .string("t")],
        sequences: [("documents", [["_id": .int32(1)], ["_id": .int32(2), "x": .string("y")]])])
    static let handshake = WireEncoder.query(requestID: 3, fullCollectionName: "admin.$cmd", command: ["isMaster": .int32(1), "helloOk": .bool(true)])
    static let checksummed = WireEncoder.request(requestID: 4, body: ["hello": .int32(1), "$db": .string("admin")], checksum: true)
    static let stream = ping + insert + handshake + checksummed

    static func check(_ requests: [WireRequest]) {
        #expect(requests.count == 4)
        guard requests.count == 4 else { return }
        #expect(requests[0].command.keys.first == "ping")
        #expect(requests[0].database == "admin")
        #expect(requests[1].command["documents"]?.arrayValue?.count == 2)
        #expect(requests[1].database == "t")
        #expect(requests[2].command.keys.first == "isMaster")
        #expect(requests[2].database == "admin")
        if case .query(let name, _, _, _) = requests[2].kind { #expect(name == "admin.$cmd") } else { Issue.record("not OP_QUERY") }
        #expect(requests[3].command.keys.first == "hello")
        #expect(requests.map(\.header.requestID) == [1, 2, 3, 4])
    }

    /// Four messages of every kind in one read decode in order.
    @Test func decodesWholeStream() throws {
        Self.check(try frame(Self.stream, cuts: []))
    }

    /// The same stream fed one byte at a time decodes the same.
    @Test func decodesByteByByte() throws {
        Self.check(try frame(Self.stream, cuts: Array(1..<Self.stream.count)))
    }

    /// A cut at every position, and cuts in pairs, give the same messages.
    @Test func decodesSplitAnywhere() throws {
        for cut in 1..<Self.stream.count {
            Self.check(try frame(Self.stream, cuts: [cut]))
        }
        for cut in stride(from: 1, to: Self.stream.count, by: 7) {
            Self.check(try frame(Self.stream, cuts: [cut, min(cut + 13, Self.stream.count)]))
        }
    }

    /// Nothing is decoded before a message is complete, and the tail stays buffered.
    @Test func holdsIncompleteTail() throws {
        var framer = MessageFramer()
        var count = 0
        let bytes = Self.ping + Self.insert.prefix(10)
        try feed(&framer, bytes) { _ in count += 1 }
        #expect(count == 1)
        #expect(framer.bufferedCount == 10)
    }

    /// A command wrapped in `$query` (with a read preference) is unwrapped.
    @Test func unwrapsDollarQuery() throws {
        let message = WireEncoder.query(requestID: 9, fullCollectionName: "admin.$cmd",
                                        command: ["$query": .document(["ismaster": .int32(1)]), "$readPreference": .document(["mode": .string("primaryPreferred")])])
        let request = try frame(message, cuts: [])
        #expect(request.first?.command == ["ismaster": .int32(1)])
    }

    static func corrupt(_ bytes: [UInt8], at offset: Int, _ value: UInt8) -> [UInt8] {
        var copy = bytes
        copy[offset] = value
        return copy
    }

    /// Malformed messages are errors: bad length, bad opcode, bad checksum, unknown required
    /// flag, unknown section kind, body past the frame, legacy find on a collection.
    @Test(arguments: [
        ("length below header", corrupt(ping, at: 0, 4)),
        ("length beyond 48 MB", corrupt(ping, at: 3, 0x7F)),
        ("unknown opcode", corrupt(ping, at: 12, 0x01)),
        ("checksum mismatch", corrupt(checksummed, at: checksummed.count - 1, checksummed.last! ^ 0xFF)),
        ("unknown required flag", corrupt(ping, at: 16, 0x04)),
        ("unknown section kind", corrupt(ping, at: 20, 7)),
        ("body length past frame", corrupt(ping, at: 21, 0x7F)),
        ("legacy OP_QUERY find", WireEncoder.query(requestID: 1, fullCollectionName: "test.c", command: [:])),
    ])
    func rejectsMalformed(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: WireError.self, "\(name)") { _ = try frame(bytes, cuts: []) }
    }

    /// The optional exhaustAllowed bit (above the required range) is accepted.
    @Test func acceptsOptionalFlagBits() throws {
        let message = Self.corrupt(Self.ping, at: 18, 0x01)   // bit 16
        #expect(try frame(message, cuts: []).count == 1)
    }

    /// CRC-32C matches the standard check value.
    @Test func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
