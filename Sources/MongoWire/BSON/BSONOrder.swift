/// mongod's comparison of values across types: numbers compare by value whatever their
/// BSON type, and different kinds order as MinKey < null < numbers < strings < documents
/// < arrays < binary < ObjectId < bool < date < timestamp < regex < MaxKey.
enum BSONOrder {
    static func rank(_ value: BSONValue) -> Int {
        switch value {
        case .minKey: 0
        case .null, .undefined: 1
        case .double, .int32, .int64, .decimal128: 2
        case .string: 3
        case .document: 4
        case .array: 5
        case .binary: 6
        case .objectId: 7
        case .bool: 8
        case .datetime: 9
        case .timestamp: 10
        case .regex: 11
        case .maxKey: 12
        }
    }

    /// -1, 0 or 1.
    static func compare(_ a: BSONValue, _ b: BSONValue) -> Int {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.int64(let x), .int64(let y)): return sign(x, y)
        case (.int32(let x), .int32(let y)): return sign(x, y)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.document(let x), .document(let y)): return compareElements(x.elements.map { ($0.key, $0.value) }, y.elements.map { ($0.key, $0.value) })
        case (.array(let x), .array(let y)):
            for (u, v) in zip(x, y) { let c = compare(u, v); if c != 0 { return c } }
            return sign(x.count, y.count)
        case (.binary(let s1, let x), .binary(let s2, let y)):
            if x.count != y.count { return sign(x.count, y.count) }
            if s1 != s2 { return sign(s1, s2) }
            return bytes(x, y)
        case (.objectId(let x), .objectId(let y)): return bytes(x.array, y.array)
        case (.bool(let x), .bool(let y)): return sign(x ? 1 : 0, y ? 1 : 0)
        case (.datetime(let x), .datetime(let y)): return sign(x, y)
        case (.timestamp(let x), .timestamp(let y)): return sign(x, y)
        case (.regex(let p1, let o1), .regex(let p2, let o2)): return p1 == p2 ? (o1 == o2 ? 0 : (o1 < o2 ? -1 : 1)) : (p1 < p2 ? -1 : 1)
        default:
            // Numbers of mixed types (and decimal128, compared by its bytes as a fallback).
            if let x = a.numberValue, let y = b.numberValue { return x < y ? -1 : (x > y ? 1 : 0) }
            if case .decimal128(let x) = a, case .decimal128(let y) = b { return bytes(x, y) }
            return 0
        }
    }

    static func equal(_ a: BSONValue, _ b: BSONValue) -> Bool { compare(a, b) == 0 }

    private static func compareElements(_ x: [(String, BSONValue)], _ y: [(String, BSONValue)]) -> Int {
        for (u, v) in zip(x, y) {
            let c = compare(u.1, v.1)
            if c != 0 { return c }
            if u.0 != v.0 { return u.0 < v.0 ? -1 : 1 }
        }
        return sign(x.count, y.count)
    }

    private static func bytes(_ x: [UInt8], _ y: [UInt8]) -> Int {
        x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
    }

    private static func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
}
