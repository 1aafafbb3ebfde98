internal import CZlib
import Foundation
import Histogram

/// HdrHistogram's V2 binary encoding, plain and compressed, as the Java, C and other
/// HdrHistogram implementations write and read it (and as interval logs carry it in base64).
/// hdrhistogram-swift 0.2.0 has no serialization, so it is done here.
///
/// Layout (big-endian): cookie `0x1c849313`, payload length, normalizing index offset (0),
/// significant digits, lowest discernible value (int64), highest trackable value (int64),
/// integer-to-double conversion ratio (double, 1.0), then the counts array from index 0 up
/// to the maximum's index, each count ZigZag-LEB128 encoded and runs of zeros written as one
/// negative count. The compressed form is cookie `0x1c849314`, the length of the compressed
/// bytes, and the plain form deflated by zlib.
public enum HistogramCodec {
    static let plainCookie: UInt32 = 0x1c84_9313
    static let compressedCookie: UInt32 = 0x1c84_9314
    static let headerBytes = 40

    /// Why bytes could not be decoded into a histogram.
    public enum DecodeError: Error, Equatable {
        case truncated
        case badCookie(UInt32)
        case inflateFailed(Int32)
        case badLayout(String)
    }

    /// The plain V2 encoding of `histogram`.
    public static func encode(_ histogram: Histogram<UInt64>) -> [UInt8] {
        let layout = IndexLayout(histogram)
        var payload: [UInt8] = []
        var next = 0
        for item in histogram.recordedValues() where item.count > 0 {
            let index = layout.index(of: item.value)
            let zeros = index - next
            if zeros == 1 { putZigZag(0, into: &payload) } else if zeros > 1 { putZigZag(-Int64(zeros), into: &payload) }
            putZigZag(Int64(item.count), into: &payload)
            next = index + 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(headerBytes + payload.count)
        put32(plainCookie, into: &out)
        put32(UInt32(payload.count), into: &out)
        put32(0, into: &out)
        put32(UInt32(histogram.numberOfSignificantValueDigits.rawValue), into: &out)
        put64(histogram.lowestDiscernibleValue, into: &out)
        put64(histogram.highestTrackableValue, into: &out)
        put64((1.0 as Double).bitPattern, into: &out)
        return out + payload
    }

    /// The compressed V2 encoding of `histogram` (what `HISTF…` base64 strings hold).
    public static func encodeCompressed(_ histogram: Histogram<UInt64>) -> [UInt8] {
        let plain = encode(histogram)
        var bound = compressBound(uLong(plain.count))
        var deflated = [UInt8](repeating: 0, count: Int(bound))
        let status = plain.withUnsafeBufferPointer { source in
            deflated.withUnsafeMutableBufferPointer { dest in
                compress2(dest.baseAddress, &bound, source.baseAddress, uLong(source.count), Z_DEFAULT_COMPRESSION)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")
        var out: [UInt8] = []
        put32(compressedCookie, into: &out)
        put32(UInt32(bound), into: &out)
        return out + deflated[0..<Int(bound)]
    }

    /// Decodes either encoding.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Histogram<UInt64> {
        guard bytes.count >= 8 else { throw .truncated }
        let cookie = get32(bytes, 0)
        if cookie == compressedCookie {
            let length = Int(get32(bytes, 4))
            guard bytes.count >= 8 + length else { throw .truncated }
            return try decodePlain(try inflate(Array(bytes[8..<(8 + length)])))
        }
        return try decodePlain(bytes)
    }

    /// Decodes the base64 text of an interval log line.
    public static func decode(base64 text: String) throws(DecodeError) -> Histogram<UInt64> {
        guard let data = Data(base64Encoded: text) else { throw .badLayout("not base64") }
        return try decode([UInt8](data))
    }

    private static func decodePlain(_ bytes: [UInt8]) throws(DecodeError) -> Histogram<UInt64> {
        guard bytes.count >= headerBytes else { throw .truncated }
        let cookie = get32(bytes, 0)
        guard cookie == plainCookie else { throw .badCookie(cookie) }
        let payloadLength = Int(get32(bytes, 4))
        guard bytes.count >= headerBytes + payloadLength else { throw .truncated }
        guard get32(bytes, 8) == 0 else { throw .badLayout("normalizing index offset is not supported") }
        guard let digits = SignificantDigits(rawValue: Int8(clamping: get32(bytes, 12))) else {
            throw .badLayout("significant digits out of range")
        }
        let lowest = get64(bytes, 16), highest = get64(bytes, 24)
        guard lowest >= 1, highest >= 2 * lowest else { throw .badLayout("lowest \(lowest), highest \(highest)") }
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: lowest, highestTrackableValue: highest,
                                          numberOfSignificantValueDigits: digits)
        let layout = IndexLayout(histogram)
        var offset = headerBytes
        let end = headerBytes + payloadLength
        var index = 0
        while offset < end {
            let value = try getZigZag(bytes, &offset, end: end)
            if value < 0 {
                index += Int(-value)
            } else {
                if value > 0 {
                    guard histogram.record(layout.value(at: index), count: UInt64(value)) else {
                        throw .badLayout("count at index \(index) is beyond the range")
                    }
                }
                index += 1
            }
        }
        return histogram
    }

    private static func inflate(_ bytes: [UInt8]) throws(DecodeError) -> [UInt8] {
        var capacity = max(1024, bytes.count * 8)
        while capacity <= 1 << 30 {
            var out = [UInt8](repeating: 0, count: capacity)
            var length = uLong(capacity)
            let status = bytes.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { dest in
                    uncompress(dest.baseAddress, &length, source.baseAddress, uLong(source.count))
                }
            }
            if status == Z_OK { return Array(out[0..<Int(length)]) }
            if status != Z_BUF_ERROR { throw .inflateFailed(status) }
            capacity *= 4
        }
        throw .inflateFailed(Z_BUF_ERROR)
    }

