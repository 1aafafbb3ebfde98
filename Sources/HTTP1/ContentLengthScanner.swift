// Content-Length values (RFC 9110 §8.6, RFC 9112 §6.3) checked byte by byte across all
// Content-Length field lines of one message.

/// Most digits a Content-Length may have: 16 decimal digits cannot overflow `Int`, and
/// longer values are far beyond anything real and a classic overflow attack.
@usableFromInline let maxContentLengthDigits = 16

/// Accumulates every Content-Length line of a message. Accepts `1*DIGIT` with optional
/// surrounding OWS, and a comma-separated list only if all values are the same (the
/// one leniency RFC 9112 §6.3 allows); everything else (`+5`, `0x5`, `5 5`, `5, 6`,
/// empty, 17+ digits) is invalid.
@usableFromInline
struct ContentLengthScanner: Sendable, Equatable {
    /// The agreed length so far, or -1 before the first complete value.
    @usableFromInline var value: Int = -1
    @usableFromInline var current: Int = 0
    @usableFromInline var digits: Int = 0
    @usableFromInline var sawSpaceAfterDigits = false

    @inlinable init() {}

    /// Feeds one byte of a Content-Length value; false if the value is invalid.
    @inlinable @inline(__always)
    mutating func feed(_ byte: UInt8) -> Bool {
        if let d = decimalValue(byte) {
            if sawSpaceAfterDigits || digits == maxContentLengthDigits { return false }
            current = current &* 10 &+ d
            digits &+= 1
            return true
        }
        if isOWS(byte) {
            if digits > 0 { sawSpaceAfterDigits = true }
            return true
        }
        if byte == asciiComma { return endElement() }
        return false
    }

    /// Ends one list element (at a comma or the end of a field line); false if it was
    /// empty or differs from an earlier one.
    @inlinable
    mutating func endElement() -> Bool {
        defer { current = 0; digits = 0; sawSpaceAfterDigits = false }
        if digits == 0 { return false }
        if value >= 0 && value != current { return false }
        value = current
        return true
    }
}
