// The chunked transfer coding (RFC 9112 §7.1) decoded incrementally: data comes back as
// spans of the caller's buffer (never copied), framing and trailers are checked and
// dropped. Used by servers for request bodies and by ResponseParser to skip bodies.

/// Outcome of feeding bytes to a `ChunkedBodyDecoder`.
public enum ChunkedBodyStep: Equatable, Sendable {
    /// `bytes[range]` is body data and everything before it was framing; feed
    /// `bytes[range.upperBound...]` next (or new bytes, if that is empty).
    case data(Range<Int>)
    /// All bytes were framing and were consumed; the body is not finished.
    case needMore
    /// The last chunk and the trailer section ended at `bytes[consumed - 1]`; what follows
    /// belongs to the next message.
    case done(consumed: Int)
    /// The body is not valid chunked coding (or is over a limit); close the connection.
    case error(HTTPParseError)
}

/// Incremental decoder of one chunked body. It holds no buffer: feed it whatever arrived
/// and it returns where the data is. Chunk extensions are validated against RFC 9112 §7.1.1
/// (`;` name, optional `=` token or quoted-string, BWS around both) and ignored; trailer fields
/// are validated and discarded (RFC 9110 §6.5.1 lets a recipient do so).
public struct ChunkedBodyDecoder: Sendable {
    /// Default limit on the trailer section, in bytes.
    public static let defaultMaxTrailerBytes = 16 * 1024
    /// Limit on all chunk extensions of one body together, in bytes (Node.js's answer to
    /// CVE-2024-22019: extensions are ignored, so endless ones would burn CPU for nothing).
    public static let maxExtensionBytes = 16 * 1024

    /// Largest body accepted; more gives `.error(.bodyTooLarge)` as soon as a chunk
    /// size announces it, before its data arrives (so a server can answer 413 early).
    public var maxBodyBytes: Int
    /// Largest trailer section accepted; more gives `.error(.headerTooLarge)`.
    public var maxTrailerBytes: Int
    /// Strict (requests): CRLF only, no whitespace after the size unless a `;` follows, no
    /// obs-fold in trailers. Lenient (responses): also accepts bare LF line ends (RFC 9112
    /// §2.2), whitespace after the size, and obs-fold in trailers.
    public var strict: Bool

    @usableFromInline var state: State = .sizeStart
    @usableFromInline var remaining: Int = 0
    @usableFromInline var sizeDigits: Int = 0
    @usableFromInline var announced: Int = 0
    @usableFromInline var extensionBytes: Int = 0
    @usableFromInline var trailerBytes: Int = 0
    @usableFromInline var sawTrailerLine = false
    @usableFromInline var failure: HTTPParseError = .truncated
    @usableFromInline var _bodyBytes: Int = 0

    @usableFromInline
    enum State: UInt8, Sendable {
        case sizeStart, size, sizeWhitespace, sizeLF
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        case extNameStart, extName, extAfterName, extValueStart, extToken, extQuoted, extQuotedPair, extAfterValue
        case data, dataCR, dataLF
        case trailerLineStart, trailerName, trailerValue, trailerValueLF, trailerEndLF
        case done, failed
    }

