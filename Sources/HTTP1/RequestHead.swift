// What a server learns from a request head, as plain values and byte ranges into the
// buffer the head was parsed from: nothing is copied, no String is made.

/// The request methods a server here understands (RFC 9110 §9 plus PATCH). Methods are
/// case-sensitive: `get` is an unknown method (501), not GET.
public enum RequestMethod: UInt8, Sendable, CaseIterable {
    case get, head, post, put, delete, options, patch, trace, connect

    /// The method as sent on the wire.
    public var name: StaticString {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        }
    }

    /// The method spelled by `bytes[range]` exactly, or nil.
    @inlinable
    static func named(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> RequestMethod? {
        // The length leaves at most two candidates.
        let first: RequestMethod
        let second: RequestMethod
        switch range.count {
        case 3: (first, second) = (.get, .put)
        case 4: (first, second) = (.head, .post)
        case 5: (first, second) = (.patch, .trace)
        case 6: (first, second) = (.delete, .delete)
        case 7: (first, second) = (.options, .connect)
        default: return nil
        }
        if bytesEqual(bytes, range, first.name) { return first }
        if bytesEqual(bytes, range, second.name) { return second }
        return nil
    }
}

/// The HTTP version of a request; other versions are rejected.
public enum HTTPVersion: Sendable, Equatable {
    case http1_0
    /// HTTP/1.1, and any later HTTP/1.x (RFC 9110 §6.2).
    case http1_1
}

/// The form of the request-target (RFC 9112 §3.2).
public enum RequestTargetForm: Sendable, Equatable {
    /// `/path?query`, the usual form.
    case origin
    /// `http://host/path?query`, as sent to proxies; a server must accept it.
    case absolute
    /// `host:port`, only with CONNECT.
    case authority
    /// `*`, only with OPTIONS.
    case asterisk
}

/// How the length of a request body is known (RFC 9112 §6.3). A server checks its body
/// limit (413) against `.contentLength` before reading, or gives the limit to a
/// `ChunkedBodyDecoder` for `.chunked`.
public enum RequestBodyFraming: Sendable, Equatable {
    /// No body (no Content-Length, no Transfer-Encoding, or `Content-Length: 0`).
    case none
    /// Exactly this many bytes (more than 0) follow the head.
    case contentLength(Int)
    /// Chunked coding follows the head; decode it with `ChunkedBodyDecoder`.
    case chunked
}

/// A parsed request head. Ranges are byte offsets into the buffer given to
/// `RequestHeadParser.parse`, valid as long as that buffer's bytes are.
public struct RequestHead: Sendable, Equatable {
    public var method: RequestMethod
    public var version: HTTPVersion
    /// The request-target exactly as sent.
    public var target: Range<Int>
    public var targetForm: RequestTargetForm
    /// The path of the target without the query. Empty for `*`, authority-form, and an
    /// absolute-form target with no path (which means `/`).
    public var path: Range<Int>
    /// The query without its `?`, or nil if the target has no `?`.
    public var query: Range<Int>?
    /// The authority the request is for: the Host header's value (OWS trimmed), or the
    /// target's authority for absolute- and authority-form targets, which RFC 9112 §3.2.2
    /// says wins. nil only for an HTTP/1.0 request without Host.
    public var host: Range<Int>?
    /// Whether the connection may serve another request after this one's response.
    public var keepAlive: Bool
    public var body: RequestBodyFraming
    /// `Expect: 100-continue` in an HTTP/1.1 request: send `100 Continue` before reading
    /// the body (or answer at once, e.g. 413, and close).
    public var expectContinue: Bool
    /// Number of header field lines.
    public var headerCount: Int
    /// Offset of the first header line (just after the request line's CRLF).
    public var fieldsStart: Int
    /// Offset just past the empty line that ends the head: where the body starts.
    public var headEnd: Int

    public init(method: RequestMethod, version: HTTPVersion, target: Range<Int>, targetForm: RequestTargetForm,
                path: Range<Int>, query: Range<Int>?, host: Range<Int>?, keepAlive: Bool, body: RequestBodyFraming,
                expectContinue: Bool, headerCount: Int, fieldsStart: Int, headEnd: Int) {
        self.method = method; self.version = version; self.target = target; self.targetForm = targetForm
        self.path = path; self.query = query; self.host = host; self.keepAlive = keepAlive; self.body = body
        self.expectContinue = expectContinue; self.headerCount = headerCount
        self.fieldsStart = fieldsStart; self.headEnd = headEnd
    }

    /// The header field lines of this head, in order, read again from `buffer` (which
    /// must hold the bytes the head was parsed from); no storage is needed.
    @inlinable
    public func fields(in buffer: UnsafeRawBufferPointer) -> HeaderFields {
        HeaderFields(buffer: buffer, start: fieldsStart, end: headEnd)
    }

    /// The value (OWS trimmed) of the first header whose name equals `name` in any case.
    @inlinable
    public func value(of name: StaticString, in buffer: UnsafeRawBufferPointer) -> Range<Int>? {
        for field in fields(in: buffer) where field.name.count == name.utf8CodeUnitCount {
            if bytesEqualIgnoringCase(buffer, field.name, name) { return field.value }
        }
        return nil
    }
}

/// One header field line: name and value (OWS trimmed) as offsets into the buffer.
public struct HeaderField: Sendable, Equatable {
    public var name: Range<Int>
    public var value: Range<Int>

    public init(name: Range<Int>, value: Range<Int>) {
        self.name = name
        self.value = value
    }
}

/// The header field lines of an already validated head, walked lazily.
public struct HeaderFields: Sequence, IteratorProtocol {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    @inlinable init(buffer: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.buffer = buffer
        self.position = start
        self.end = end
    }

    @inlinable
    public mutating func next() -> HeaderField? {
        // The head was validated: every line is `name:OWS value OWS CRLF`, then CRLF.
        guard position < end, buffer[position] != asciiCR else { return nil }
        let nameStart = position
        var i = position
        while buffer[i] != asciiColon { i &+= 1 }
        let nameEnd = i
        i &+= 1
        while isOWS(buffer[i]) { i &+= 1 }
        let valueStart = i
        while buffer[i] != asciiCR { i &+= 1 }
        var valueEnd = i
        while valueEnd > valueStart && isOWS(buffer[valueEnd &- 1]) { valueEnd &-= 1 }
        position = i &+ 2
        return HeaderField(name: nameStart..<nameEnd, value: valueStart..<valueEnd)
    }
}
