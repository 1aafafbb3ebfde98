/// A read-only view of one BSON document in bytes someone else owns: finds elements by key
/// without decoding the document, allocating or building Strings (the client's reply path).
/// Every length is checked against the bytes at hand, so a malformed reply is an error.
public struct BSONView {
    /// The document's bytes, exactly (length prefix to trailing NUL).
    public let bytes: UnsafeRawBufferPointer

    /// Views `bytes`, which must hold exactly one document (its outer frame is checked).
    public init(_ bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= 5 else { throw WireError("document shorter than 5 bytes") }
        let length = Int(Int32(littleEndian: bytes.loadUnaligned(as: Int32.self)))
        guard length == bytes.count, bytes[length - 1] == 0 else { throw WireError("document length disagrees with its bytes") }
        self.bytes = bytes
    }

    /// One element: its type byte and the bytes of its value.
    public struct Element {
        public let type: UInt8
        public let value: UnsafeRawBufferPointer

        /// The value as an integer (int32, int64, or a whole double), else nil.
        public var integer: Int64? {
            switch type {
            case 0x10: return Int64(Int32(littleEndian: value.loadUnaligned(as: Int32.self)))
            case 0x12: return Int64(littleEndian: value.loadUnaligned(as: Int64.self))
            case 0x01:
                let d = Double(bitPattern: UInt64(littleEndian: value.loadUnaligned(as: UInt64.self)))
                return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
            default: return nil
            }
        }

        /// A string's UTF-8 bytes (without the NUL), else nil.
        public var utf8: UnsafeRawBufferPointer? {
            guard type == 0x02 else { return nil }
            return UnsafeRawBufferPointer(rebasing: value[4..<(value.count - 1)])
        }

        /// An embedded document or array as a view, else nil.
        public var document: BSONView? {
            guard type == 0x03 || type == 0x04 else { return nil }
            return try? BSONView(value)
        }
    }

    /// The first element named `key`, or nil; throws when the bytes up to it are malformed.
    public func element(_ key: StaticString) throws(WireError) -> Element? {
        var offset = 4
        let end = bytes.count - 1
        while offset < end {
            let type = bytes[offset]
            let keyStart = offset + 1
            var keyEnd = keyStart
            while keyEnd < end, bytes[keyEnd] != 0 { keyEnd += 1 }
            guard keyEnd < end else { throw WireError("element key unterminated") }
            let valueStart = keyEnd + 1
            let size = try Self.valueSize(type, bytes, at: valueStart, end: end)
            if Self.keyMatches(bytes, keyStart..<keyEnd, key) {
                return Element(type: type, value: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<(valueStart + size)]))
            }
            offset = valueStart + size
        }
        guard offset == end else { throw WireError("element runs past its document") }
        return nil
    }

    /// The first element of the document (of an array: element "0"), or nil when empty.
    public func first() throws(WireError) -> Element? {
        let end = bytes.count - 1
        guard 4 < end else { return nil }
        let type = bytes[4]
        var keyEnd = 5
        while keyEnd < end, bytes[keyEnd] != 0 { keyEnd += 1 }
        guard keyEnd < end else { throw WireError("element key unterminated") }
        let size = try Self.valueSize(type, bytes, at: keyEnd + 1, end: end)
        return Element(type: type, value: UnsafeRawBufferPointer(rebasing: bytes[(keyEnd + 1)..<(keyEnd + 1 + size)]))
    }

    @inline(__always)
    static func keyMatches(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ key: StaticString) -> Bool {
        guard range.count == key.utf8CodeUnitCount else { return false }
        let p = key.utf8Start
        for i in 0..<range.count where b[range.lowerBound + i] != p[i] { return false }
        return true
    }

    /// The size of the value of `type` starting at `start`, checked to end before `end`.
    static func valueSize(_ type: UInt8, _ b: UnsafeRawBufferPointer, at start: Int, end: Int) throws(WireError) -> Int {
        func int32(_ at: Int) throws(WireError) -> Int {
            guard at + 4 <= end else { throw WireError("value truncated") }
            return Int(Int32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: Int32.self)))
        }
        func cStringEnd(_ at: Int) throws(WireError) -> Int {
            var k = at
            while k < end, b[k] != 0 { k += 1 }
            guard k < end else { throw WireError("cstring unterminated") }
            return k + 1
        }
        let size: Int
        switch type {
        case 0x01, 0x09, 0x11, 0x12: size = 8
        case 0x02, 0x0D, 0x0E:
            let n = try int32(start)
            guard n >= 1, start + 4 + n <= end, b[start + 4 + n - 1] == 0 else { throw WireError("string length out of bounds") }
            size = 4 + n
        case 0x03, 0x04, 0x0F:
            size = try int32(start)
            guard size >= 5, start + size <= end, b[start + size - 1] == 0 else { throw WireError("document length out of bounds") }
        case 0x05:
            let n = try int32(start)
            guard n >= 0 else { throw WireError("binary length out of bounds") }
            size = 5 + n
        case 0x06, 0x0A, 0xFF, 0x7F: size = 0
        case 0x07: size = 12
        case 0x08: size = 1
        case 0x0B: size = try cStringEnd(try cStringEnd(start)) - start
        case 0x0C:
            let n = try int32(start)
            guard n >= 1 else { throw WireError("string length out of bounds") }
            size = 4 + n + 12
        case 0x10: size = 4
        case 0x13: size = 16
        default: throw WireError("unknown element type")
        }
        guard start + size <= end else { throw WireError("value runs past its document") }
        return size
    }
}
