// Why a server refuses a request head, with the status to answer. Every rejection
// means: answer with `status` and close the connection, since framing is not trusted.

/// Limits a server puts on request heads. `maxRequestLineBytes` should be below
/// `maxHeaderBytes`. The body limit (413) is the caller's: compare it with
/// `RequestBodyFraming.contentLength`, or give it to `ChunkedBodyDecoder`.
public struct RequestLimits: Sendable, Equatable {
    /// Longest request line (method, target, version; CRLF not counted) → 414.
    public var maxRequestLineBytes: Int
    /// Longest head, from the first byte through the empty line → 431.
    public var maxHeaderBytes: Int
    /// Most header field lines → 431.
    public var maxHeaderCount: Int
    /// Longest single field line (name, colon, value; CRLF not counted) → 431. nginx and aiohttp
    /// refuse one field line over 8 KiB even when the whole head is within its limit.
    public var maxFieldLineBytes: Int

    /// Defaults close to common servers: 8 KiB request line, 64 KiB head, 100 fields, 8 KiB per field line.
    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 100,
                maxFieldLineBytes: Int = 8 * 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxFieldLineBytes = maxFieldLineBytes
    }
}

/// Outcome of `RequestHeadParser.parse`.
public enum RequestHeadParseResult: Sendable, Equatable {
    /// The head is not complete yet: read more into the same buffer and parse again.
    case incomplete
    /// `buffer[0..<headerBytes]` is a valid head; the body or next request follows.
    case complete(RequestHead, headerBytes: Int)
    /// Answer with `status` (400, 414, 417, 431, 501, 505) and close the connection.
    case reject(status: Int, reason: RequestRejection)
}

/// What is wrong with a request head.
public enum RequestRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line is not `method SP target SP version CRLF`.
    case invalidRequestLine
    /// The method is not a token.
    case invalidMethod
    /// A valid token that is not a method this server knows (501).
    case unknownMethod
    /// Bad characters in the target, `#`, a form the method does not allow.
    case invalidTarget
    /// `HTTP/x.y` is malformed.
    case invalidVersion
    /// A major version other than 1 (505).
    case versionNotSupported
    /// The request line is longer than `maxRequestLineBytes` (414).
    case requestLineTooLong
    /// The head is longer than `maxHeaderBytes` (431).
    case headerSectionTooLarge
    /// More than `maxHeaderCount` field lines (431).
    case tooManyHeaders
    /// One field line longer than `maxFieldLineBytes` (431).
    case fieldLineTooLarge
    /// A CR not followed by LF.
    case bareCR
    /// A LF not preceded by CR (requests must use CRLF).
    case bareLF
    /// A line starting with whitespace: obsolete line folding (RFC 9112 §5.2).
    case obsFold
    /// Whitespace between a field name and its colon (RFC 9112 §5.1).
    case whitespaceBeforeColon
    /// A field name that is empty or not a token, or a line without a colon.
    case invalidHeaderName
    /// A control character or NUL in a field value.
    case invalidHeaderValue
    /// HTTP/1.1 without Host (RFC 9112 §3.2).
    case missingHost
    /// More than one Host line.
    case duplicateHost
    /// A Host value that cannot be a `uri-host [":" port]`.
    case invalidHost
    /// Content-Length not `1*DIGIT` (16 digits at most), or differing values.
    case invalidContentLength
    /// Content-Length together with Transfer-Encoding (a smuggling signal).
    case conflictingLength
    /// Transfer-Encoding whose final coding is not `chunked`, or `chunked` twice.
    case transferCodingNotChunked
    /// A transfer coding before `chunked` that this server does not implement (501).
    case unsupportedTransferCoding
    /// An Expect value other than `100-continue` (417).
    case unsupportedExpectation

    /// The status code to answer with.
    public var status: Int {
        switch self {
        case .unknownMethod, .unsupportedTransferCoding: 501
        case .versionNotSupported: 505
        case .requestLineTooLong: 414
        case .headerSectionTooLarge, .tooManyHeaders, .fieldLineTooLarge: 431
        case .unsupportedExpectation: 417
        default: 400
        }
    }

    public var description: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "method is not a token"
        case .unknownMethod: "method not implemented"
        case .invalidTarget: "invalid request target"
        case .invalidVersion: "malformed HTTP version"
        case .versionNotSupported: "HTTP version not supported"
        case .requestLineTooLong: "request line too long"
        case .headerSectionTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .fieldLineTooLarge: "header field line too large"
        case .bareCR: "CR not followed by LF"
        case .bareLF: "LF without CR"
        case .obsFold: "obsolete line folding"
        case .whitespaceBeforeColon: "whitespace between field name and colon"
        case .invalidHeaderName: "invalid field name"
        case .invalidHeaderValue: "invalid character in field value"
        case .missingHost: "missing Host"
        case .duplicateHost: "more than one Host"
        case .invalidHost: "invalid Host"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingLength: "both Content-Length and Transfer-Encoding"
        case .transferCodingNotChunked: "final transfer coding is not chunked"
        case .unsupportedTransferCoding: "transfer coding not implemented"
        case .unsupportedExpectation: "expectation not supported"
        }
    }
}
