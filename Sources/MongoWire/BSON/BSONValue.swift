/// One BSON value. The server manipulates documents (matching, projection, sort, `$set`,
/// `$inc`, upsert), which a Swift value type makes short and safe; the codec is checked
/// against libbson in the tests.
public enum BSONValue: Sendable, Equatable {
    case double(Double)
    case string(String)
    case document(BSONDocument)
    case array([BSONValue])
    case binary(subtype: UInt8, bytes: [UInt8])
    case undefined
    case objectId(ObjectID)
    case bool(Bool)
    case datetime(Int64)
    case null
    case regex(pattern: String, options: String)
    case int32(Int32)
    case timestamp(UInt64)
    case int64(Int64)
    case decimal128([UInt8])
    case minKey
    case maxKey

    /// The BSON element type byte.
    public var typeByte: UInt8 {
        switch self {
        case .double: 0x01
        case .string: 0x02
        case .document: 0x03
        case .array: 0x04
        case .binary: 0x05
        case .undefined: 0x06
        case .objectId: 0x07
        case .bool: 0x08
        case .datetime: 0x09
        case .null: 0x0A
        case .regex: 0x0B
        case .int32: 0x10
        case .timestamp: 0x11
        case .int64: 0x12
        case .decimal128: 0x13
        case .minKey: 0xFF
        case .maxKey: 0x7F
        }
    }

    /// The value as an integer when it is a whole number of any numeric type.
    public var integerValue: Int64? {
        switch self {
        case .int32(let v): Int64(v)
        case .int64(let v): v
        case .double(let v) where v.rounded() == v && abs(v) < 9.2e18: Int64(v)
        default: nil
        }
    }

    /// The value as a Double when it is numeric.
    public var numberValue: Double? {
        switch self {
        case .int32(let v): Double(v)
        case .int64(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    /// Whether the value counts as true where mongod reads a flag (`upsert: 1`, `multi: true`).
    public var isTruthy: Bool {
        switch self {
        case .bool(let b): b
        case .null, .undefined: false
        default: numberValue.map { $0 != 0 } ?? true
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var documentValue: BSONDocument? {
        if case .document(let d) = self { return d }
        return nil
    }

    public var arrayValue: [BSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}

/// A 12-byte ObjectId.
public struct ObjectID: Sendable, Hashable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 12)
        self.bytes = (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
                      bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11])
    }

    public var array: [UInt8] { withUnsafeBytes(of: bytes) { Array($0) } }

    public static func == (a: ObjectID, b: ObjectID) -> Bool { a.array == b.array }
    public func hash(into hasher: inout Hasher) { hasher.combine(array) }

    public var description: String {
        array.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }
}

/// A BSON document: keys in order (order matters: a command's name is its first key).
public struct BSONDocument: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var elements: [(key: String, value: BSONValue)]

    public init() { elements = [] }
    public init(_ elements: [(key: String, value: BSONValue)]) { self.elements = elements }
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.elements = elements.map { (key: $0.0, value: $0.1) }
    }

    public static func == (a: BSONDocument, b: BSONDocument) -> Bool {
        a.elements.count == b.elements.count
            && zip(a.elements, b.elements).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The first value under `key`, or nil.
    public subscript(key: String) -> BSONValue? {
        get { elements.first { $0.key == key }?.value }
        set {
            if let index = elements.firstIndex(where: { $0.key == key }) {
                if let newValue { elements[index].value = newValue } else { elements.remove(at: index) }
            } else if let newValue {
                elements.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { elements.map(\.key) }
    public var isEmpty: Bool { elements.isEmpty }

    /// Appends without looking for an existing key (building replies).
    public mutating func append(_ key: String, _ value: BSONValue) {
        elements.append((key: key, value: value))
    }
}
