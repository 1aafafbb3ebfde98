// Incremental, case-insensitive matching of the handful of header names and list tokens
// the parsers care about, one byte at a time, so no name or value is ever copied into a
// String. A match is a bit set of candidate words still alive plus a position.

/// The words a parser can recognise; the raw value is the bit index in a candidate mask.
@usableFromInline
enum Word: UInt8, Sendable {
    case chunked = 0
    case close = 1
    case keepAlive = 2
    case contentLength = 3
    case transferEncoding = 4
    case connection = 5
    case hundredContinue = 6   // "100-continue", the one Expect value

    /// Lower-case spelling.
    @inlinable var text: StaticString {
        switch self {
        case .chunked: "chunked"
        case .close: "close"
        case .keepAlive: "keep-alive"
        case .contentLength: "content-length"
        case .transferEncoding: "transfer-encoding"
        case .connection: "connection"
        case .hundredContinue: "100-continue"
        }
    }

    /// This word as a one-bit mask.
    @inlinable var bit: UInt16 { 1 << UInt16(rawValue) }
}

/// Candidate mask plus position of an incremental match.
@usableFromInline
struct WordMatch: Sendable, Equatable {
    /// Words still possible after the bytes seen so far.
    @usableFromInline var alive: UInt16
    /// Bytes seen so far.
    @usableFromInline var position: Int

    @inlinable init(_ candidates: UInt16) {
        alive = candidates
        position = 0
    }

    /// Feeds one byte of the word; a byte that fits none of the candidates empties the mask.
    @inlinable @inline(__always)
    mutating func feed(_ byte: UInt8) {
        if alive == 0 { return }   // the common case: an uninteresting name
        let lower = asciiLower(byte)
        var rest = alive
        while rest != 0 {
            let k = UInt16(rest.trailingZeroBitCount)
            rest &= rest &- 1
            let text = Word(rawValue: UInt8(k)).unsafelyUnwrapped.text
            if position >= text.utf8CodeUnitCount || text.utf8Start[position] != lower {
                alive &= ~(1 << k)
            }
        }
        position &+= 1
    }

    /// The word matched exactly by all bytes fed, if any.
    @inlinable var matched: Word? {
        var rest = alive
        while rest != 0 {
            let k = UInt8(rest.trailingZeroBitCount)
            rest &= rest &- 1
            let word = Word(rawValue: k).unsafelyUnwrapped
            if word.text.utf8CodeUnitCount == position { return word }
        }
        return nil
    }
}

/// How one element of a comma-separated header value ended.
@usableFromInline
enum ListElement: Equatable, Sendable {
    /// Only whitespace (or nothing) between commas; RFC 9110 §5.6.1 says to ignore it.
    case empty
    /// Exactly one of the candidate words, any case, with optional surrounding OWS.
    case word(Word)
    /// Anything else, including parameters (`gzip;q=1`) or two words (`chunked chunked`).
    case other
}

/// Splits a comma-separated header value (`Connection`, `Transfer-Encoding`, `Expect`)
/// into elements byte by byte and recognises the candidate words among them.
@usableFromInline
struct ListScanner: Sendable, Equatable {
    @usableFromInline var candidates: UInt16
    @usableFromInline var match: WordMatch
    @usableFromInline var nonEmpty: Bool
    @usableFromInline var sawSpaceAfterToken: Bool

    @inlinable init(_ candidates: UInt16) {
        self.candidates = candidates
        match = WordMatch(candidates)
        nonEmpty = false
        sawSpaceAfterToken = false
    }

    /// Feeds one byte of the value (the caller has already rejected CTLs); returns the
    /// element a comma just ended, or nil.
    @inlinable @inline(__always)
    mutating func feed(_ byte: UInt8) -> ListElement? {
        if byte == asciiComma { return end() }
        if isOWS(byte) {
            if nonEmpty { sawSpaceAfterToken = true }
            return nil
        }
        if sawSpaceAfterToken { match.alive = 0 }   // a second word in one element
        nonEmpty = true
        match.feed(byte)
        return nil
    }

    /// Ends the current element (at a comma or the end of the value) and starts the next.
    @inlinable
    mutating func end() -> ListElement {
        let result: ListElement
        if !nonEmpty {
            result = .empty
        } else if let word = match.matched {
            result = .word(word)
        } else {
            result = .other
        }
        self = ListScanner(candidates)
        return result
    }
}
