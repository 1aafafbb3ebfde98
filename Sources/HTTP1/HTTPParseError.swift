// Errors shared by the response parser, the request head parser and the chunked body
// decoder: each names the part of the message that broke the grammar.

/// Why bytes are not a valid HTTP/1.x message. Any of these means the connection's
/// framing is lost and the connection must be closed.
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The status line is not `HTTP-version SP 3DIGIT [SP reason]` followed by a line end.
    case invalidStatusLine
    /// The version is not `HTTP/1.0` or `HTTP/1.1` (`HTTP/1.x` counts as 1.1, RFC 9110 §6.2).
    case invalidVersion
    /// A header (or trailer) line is malformed: a bad name character, whitespace before the
    /// colon, a control character or bare CR in the value, a fold where none may be.
    case invalidHeader
    /// Content-Length is not `1*DIGIT` (at most 16 digits), or several values differ.
    case invalidContentLength
    /// Both Content-Length and Transfer-Encoding are present (a smuggling signal, RFC 9112 §6.3).
    case conflictingLength
    /// Transfer-Encoding cannot be honoured: `chunked` applied twice, or (requests) a final
    /// coding other than `chunked`.
    case unsupportedTransferCoding
    /// A chunk-size line is not `1*16HEXDIG [chunk-ext]` followed by a line end.
    case invalidChunkSize
    /// Chunk data is not followed by CRLF.
    case invalidChunkTerminator
    /// The header section (or trailer section) is larger than the limit.
    case headerTooLarge
    /// The body is larger than the limit given to the decoder.
    case bodyTooLarge
    /// The peer closed the connection in the middle of a message.
    case truncated

    public var description: String {
        switch self {
        case .invalidStatusLine: "invalid status line"
        case .invalidVersion: "unsupported HTTP version"
        case .invalidHeader: "invalid header line"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingLength: "both Content-Length and Transfer-Encoding"
        case .unsupportedTransferCoding: "unsupported Transfer-Encoding"
        case .invalidChunkSize: "invalid chunk size line"
        case .invalidChunkTerminator: "chunk data not followed by CRLF"
        case .headerTooLarge: "header section too large"
        case .bodyTooLarge: "body too large"
        case .truncated: "connection closed in the middle of a message"
        }
    }
}
