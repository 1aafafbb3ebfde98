import CMongoc
import Foundation
import Testing
@testable import MongoWire

/// A document with one value of every type the codec knows.
let everyType: BSONDocument = [
    "double": .double(1.5), "string": .string("héllo"), "doc": .document(["a": .int32(1)]),
    "array": .array([.int32(1), .string("two"), .null]), "binary": .binary(subtype: 0, bytes: [1, 2, 3]),
    "oid": .objectId(ObjectID(bytes: Array(0..<12))), "bool": .bool(true), "date": .datetime(1_700_000_000_000),
    "null": .null, "regex": .regex(pattern: "^a", options: "i"), "int32": .int32(-7),
    "timestamp": .timestamp(42 << 32 | 1), "int64": .int64(1 << 40), "decimal": .decimal128(Array(repeating: 0, count: 16)),
    "min": .minKey, "max": .maxKey,
]

@Suite struct BSONCodecTests {
    /// Every value survives an encode/decode round trip.
    @Test func roundTripsEveryType() throws {
        let bytes = BSONEncoder.encode(everyType)
        #expect(try BSONDecoder.decode(bytes) == everyType)
    }

    /// libbson accepts what the Swift encoder writes and reads the same values back.
    @Test func libbsonValidatesSwiftEncoding() throws {
        let bytes = BSONEncoder.encode(everyType)
        let document = bytes.withUnsafeBufferPointer { bson_new_from_data($0.baseAddress, $0.count) }
        let parsed = try #require(document)
        defer { bson_destroy(parsed) }
        var offset = 0
        #expect(bson_validate(parsed, BSON_VALIDATE_UTF8, &offset))
        let json = MongocClient.json(parsed)
        #expect(json["string"] as? String == "héllo")
        #expect((json["int64"] as? NSNumber)?.int64Value == 1 << 40)
        #expect((json["array"] as? [Any])?.count == 3)
        #expect(bson_count_keys(parsed) == UInt32(everyType.elements.count))
    }

    /// The Swift decoder reads what libbson writes from JSON.
    @Test func decodesLibbsonOutput() throws {
        let document = MongocClient.bson(#"{"a": 1, "b": {"$numberLong": "5"}, "c": [true, {"d": "x"}], "e": {"$oid": "000102030405060708090a0b"}}"#)
        defer { bson_destroy(document) }
        let data = bson_get_data(document)!
        let length = Int(UnsafeRawPointer(data).loadUnaligned(as: Int32.self))
        let bytes = Array(UnsafeBufferPointer(start: data, count: length))
        let decoded = try BSONDecoder.decode(bytes)
        #expect(decoded == ["a": .int32(1), "b": .int64(5), "c": .array([.bool(true), .document(["d": .string("x")])]),
                            "e": .objectId(ObjectID(bytes: Array(0..<12)))])
    }

    /// Broken documents are errors, never crashes: every truncation, and bad lengths and types.
    @Test(arguments: [
        ("length larger than data", [0x10, 0, 0, 0, 0] as [UInt8]),
        ("length too small", [4, 0, 0, 0, 0]),
        ("missing terminator", [5, 0, 0, 0, 1]),
        ("unknown type", [8, 0, 0, 0, 0x42, 0x61, 0, 0]),
        ("string length negative", [0x10, 0, 0, 0, 0x02, 0x61, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0, 0, 0, 0]),
        ("bool not 0/1", [9, 0, 0, 0, 0x08, 0x61, 0, 2, 0]),
        ("invalid UTF-8 key", [8, 0, 0, 0, 0x0A, 0xFF, 0, 0]),
    ])
    func rejectsMalformed(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: BSONError.self, "\(name)") { try BSONDecoder.decode(bytes) }
    }

    /// Every proper prefix of a valid document is rejected.
    @Test func rejectsEveryTruncation() {
        let bytes = BSONEncoder.encode(everyType)
        for cut in 0..<bytes.count {
            #expect(throws: BSONError.self) { try BSONDecoder.decode(Array(bytes[0..<cut])) }
        }
    }

    /// Numbers of different types compare by value; kinds order as mongod orders them.
    @Test func ordersLikeMongod() {
        #expect(BSONOrder.compare(.int32(1), .double(1.0)) == 0)
        #expect(BSONOrder.compare(.int64(2), .int32(1)) == 1)
        #expect(BSONOrder.compare(.null, .int32(0)) == -1)
        #expect(BSONOrder.compare(.int32(99), .string("1")) == -1)
        #expect(BSONOrder.compare(.string("a"), .string("b")) == -1)
        #expect(BSONOrder.compare(.maxKey, .objectId(ObjectID(bytes: Array(0..<12)))) == 1)
    }
}
