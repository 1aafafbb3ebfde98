// The client side's response parser: an incremental byte-level state machine in the
// manner of llhttp, with no buffer, no allocation and no Strings, that only finds where
// each response ends (RFC 9112 §6.3) and what the caller needs to know about it.

/// Outcome of feeding bytes to a ResponseParser.
public enum ResponseParseStep: Equatable, Sendable {
    /// All bytes were consumed and no response completed yet.
    case needMore
    /// bytes[0..<consumed] finished one final (non-1xx) response; feed the rest again.
    case complete(consumed: Int)
    /// The response is not valid HTTP/1.x; the connection must be dropped.
    case error(HTTPParseError)
}

/// Finds the end of each HTTP/1.x response on a connection, fed bytes as they arrive in
/// any split. It keeps only a handful of integers between calls; header values and
/// bodies are never copied, bodies are skipped in bulk.
///
/// Framing follows RFC 9112 §6.3: 1xx interim responses (100, 103, ...) are consumed
/// silently; 101 ends the response with no body; responses to HEAD and 204/304 have no
/// body whatever their headers say; Transfer-Encoding with Content-Length is an error;
/// a final `chunked` coding means chunked; other codings, or no length at all, mean the
/// body runs until the peer closes (see `finish()`).
///
/// Leniency, only where RFC 9112 §2.2 and §5.2 allow it for a client: a bare LF ends a
/// line like CRLF (a bare CR is an error), and obs-fold continues a header value as if
/// it were a space. Whitespace before a header's colon, control characters and NUL are
/// errors. The header section (status line through the empty line) is limited to
/// `maxHeaderBytes`; a trailer section to the same.
public struct ResponseParser: Sendable {
    /// Default limit on a header section: 64 KiB, far above real servers' 8–16 KiB.
    public static let defaultMaxHeaderBytes = 64 * 1024

    /// Whether the response being parsed answers a HEAD request (then it has no body).
    /// Set it before the first byte of each response when requests are mixed.
    public var isHeadRequest: Bool
    /// Largest header section accepted, in bytes; more gives `.error(.headerTooLarge)`.
    public var maxHeaderBytes: Int = ResponseParser.defaultMaxHeaderBytes

    @usableFromInline var _status: Int = 0
    @usableFromInline var _keepAlive: Bool = true
    @usableFromInline var state: State = .start
    @usableFromInline var failure: HTTPParseError = .truncated
    @usableFromInline var m = Message()
    @usableFromInline var chunked = ChunkedBodyDecoder(strict: false)

    /// Creates a parser at the start of a connection.
    public init(isHeadRequest: Bool = false) {
        self.isHeadRequest = isHeadRequest
    }

    /// Status code of the response most recently completed.
    @inlinable public var status: Int { _status }

    /// Whether the connection may be reused after the response most recently completed
    /// (false for `Connection: close`, for HTTP/1.0 without `Connection: keep-alive`, for
    /// 101 and after a close-delimited body).
    @inlinable public var keepAlive: Bool { _keepAlive }

    /// True when part of a response has been consumed but it is not complete yet.
    @inlinable public var inProgress: Bool { state != .start }

    /// Forget any partial response (used when a connection is reopened).
    public mutating func reset() {
        state = .start
        m = Message()
    }

    /// Feeds the next bytes of the connection.
    @inlinable
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> ResponseParseStep {
        let n = bytes.count
        var i = 0
        while i < n {
            switch state {
            case .bodyLength:
                let take = min(m.remaining, n &- i)
                i &+= take
                m.remaining &-= take
                if m.remaining == 0 { return complete(at: i) }
            case .bodyUntilClose:
                return .needMore
            case .bodyChunked:
                switch chunked.decode(UnsafeRawBufferPointer(rebasing: bytes[i...])) {
                case .data(let span): i &+= span.upperBound
                case .needMore: return .needMore
                case .done(let consumed): return complete(at: i &+ consumed)
                case .error(let error): return fail(error)
                }
            case .failed:
                return .error(failure)
            default:
                switch parseHead(bytes, &i) {
                case .needMore: return .needMore
                case .error(let error): return fail(error)
                case .done: if let step = headEnded(at: i) { return step }
                }
            }
        }
        return state == .failed ? .error(failure) : .needMore
    }