    /// A decoder at the start of a chunked body.
    public init(maxBodyBytes: Int = .max, maxTrailerBytes: Int = ChunkedBodyDecoder.defaultMaxTrailerBytes,
                strict: Bool = true) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.strict = strict
    }

    /// Body data bytes returned so far.
    @inlinable public var bodyBytes: Int { _bodyBytes }
    /// Whether the whole body, trailers included, has been decoded.
    @inlinable public var isDone: Bool { state == .done }
    /// True when some of the body has been consumed but it is not finished.
    @inlinable public var inProgress: Bool { state != .done && (state != .sizeStart || announced > 0) }

    /// Starts over at the beginning of a new chunked body, keeping the limits.
    public mutating func reset() {
        self = ChunkedBodyDecoder(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxTrailerBytes, strict: strict)
    }

    @inlinable
    mutating func fail(_ error: HTTPParseError) -> ChunkedBodyStep {
        state = .failed
        failure = error
        return .error(error)
    }

    /// Feeds bytes; see `ChunkedBodyStep` for what to do with the answer.
    @inlinable
    public mutating func decode(_ bytes: UnsafeRawBufferPointer) -> ChunkedBodyStep {
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            switch state {
            case .sizeStart:
                guard let v = hexValue(b) else { return fail(.invalidChunkSize) }
                remaining = v
                sizeDigits = 1
                state = .size
            case .size:
                if let v = hexValue(b) {
                    // 16 hex digits always fit once the top nibble is checked.
                    if sizeDigits == 16 || remaining > Int.max >> 4 { return fail(.invalidChunkSize) }
                    remaining = remaining << 4 | v
                    sizeDigits &+= 1
                } else {
                    if remaining > maxBodyBytes &- announced { return fail(.bodyTooLarge) }
                    announced &+= remaining
                    if b == asciiCR { state = .sizeLF }
                    else if b == asciiSemicolon { state = .extNameStart }
                    else if isOWS(b) { state = .sizeWhitespace }
                    else if b == asciiLF && !strict { sizeLineEnded() }
                    else { return fail(.invalidChunkSize) }
                }
            case .sizeWhitespace:
                // BWS is only allowed before a chunk extension in the grammar.
                if b == asciiSemicolon { state = .extNameStart }
                else if isOWS(b) {}
                else if strict { return fail(.invalidChunkSize) }
                else if b == asciiCR { state = .sizeLF }
                else if b == asciiLF { sizeLineEnded() }
                else { return fail(.invalidChunkSize) }
            case .extNameStart, .extName, .extAfterName, .extValueStart, .extToken, .extQuoted, .extQuotedPair,
                 .extAfterValue:
                extensionBytes &+= 1
                if extensionBytes > ChunkedBodyDecoder.maxExtensionBytes { return fail(.invalidChunkSize) }
                if !extensionByte(b) { return fail(.invalidChunkSize) }
            case .sizeLF:
                guard b == asciiLF else { return fail(.invalidChunkSize) }
                sizeLineEnded()
            case .data:
                // Bulk: the whole available part of the chunk in one span.
                let take = min(remaining, n &- i)
                remaining &-= take
                _bodyBytes &+= take
                if remaining == 0 { state = .dataCR }
                return .data(i..<(i &+ take))
            case .dataCR:
                if b == asciiCR { state = .dataLF }
                else if b == asciiLF && !strict { state = .sizeStart }
                else { return fail(.invalidChunkTerminator) }
            case .dataLF:
                guard b == asciiLF else { return fail(.invalidChunkTerminator) }
                state = .sizeStart
            case .trailerLineStart, .trailerName, .trailerValue, .trailerValueLF, .trailerEndLF:
                trailerBytes &+= 1
                if trailerBytes > maxTrailerBytes { return fail(.headerTooLarge) }
                if let error = trailerByte(b) { return fail(error) }
                if state == .done { return .done(consumed: i &+ 1) }
            case .done:
                return .done(consumed: i)
            case .failed:
                return .error(failure)
            }
            i &+= 1
        }
        switch state {
        case .done: return .done(consumed: n)
        case .failed: return .error(failure)
        default: return .needMore
        }
    }

    /// One byte of the chunk extensions (RFC 9112 §7.1.1); false when it breaks the grammar:
    /// `2;` (no name), `5;a=` (no value), an unterminated quoted-string, text after a value.
    @inlinable
    mutating func extensionByte(_ b: UInt8) -> Bool {
        let lineEnd = b == asciiCR || (b == asciiLF && !strict)
        switch state {
        case .extNameStart:
            if isTokenChar(b) { state = .extName }
            else if !isOWS(b) { return false }
        case .extName, .extAfterName:
            if state == .extName && isTokenChar(b) { break }
            if isOWS(b) { state = .extAfterName }
            else if b == asciiEquals { state = .extValueStart }
            else if b == asciiSemicolon { state = .extNameStart }
            else if lineEnd { extensionLineEnd(b) }
            else { return false }
        case .extValueStart:
            if b == asciiQuote { state = .extQuoted }
            else if isTokenChar(b) { state = .extToken }
            else if !isOWS(b) { return false }
        case .extToken, .extAfterValue:
            if state == .extToken && isTokenChar(b) { break }
            if isOWS(b) { state = .extAfterValue }
            else if b == asciiSemicolon { state = .extNameStart }
            else if lineEnd { extensionLineEnd(b) }
            else { return false }
        case .extQuoted:
            // qdtext: HTAB, SP, VCHAR except `"` and `\`, obs-text.
            if b == asciiQuote { state = .extAfterValue }
            else if b == asciiBackslash { state = .extQuotedPair }
            else if !isFieldByte(b) { return false }
        case .extQuotedPair:
            guard isFieldByte(b) else { return false }
            state = .extQuoted
        default:
            return false
        }
        return true
    }

    @inlinable
    mutating func extensionLineEnd(_ b: UInt8) {
        if b == asciiCR { state = .sizeLF } else { sizeLineEnded() }
    }

    /// After the line end of a chunk-size line: data follows, or the trailer section.
    @inlinable
    mutating func sizeLineEnded() {
        state = remaining == 0 ? .trailerLineStart : .data
    }

    /// One byte of the trailer section: field lines like a header section, then an empty line.
    @inlinable
    mutating func trailerByte(_ b: UInt8) -> HTTPParseError? {
        switch state {
        case .trailerLineStart:
            if b == asciiCR { state = .trailerEndLF }
            else if isTokenChar(b) { state = .trailerName; sawTrailerLine = true }
            else if b == asciiLF && !strict { state = .done }
            else if isOWS(b) && !strict && sawTrailerLine { state = .trailerValue }   // obs-fold
            else { return .invalidHeader }
        case .trailerName:
            if b == asciiColon { state = .trailerValue }
            else if !isTokenChar(b) { return .invalidHeader }
        case .trailerValue:
            if b == asciiCR { state = .trailerValueLF }
            else if b == asciiLF && !strict { state = .trailerLineStart }
            else if !isFieldByte(b) { return .invalidHeader }
        case .trailerValueLF:
            guard b == asciiLF else { return .invalidHeader }
            state = .trailerLineStart
        case .trailerEndLF:
            guard b == asciiLF else { return .invalidHeader }
            state = .done
        default:
            break
        }
        return nil
    }
}
