// Comparing bytes in a buffer with a literal without making a String, including the
// case-insensitive compare used for header names several times per message.

/// Whether `bytes[range]` is exactly `text`.
@inlinable
func bytesEqual(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
    guard range.count == text.utf8CodeUnitCount else { return false }
    let t = text.utf8Start
    for k in 0..<range.count where bytes[range.lowerBound &+ k] != t[k] { return false }
    return true
}

/// Whether `bytes[range]` is `text` in any ASCII case.
@inlinable
func bytesEqualIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
    guard range.count == text.utf8CodeUnitCount else { return false }
    let t = text.utf8Start
    for k in 0..<range.count where asciiLower(bytes[range.lowerBound &+ k]) != asciiLower(t[k]) { return false }
    return true
}

/// Whether `bytes[range]` is `lowercase` in any case, eight bytes at a time.
///
/// Setting bit 0x20 is an exact case fold here because of the preconditions: `lowercase`
/// holds only lower-case letters, digits and `-`, and `bytes[range]` holds no control
/// characters but HTAB (true of tokens and field values). The only other bytes that
/// fold onto those characters are controls (0x0D → `-`, 0x10-0x19 → digits).
@inlinable
func foldedEquals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
    let count = range.count
    guard count == lowercase.utf8CodeUnitCount else { return false }
    let text = UnsafeRawPointer(lowercase.utf8Start)
    let start = range.lowerBound
    if count < 8 {
        for k in 0..<count where bytes[start &+ k] | 0x20 != text.load(fromByteOffset: k, as: UInt8.self) {
            return false
        }
        return true
    }
    let fold: UInt64 = 0x2020_2020_2020_2020
    var k = 0
    while true {
        // The last word overlaps the one before it rather than reading past the end.
        let offset = min(k, count &- 8)
        let word = bytes.loadUnaligned(fromByteOffset: start &+ offset, as: UInt64.self) | fold
        if word != text.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
        k &+= 8
        if k >= count { return true }
    }
}
