#if canImport(Glibc)
import Glibc
#endif

/// A growable byte block that responses are encoded into; one per thread (and one per
/// connection for what a socket did not take at once). Appends never make a String.
public final class OutputBuffer {
    /// Start of the bytes; moves when the buffer grows.
    public private(set) var base: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    public private(set) var count = 0

    /// A buffer of `capacity` bytes to start with; it doubles when an append needs more.
    public init(capacity: Int = 64 * 1024) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The bytes appended so far; valid until the next append.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    public var isEmpty: Bool { count == 0 }
    public func removeAll() { count = 0 }

    /// Drops the first `n` bytes (what a socket took).
    public func removeFirst(_ n: Int) {
        if n >= count { count = 0; return }
        base.copyMemory(from: base + n, byteCount: count &- n)
        count &-= n
    }

    @inline(__always) func ensure(_ extra: Int) {
        if count &+ extra > capacity {
            let newCapacity = max(capacity * 2, count + extra)
            let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            newBase.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }
    }

    @inline(__always) public func append(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        ensure(n)
        (base + count).copyMemory(from: text.utf8Start, byteCount: n)
        count &+= n
    }

    /// Appends a copy of `bytes`.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return }
        ensure(bytes.count)
        (base + count).copyMemory(from: p, byteCount: bytes.count)
        count &+= bytes.count
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// Appends the UTF-8 of `text` (for rare answers only).
    public func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Decimal digits of a non-negative integer.
    @inline(__always) public func appendDecimal(_ value: Int) {
        ensure(20)
        let digits = decimalDigits(value)
        var v = value
        var i = count &+ digits
        repeat {
            i &-= 1
            base.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        } while v > 0
        count &+= digits
    }

    /// Eight lowercase hex digits.
    public func appendHex32(_ value: UInt32) {
        ensure(8)
        let hex: StaticString = "0123456789abcdef"
        for k in 0..<8 {
            let nibble = Int((value >> UInt32(28 - 4 * k)) & 0xF)
            base.storeBytes(of: hex.utf8Start[nibble], toByteOffset: count &+ k, as: UInt8.self)
        }
        count &+= 8
    }
}

/// Number of decimal digits of a non-negative integer.
@inline(__always)
func decimalDigits(_ value: Int) -> Int {
    var digits = 1
    var v = value
    while v >= 10 { v /= 10; digits &+= 1 }
    return digits
}

/// The `Date` header value (IMF-fixdate, 29 bytes), formatted again only when the
/// second changes: one coarse clock read per use, no String. One per thread.
public final class DateCache {
    let bytes = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
    private var second = -1

    public init() { refresh() }
    deinit { bytes.deallocate() }

    /// The current value; call `refresh()` first (cheap when the second did not change).
    public var value: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: 29) }

    /// Re-formats if the wall-clock second moved on (the Date header is wall-clock by definition).
    @inline(__always) public func refresh() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        if now.tv_sec != second { format(now.tv_sec) }
    }

    private func format(_ seconds: Int) {
        second = seconds
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        var i = 0
        func put(_ b: UInt8) { bytes.storeBytes(of: b, toByteOffset: i, as: UInt8.self); i += 1 }
        func put3(_ table: StaticString, _ index: Int) { for k in 0..<3 { put(table.utf8Start[index * 3 + k]) } }
        func put2(_ v: Int32) { put(UInt8(48 + v / 10)); put(UInt8(48 + v % 10)) }
        put3(days, Int(parts.tm_wday)); put(44); put(32)
        put2(parts.tm_mday); put(32)
        put3(months, Int(parts.tm_mon)); put(32)
        let year = parts.tm_year + 1900
        put2(year / 100); put2(year % 100); put(32)
        put2(parts.tm_hour); put(58); put2(parts.tm_min); put(58); put2(parts.tm_sec)
        put(32); put(71); put(77); put(84)
    }
}