    // MARK: - Bytes

    private static func put32(_ v: UInt32, into out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    private static func put64(_ v: UInt64, into out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    private static func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(b[at + $1]) }
    }

    private static func get64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 << 8 | UInt64(b[at + $1]) }
    }

    /// HdrHistogram's ZigZagEncoding: LEB128 of the ZigZag value, at most 9 bytes (the 9th carries 8 bits).
    static func putZigZag(_ value: Int64, into out: inout [UInt8]) {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for _ in 0..<8 {
            if v >> 7 == 0 { out.append(UInt8(v)); return }
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    static func getZigZag(_ b: [UInt8], _ offset: inout Int, end: Int) throws(DecodeError) -> Int64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        for i in 0..<9 {
            guard offset < end else { throw .truncated }
            let byte = b[offset]
            offset += 1
            if i == 8 { v |= UInt64(byte) << 56; break }
            v |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }
}

/// Where a value lives in HdrHistogram's counts array (its `countsArrayIndex`), which
/// hdrhistogram-swift keeps internal; computed as every HdrHistogram implementation does.
struct IndexLayout {
    let unitMagnitude: Int
    let subBucketHalfCountMagnitude: Int
    let subBucketHalfCount: Int
    let subBucketMask: UInt64
    let leadingZeroCountBase: Int

    init(_ histogram: Histogram<UInt64>) {
        let digits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        var largestSingleUnit: UInt64 = 2
        for _ in 0..<digits { largestSingleUnit *= 10 }
        let subBucketCountMagnitude = Int(Double.log2(Double(largestSingleUnit)).rounded(.up))
        subBucketHalfCountMagnitude = max(subBucketCountMagnitude, 1) - 1
        let subBucketCount = 1 << (subBucketHalfCountMagnitude + 1)
        subBucketHalfCount = subBucketCount / 2
        unitMagnitude = UInt64.bitWidth - 1 - histogram.lowestDiscernibleValue.leadingZeroBitCount
        subBucketMask = UInt64(subBucketCount - 1) << UInt64(unitMagnitude)
        leadingZeroCountBase = 64 - unitMagnitude - subBucketHalfCountMagnitude - 1
    }

    func index(of value: UInt64) -> Int {
        let bucket = leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
        let subBucket = Int(value >> UInt64(bucket + unitMagnitude))
        return ((bucket + 1) << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount)
    }

    func value(at index: Int) -> UInt64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return UInt64(subBucket) << UInt64(bucket + unitMagnitude)
    }
}