    /// Call when the peer closed the connection (EOF). Returns .complete(consumed: 0) if this completed a
    /// close-delimited body, .needMore if no response was in progress (nothing lost), .error(.truncated) if a response was cut off.
    public mutating func finish() -> ResponseParseStep {
        switch state {
        case .start:
            return .needMore
        case .bodyUntilClose:
            m.keepAlive = false
            return complete(at: 0)
        case .failed:
            return .error(failure)
        default:
            return fail(.truncated)
        }
    }

    @inlinable
    mutating func complete(at consumed: Int) -> ResponseParseStep {
        _status = m.status
        _keepAlive = m.keepAlive
        m = Message()
        state = .start
        return .complete(consumed: consumed)
    }

    @inlinable
    mutating func fail(_ error: HTTPParseError) -> ResponseParseStep {
        state = .failed
        failure = error
        return .error(error)
    }

    /// Decides, once the header section has ended, how the body is framed (RFC 9112
    /// §6.3, in its order); nil means keep parsing (a body, or the response after a 1xx).
    @inlinable
    mutating func headEnded(at i: Int) -> ResponseParseStep? {
        if m.status < 200 && m.status != 101 {
            // Interim response: forget it, the final one follows on the same bytes.
            m = Message()
            state = .startAfterInterim
            return nil
        }
        if m.hasTransferEncoding && m.contentLength.value >= 0 { return fail(.conflictingLength) }
        if m.chunkedCount > 1 { return fail(.unsupportedTransferCoding) }
        m.keepAlive = m.minorVersion >= 1 ? !m.connectionClose : m.connectionKeepAlive && !m.connectionClose
        if m.status == 101 {
            m.keepAlive = false   // the connection now speaks another protocol
            return complete(at: i)
        }
        if isHeadRequest || m.status == 204 || m.status == 304 { return complete(at: i) }
        if m.hasTransferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty: close after.
            if m.minorVersion == 0 { m.keepAlive = false }
            if m.lastCodingChunked {
                chunked = ChunkedBodyDecoder(maxTrailerBytes: maxHeaderBytes, strict: false)
                state = .bodyChunked
                return nil
            }
        } else if m.contentLength.value >= 0 {
            if m.contentLength.value == 0 { return complete(at: i) }
            m.remaining = m.contentLength.value
            state = .bodyLength
            return nil
        }
        m.keepAlive = false
        state = .bodyUntilClose
        return nil
    }
}

extension ResponseParser {
    @usableFromInline
    enum State: UInt8, Sendable {
        // Header section; `parseHead` handles these.
        case start, startAfterInterim, version, statusSpace, statusCode, afterStatusCode, reason, statusLF
        case lineStart, name, value, valueLF, headLF
        // Body.
        case bodyLength, bodyChunked, bodyUntilClose
        case failed
    }

    /// Which header's value is being read.
    @usableFromInline
    enum Field: UInt8, Sendable {
        case other, contentLength, transferEncoding, connection
    }

    /// What one response has shown so far; reset as a whole between responses.
    @usableFromInline
    struct Message: Sendable {
        @usableFromInline var status = 0
        @usableFromInline var minorVersion = 0
        /// Position in the version literal or count of status digits.
        @usableFromInline var position = 0
        @usableFromInline var headBytes = 0
        @usableFromInline var sawHeaderLine = false
        @usableFromInline var field: Field = .other
        @usableFromInline var name = WordMatch(0)
        @usableFromInline var list = ListScanner(0)
        @usableFromInline var contentLength = ContentLengthScanner()
        @usableFromInline var hasTransferEncoding = false
        @usableFromInline var lastCodingChunked = false
        @usableFromInline var chunkedCount = 0
        @usableFromInline var connectionClose = false
        @usableFromInline var connectionKeepAlive = false
        @usableFromInline var keepAlive = false
        /// Body bytes still to skip.
        @usableFromInline var remaining = 0

        @inlinable init() {}
    }

    @usableFromInline
    enum HeadOutcome: Sendable {
        case needMore, done, error(HTTPParseError)
    }
}
