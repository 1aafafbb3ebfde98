import Foundation
import Metrics
import Testing

struct JSONValueTests {
    /// Every kind of JSON value reads back as what was written.
    @Test(arguments: [
        JSONValue.null, true, 42, -7, 9_007_199_254_740_993, 0.25, "slow", [1, "two", nil],
        ["loopLagMicros": ["p99": 1250, "max": 20000.5], "slowCallbacks": [["route": "/cpu", "ms": 123]]],
    ] as [JSONValue])
    func roundTrips(value: JSONValue) throws {
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    /// Whole doubles come back as integers, since JSON has one number type.
    @Test func wholeDoublesReadAsIntegers() throws {
        let data = try JSONEncoder().encode(JSONValue.double(3.0))
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == .integer(3))
    }

    /// Arbitrary JSON from a server is accepted as is.
    @Test func parsesForeignJSON() throws {
        let json = #"{"a":[1,2.5,"x",false,null,{"b":{}}]}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(value == ["a": [1, 2.5, "x", false, nil, ["b": [:]]]])
    }
}
