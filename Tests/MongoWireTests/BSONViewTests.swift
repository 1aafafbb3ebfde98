// The client's zero-copy reader and request templates, cross-checked with libbson.

import CMongoc
import Foundation
@testable import MongoWire
import Testing

/// libbson's bytes for `json`.
func libbsonBytes(_ json: String) -> [UInt8] {
    let document = MongocClient.bson(json)
    defer { bson_destroy(document) }
    let data = bson_get_data(document)!
    let length = Int(UnsafeRawPointer(data).loadUnaligned(as: Int32.self))
    return Array(UnsafeBufferPointer(start: data, count: length))
}

@Suite struct BSONViewTests {
    /// BSONView finds each field of a document libbson wrote, skipping every other type on the way.
    @Test func readsLibbsonDocuments() throws {
        let bytes = libbsonBytes(#"""
        {"d": 1.5, "s": "héllo", "o": {"x": 1}, "a": [1, 2], "b": {"$binary": {"base64": "AQI=", "subType": "00"}},
         "id": {"$oid": "000102030405060708090a0b"}, "t": true, "dt": {"$date": {"$numberLong": "5"}}, "n": null,
         "re": {"$regularExpression": {"pattern": "a+", "options": "i"}}, "i": 7, "ts": {"$timestamp": {"t": 1, "i": 2}},
         "l": {"$numberLong": "8"}, "dec": {"$numberDecimal": "1.0"}, "min": {"$minKey": 1}, "max": {"$maxKey": 1},
         "whole": 3.0, "last": "end"}
        """#)
        try bytes.withUnsafeBytes { raw in
            let view = try BSONView(raw)
            #expect(try view.element("i")?.integer == 7)
            #expect(try view.element("l")?.integer == 8)
            #expect(try view.element("whole")?.integer == 3)
            #expect(try view.element("d")?.integer == nil)
            #expect(try view.element("s")?.utf8.map { String(decoding: $0, as: UTF8.self) } == "héllo")
            #expect(try view.element("o")?.document?.element("x")?.integer == 1)
            #expect(try view.element("a")?.document?.first()?.integer == 1)
            #expect(try view.element("last")?.utf8.map { String(decoding: $0, as: UTF8.self) } == "end")
            #expect(try view.element("missing") == nil)
        }
    }

    /// Every truncation of a libbson document is refused by the view or by a lookup, never read past.
    @Test func truncationsAreErrors() throws {
        let bytes = libbsonBytes(#"{"a": "text", "b": {"c": [1, 2, 3]}, "d": 4}"#)
        for cut in 0..<bytes.count {
            var spoiled = Array(bytes[0..<cut])
            if spoiled.count >= 4 { spoiled.replaceSubrange(0..<4, with: withUnsafeBytes(of: Int32(cut).littleEndian) { Array($0) }) }
            spoiled.withUnsafeBytes { raw in
                let found = (try? BSONView(raw)).flatMap { try? $0.element("d") }
                #expect(found == nil, "cut at \(cut)")
            }
        }
    }

    /// libbson validates the prepared find's body, and reads the command and its `_id` patched in.
    @Test func preparedFindValidatesWithLibbson() throws {
        let find = PreparedFind(database: "hello_world", collection: "world", int32Key: "_id")
        var message = [UInt8](repeating: 0, count: find.byteCount)
        message.withUnsafeMutableBytes { find.write(requestID: 77, parameter: 4321, to: $0.baseAddress!) }
        let request = try message.withUnsafeBytes { try WireDecoder.decode($0) }
        #expect(request.header.requestID == 77)
        let body = Array(message[21...])
        let document = try #require(body.withUnsafeBufferPointer { bson_new_from_data($0.baseAddress, $0.count) })
        defer { bson_destroy(document) }
        var offset = 0
        #expect(bson_validate(document, BSON_VALIDATE_UTF8, &offset))
        let json = MongocClient.json(document)
        #expect(json["find"] as? String == "world" && json["$db"] as? String == "hello_world")
        #expect((json["filter"] as? [String: Any])?["_id"] as? Int == 4321)
        #expect(json["singleBatch"] as? Bool == true)
    }
}
