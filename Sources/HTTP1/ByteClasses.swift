// Character classes of RFC 9110 / RFC 9112 as branch-light bit tests, so the parsers
// classify a byte without tables that need lazy global initialisation.

@usableFromInline let asciiCR: UInt8 = 0x0D
@usableFromInline let asciiLF: UInt8 = 0x0A
@usableFromInline let asciiSP: UInt8 = 0x20
@usableFromInline let asciiHTAB: UInt8 = 0x09
@usableFromInline let asciiColon: UInt8 = 0x3A
@usableFromInline let asciiComma: UInt8 = 0x2C
@usableFromInline let asciiSemicolon: UInt8 = 0x3B
@usableFromInline let asciiEquals: UInt8 = 0x3D
@usableFromInline let asciiQuote: UInt8 = 0x22
@usableFromInline let asciiBackslash: UInt8 = 0x5C

/// tchar of RFC 9110 §5.6.2 for bytes 0..<64 and 64..<128 (bit n set: byte n is a tchar).
@usableFromInline let tcharMaskLow: UInt64 = 0x03ff_6cfa_0000_0000
@usableFromInline let tcharMaskHigh: UInt64 = 0x57ff_ffff_c7ff_fffe

/// Whether `b` may appear in a token (method, header name, transfer coding).
@inlinable @inline(__always)
func isTokenChar(_ b: UInt8) -> Bool {
    if b < 64 { return (tcharMaskLow >> UInt64(b)) & 1 != 0 }
    if b < 128 { return (tcharMaskHigh >> UInt64(b &- 64)) & 1 != 0 }
    return false
}

/// Whether `b` may appear inside a field value or reason phrase: VCHAR, obs-text, SP or HTAB
/// (RFC 9110 §5.5). Everything else, notably NUL, CR, LF and DEL, is not.
@inlinable @inline(__always)
func isFieldByte(_ b: UInt8) -> Bool {
    (b >= 0x20 && b != 0x7F) || b == asciiHTAB
}

/// Whether `b` is SP or HTAB (OWS, RFC 9110 §5.6.3).
@inlinable @inline(__always)
func isOWS(_ b: UInt8) -> Bool {
    b == asciiSP || b == asciiHTAB
}

/// ASCII lower-casing of one byte; other bytes are unchanged.
@inlinable @inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}

/// The value of a decimal digit, or nil.
@inlinable @inline(__always)
func decimalValue(_ b: UInt8) -> Int? {
    let d = b &- 0x30
    return d < 10 ? Int(d) : nil
}

/// The value of a hexadecimal digit (either case), or nil.
@inlinable @inline(__always)
func hexValue(_ b: UInt8) -> Int? {
    let d = b &- 0x30
    if d < 10 { return Int(d) }
    let l = (b | 0x20) &- 0x61
    return l < 6 ? Int(l) + 10 : nil
}

/// Bytes of `uri-host [":" port]` (RFC 3986: unreserved, sub-delims, pct-encoded, and the
/// brackets and colons of IP literals) for bytes 0..<64 and 64..<128.
@usableFromInline let hostMaskLow: UInt64 = 0x2fff_7ff2_0000_0000
@usableFromInline let hostMaskHigh: UInt64 = 0x47ff_fffe_afff_fffe

/// Whether `b` may appear in a Host value or an authority.
@inlinable @inline(__always)
func isHostChar(_ b: UInt8) -> Bool {
    if b < 64 { return (hostMaskLow >> UInt64(b)) & 1 != 0 }
    if b < 128 { return (hostMaskHigh >> UInt64(b &- 64)) & 1 != 0 }
    return false
}
