// The status line and header section of a response, one byte-level state machine. Only
// Content-Length, Transfer-Encoding and Connection are looked at; every other line is
// validated and skipped in a tight loop.

extension ResponseParser {
    /// Header names the parser needs, as a candidate mask for `WordMatch`.
    @usableFromInline static var interestingNames: UInt16 {
        Word.contentLength.bit | Word.transferEncoding.bit | Word.connection.bit
    }

    /// Parses head bytes from `i` on, stopping after the empty line that ends the header
    /// section (`.done`, `i` just past it), at the end of `bytes`, or at the size limit.
    @inlinable
    mutating func parseHead(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> HeadOutcome {
        let n = bytes.count
        let start = i
        // Checking the size once per call instead of once per byte: stop at the limit.
        let limit = min(n, start &+ max(0, maxHeaderBytes &- m.headBytes))
        defer { m.headBytes &+= i &- start }
        while i < limit {
            var b = bytes[i]
            switch state {
            case .start, .startAfterInterim:
                // Fast path: the whole "HTTP/1.x NNN" is here, as it nearly always is.
                if limit &- i >= 12, let status = ResponseParser.statusLinePrefix(bytes, i) {
                    m.minorVersion = Int(bytes[i &+ 7] &- 0x30)
                    m.status = status
                    state = .afterStatusCode
                    i &+= 12
                    continue
                }
                guard b == UInt8(ascii: "H") else { return .error(.invalidStatusLine) }
                state = .version
                m.position = 1
            case .version:
                // "HTTP/1.x": bytes 0...4 must be "HTTP/", then "1", ".", one digit.
                let p = m.position
                if p < 5 {
                    let literal: StaticString = "HTTP/"
                    guard b == literal.utf8Start[p] else { return .error(.invalidStatusLine) }
                } else if p == 5 {
                    guard b == UInt8(ascii: "1") else { return .error(.invalidVersion) }
                } else if p == 6 {
                    guard b == UInt8(ascii: ".") else { return .error(.invalidVersion) }
                } else {
                    guard let minor = decimalValue(b) else { return .error(.invalidVersion) }
                    m.minorVersion = minor
                    state = .statusSpace
                }
                m.position = p &+ 1
            case .statusSpace:
                guard b == asciiSP else { return .error(.invalidStatusLine) }
                state = .statusCode
                m.position = 0
            case .statusCode:
                guard let d = decimalValue(b), m.position > 0 || d > 0 else { return .error(.invalidStatusLine) }
                m.status = m.status &* 10 &+ d
                m.position &+= 1
                if m.position == 3 { state = .afterStatusCode }
            case .afterStatusCode:
                // The reason phrase is optional, and so (in practice) is the space before it.
                if b == asciiSP { state = .reason }
                else if b == asciiCR { state = .statusLF }
                else if b == asciiLF { state = .lineStart }
                else { return .error(.invalidStatusLine) }
            case .reason:
                while isFieldByte(b) {
                    i &+= 1
                    if i == limit { break }
                    b = bytes[i]
                }
                if i == limit { continue }
                if b == asciiCR {
                    if i &+ 1 < limit && bytes[i &+ 1] == asciiLF {
                        i &+= 2
                        state = .lineStart
                        continue
                    }
                    state = .statusLF
                }
                else if b == asciiLF { state = .lineStart }
                else { return .error(.invalidStatusLine) }
            case .statusLF:
                guard b == asciiLF else { return .error(.invalidStatusLine) }
                state = .lineStart
            case .lineStart:
                if isOWS(b) {
                    // obs-fold: RFC 9112 §5.2 has a user agent read it as SP in the value.
                    guard m.sawHeaderLine else { return .error(.invalidHeader) }
                    state = .value
                    continue
                }
                if let error = endField() { return .error(error) }
                if isTokenChar(b) {
                    m.sawHeaderLine = true
                    // Fast path: the whole name and its colon are in this read.
                    var j = i &+ 1
                    while j < limit && isTokenChar(bytes[j]) { j &+= 1 }
                    if j < limit && bytes[j] == asciiColon {
                        startField(ResponseParser.interestingName(bytes, i, j))
                        state = .value
                        i = j &+ 1
                        continue
                    }
                    m.name = WordMatch(ResponseParser.interestingNames)
                    m.name.feed(b)
                    state = .name
                } else if b == asciiCR {
                    state = .headLF
                } else if b == asciiLF {
                    i &+= 1
                    return .done
                } else {
                    return .error(.invalidHeader)
                }
            case .name:
                // Match while some interesting name is possible, then just skip.
                while m.name.alive != 0 && isTokenChar(b) {
                    m.name.feed(b)
                    i &+= 1
                    if i == limit { break }
                    b = bytes[i]
                }
                if i == limit { continue }
                while isTokenChar(b) {
                    i &+= 1
                    if i == limit { break }
                    b = bytes[i]
                }
                if i == limit { continue }
                guard b == asciiColon else { return .error(.invalidHeader) }
                startField(m.name.matched)
                state = .value
            case .value:
                if m.field == .other {
                    while isFieldByte(b) {
                        i &+= 1
                        if i == limit { break }
                        b = bytes[i]
                    }
                } else if m.field == .contentLength {
                    while isFieldByte(b) {
                        if !m.contentLength.feed(b) { return .error(.invalidContentLength) }
                        i &+= 1
                        if i == limit { break }
                        b = bytes[i]
                    }
                } else {
                    while isFieldByte(b) {
                        if let element = m.list.feed(b) { noteElement(element) }
                        i &+= 1
                        if i == limit { break }
                        b = bytes[i]
                    }
                }
                if i == limit { continue }
                if b == asciiCR {
                    if i &+ 1 < limit && bytes[i &+ 1] == asciiLF {
                        i &+= 2
                        state = .lineStart
                        continue
                    }
                    state = .valueLF
                }
                else if b == asciiLF { state = .lineStart }
                else { return .error(.invalidHeader) }
            case .valueLF:
                guard b == asciiLF else { return .error(.invalidHeader) }
                state = .lineStart
            case .headLF:
                guard b == asciiLF else { return .error(.invalidHeader) }
                i &+= 1
                return .done
            case .bodyLength, .bodyChunked, .bodyUntilClose, .failed:
                preconditionFailure("parseHead called outside the header section")
            }
            i &+= 1
        }
        return i < n ? .error(.headerTooLarge) : .needMore
    }

    /// The status code if `bytes[i...]` starts with `HTTP/1.<digit> <3 digits>` (status
    /// not starting with 0), else nil and the byte-by-byte path decides.
    @inlinable
    static func statusLinePrefix(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        // "HTTP/1." as one little-endian load; the byte loads are unaligned-safe.
        let expected: UInt64 = 0x002E_312F_5054_5448   // "HTTP/1." in bytes 0...6
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & 0x00FF_FFFF_FFFF_FFFF
        guard word == expected, decimalValue(bytes[i &+ 7]) != nil, bytes[i &+ 8] == asciiSP,
              let d0 = decimalValue(bytes[i &+ 9]), d0 > 0,
              let d1 = decimalValue(bytes[i &+ 10]), let d2 = decimalValue(bytes[i &+ 11]) else { return nil }
        return d0 &* 100 &+ d1 &* 10 &+ d2
    }

    /// Which interesting header `bytes[start..<end]` (all tchar) names, if any: the
    /// length rules out nearly every other name before a byte is compared.
    @inlinable
    static func interestingName(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Word? {
        switch end &- start {
        case 14: return foldedEquals(bytes, start..<end, "content-length") ? .contentLength : nil
        case 17: return foldedEquals(bytes, start..<end, "transfer-encoding") ? .transferEncoding : nil
        case 10: return foldedEquals(bytes, start..<end, "connection") ? .connection : nil
        default: return nil
        }
    }

    /// Starts reading the value of a header whose name matched `word` (or nothing).
    @inlinable
    mutating func startField(_ word: Word?) {
        switch word {
        case .contentLength:
            m.field = .contentLength
        case .transferEncoding:
            m.field = .transferEncoding
            m.hasTransferEncoding = true
            m.list = ListScanner(Word.chunked.bit)
        case .connection:
            m.field = .connection
            m.list = ListScanner(Word.close.bit | Word.keepAlive.bit)
        default:
            m.field = .other
        }
    }

    /// Ends the value of the previous header line; called when the next line starts and
    /// is not a fold, because a fold would still belong to this value.
    @inlinable
    mutating func endField() -> HTTPParseError? {
        defer { m.field = .other }
        switch m.field {
        case .other:
            return nil
        case .contentLength:
            return m.contentLength.endElement() ? nil : .invalidContentLength
        case .transferEncoding, .connection:
            noteElement(m.list.end())
            return nil
        }
    }

    /// Records one element of a Transfer-Encoding or Connection list.
    @inlinable
    mutating func noteElement(_ element: ListElement) {
        if m.field == .transferEncoding {
            switch element {
            case .empty: break
            case .word(.chunked):
                m.chunkedCount &+= 1
                m.lastCodingChunked = true
            default: m.lastCodingChunked = false
            }
        } else {
            switch element {
            case .word(.close): m.connectionClose = true
            case .word(.keepAlive): m.connectionKeepAlive = true
            default: break
            }
        }
    }
}
