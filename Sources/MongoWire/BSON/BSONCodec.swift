/// Why a byte sequence is not a valid BSON document.
public struct BSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid BSON: \(reason)" }
}

/// Decodes BSON documents with every length checked against the bytes at hand, so a
/// malformed or hostile message is an error, never a crash.
public enum BSONDecoder {
    /// Nesting deeper than this is refused (mongod allows 100 levels of user data too).
    static let maxDepth = 100

    /// Decodes the document that fills `bytes` exactly.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(BSONError) -> BSONDocument {
        var reader = Reader(bytes: bytes, offset: 0)
        let document = try reader.document(depth: 0)
        guard reader.offset == bytes.count else { throw BSONError("trailing bytes after document") }
        return document
    }

    /// Decodes the document in `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(BSONError) -> BSONDocument {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(BSONError) in try decode(raw) } }
        return try result.get()
    }

    /// The declared length of the document starting at `offset`, after checking it fits.
    static func documentLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(BSONError) -> Int {
        guard offset + 5 <= bytes.count else { throw BSONError("truncated document") }
        let length = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        guard length >= 5, offset + length <= bytes.count else { throw BSONError("document length \(length) out of bounds") }
        return length
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset: Int

        mutating func need(_ count: Int) throws(BSONError) {
            guard count >= 0, offset + count <= bytes.count else { throw BSONError("truncated value") }
        }

        mutating func byte() throws(BSONError) -> UInt8 {
            try need(1)
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func int32() throws(BSONError) -> Int32 {
            try need(4)
            defer { offset += 4 }
            return Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        }

        mutating func int64() throws(BSONError) -> Int64 {
            try need(8)
            defer { offset += 8 }
            return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        }

        mutating func raw(_ count: Int) throws(BSONError) -> [UInt8] {
            try need(count)
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func cString() throws(BSONError) -> String {
            var end = offset
            while end < bytes.count, bytes[end] != 0 { end += 1 }
            guard end < bytes.count else { throw BSONError("unterminated key") }
            let text = try utf8(offset..<end)
            offset = end + 1
            return text
        }

        func utf8(_ range: Range<Int>) throws(BSONError) -> String {
            guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
                throw BSONError("invalid UTF-8")
            }
            return text
        }

        mutating func string() throws(BSONError) -> String {
            let length = Int(try int32())
            guard length >= 1 else { throw BSONError("string length \(length)") }
            try need(length)
            guard bytes[offset + length - 1] == 0 else { throw BSONError("string not NUL-terminated") }
            let text = try utf8(offset..<offset + length - 1)
            offset += length
            return text
        }

        mutating func document(depth: Int) throws(BSONError) -> BSONDocument {
            guard depth <= BSONDecoder.maxDepth else { throw BSONError("nested too deeply") }
            let start = offset
            let length = try BSONDecoder.documentLength(bytes, at: offset)
            let end = start + length
            offset += 4
            var document = BSONDocument()
            while true {
                guard offset < end else { throw BSONError("document runs past its length") }
                let type = bytes[offset]
                offset += 1
                if type == 0 { break }
                let key = try cString()
                let value = try self.value(type: type, depth: depth)
                guard offset <= end else { throw BSONError("element runs past its document") }
                document.append(key, value)
            }
            guard offset == end else { throw BSONError("document length mismatch") }
            return document
        }

        mutating func value(type: UInt8, depth: Int) throws(BSONError) -> BSONValue {
            switch type {
            case 0x01: return .double(Double(bitPattern: UInt64(bitPattern: try int64())))
            case 0x02: return .string(try string())
            case 0x03: return .document(try document(depth: depth + 1))
            case 0x04: return .array(try document(depth: depth + 1).elements.map(\.value))
            case 0x05:
                let length = Int(try int32())
                guard length >= 0 else { throw BSONError("binary length \(length)") }
                let subtype = try byte()
                return .binary(subtype: subtype, bytes: try raw(length))
            case 0x06: return .undefined
            case 0x07: return .objectId(ObjectID(bytes: try raw(12)))
            case 0x08:
                switch try byte() {
                case 0: return .bool(false)
                case 1: return .bool(true)
                default: throw BSONError("boolean byte not 0 or 1")
                }
            case 0x09: return .datetime(try int64())
            case 0x0A: return .null
            case 0x0B: return .regex(pattern: try cString(), options: try cString())
            case 0x10: return .int32(try int32())
            case 0x11: return .timestamp(UInt64(bitPattern: try int64()))
            case 0x12: return .int64(try int64())
            case 0x13: return .decimal128(try raw(16))
            case 0xFF: return .minKey
            case 0x7F: return .maxKey
            default: throw BSONError("unsupported element type 0x\(String(type, radix: 16))")
            }
        }
    }
}

/// Encodes BSON documents by appending to a byte array (one buffer per reply).
public enum BSONEncoder {
    /// The document as BSON bytes.
    public static func encode(_ document: BSONDocument) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(document, to: &out)
        return out
    }

    /// Appends `document` to `out`.
    public static func append(_ document: BSONDocument, to out: inout [UInt8]) {
        let start = out.count
        appendInt32(0, to: &out)
        for element in document.elements {
            appendElement(element.key, element.value, to: &out)
        }
        out.append(0)
        patchLength(at: start, in: &out)
    }

    static func appendArray(_ values: [BSONValue], to out: inout [UInt8]) {
        let start = out.count
        appendInt32(0, to: &out)
        for (index, value) in values.enumerated() {
            appendElement(String(index), value, to: &out)
        }
        out.append(0)
        patchLength(at: start, in: &out)
    }

    static func appendElement(_ key: String, _ value: BSONValue, to out: inout [UInt8]) {
        out.append(value.typeByte)
        appendCString(key, to: &out)
        switch value {
        case .double(let v): appendInt64(Int64(bitPattern: v.bitPattern), to: &out)
        case .string(let s):
            appendInt32(Int32(s.utf8.count + 1), to: &out)
            out.append(contentsOf: s.utf8)
            out.append(0)
        case .document(let d): append(d, to: &out)
        case .array(let a): appendArray(a, to: &out)
        case .binary(let subtype, let bytes):
            appendInt32(Int32(bytes.count), to: &out)
            out.append(subtype)
            out.append(contentsOf: bytes)
        case .undefined, .null, .minKey, .maxKey: break
        case .objectId(let id): out.append(contentsOf: id.array)
        case .bool(let b): out.append(b ? 1 : 0)
        case .datetime(let v): appendInt64(v, to: &out)
        case .regex(let pattern, let options):
            appendCString(pattern, to: &out)
            appendCString(options, to: &out)
        case .int32(let v): appendInt32(v, to: &out)
        case .timestamp(let v): appendInt64(Int64(bitPattern: v), to: &out)
        case .int64(let v): appendInt64(v, to: &out)
        case .decimal128(let bytes): out.append(contentsOf: bytes)
        }
    }

    static func appendCString(_ s: String, to out: inout [UInt8]) {
        // A key cannot hold NUL; cut it there as libbson would refuse it.
        out.append(contentsOf: s.utf8.prefix { $0 != 0 })
        out.append(0)
    }

    @inline(__always)
    static func appendInt32(_ v: Int32, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendInt64(_ v: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func patchLength(at start: Int, in out: inout [UInt8]) {
        let length = Int32(out.count - start).littleEndian
        withUnsafeBytes(of: length) { bytes in
            for i in 0..<4 { out[start + i] = bytes[i] }
        }
    }
}
