// The response table: every vector is run whole, byte by byte and split at every
// position by ResponseParserTests.

@testable import HTTP1
import Testing

/// Status and keep-alive of one completed response.
struct Done: Sendable, Equatable, CustomStringConvertible {
    var status: Int
    var keepAlive: Bool
    var description: String { "\(status)\(keepAlive ? "" : " close")" }
}

func ok(_ status: Int = 200) -> Done { Done(status: status, keepAlive: true) }
func closing(_ status: Int = 200) -> Done { Done(status: status, keepAlive: false) }

/// One input stream of responses and what the parser must make of it.
struct ResponseVector: Sendable, CustomTestStringConvertible {
    var name: String
    /// Complete responses, back to back; each must complete exactly at its end.
    var parts: [String]
    var expect: [Done]
    /// Bytes after the last complete part: a bad or cut-off response.
    var tail: String = ""
    var error: HTTPParseError? = nil
    var head: Bool = false
    /// Whether the peer closes after the input (finish() is called).
    var eof: Bool = false
    var maxHeaderBytes: Int? = nil

    var testDescription: String { name }
    var bytes: [UInt8] { Array((parts.joined() + tail).utf8) }
}

let responseVectors: [ResponseVector] = [
    // Content-Length
    .init(name: "content-length", parts: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"], expect: [ok()]),
    .init(name: "content-length 0", parts: ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], expect: [ok()]),
    .init(name: "header names any case",
          parts: ["HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 3\r\nCONNECTION: KEEP-ALIVE\r\n\r\nabc"], expect: [ok()]),
    .init(name: "duplicate equal content-length and a list of equal values",
          parts: ["HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc"], expect: [ok()]),
    .init(name: "content-length with OWS", parts: ["HTTP/1.1 200 OK\r\nContent-Length: \t 3 \t\r\n\r\nabc"], expect: [ok()]),
    .init(name: "look-alike names are other headers",
          parts: ["HTTP/1.1 200 OK\r\nContent-Lengthy: 99\r\nX-Content-Length: 7\r\nContent-Lengt: x\r\n"
                  + "Connections: close\r\nTransfer-Encodings: chunked\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()]),
    .init(name: "typical server response",
          parts: ["HTTP/1.1 200 OK\r\nServer: volley\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                  + "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"], expect: [ok()]),
    .init(name: "no reason phrase, with and without the space",
          parts: ["HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n"],
          expect: [ok(), ok(201)]),
    .init(name: "obs-text in reason and value, empty value",
          parts: ["HTTP/1.1 200 \u{C7}a va\r\nX-Name: caf\u{E9}\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"], expect: [ok()]),
    .init(name: "HTTP/1.2 counts as 1.1", parts: ["HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"], expect: [ok()]),
    .init(name: "unusual status 999", parts: ["HTTP/1.1 999 Odd\r\nContent-Length: 1\r\n\r\nx"], expect: [ok(999)]),

    // Chunked
    .init(name: "chunked with extensions",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1;q=\"a b\"\r\n world\r\n0\r\n\r\n"],
          expect: [ok()]),
    .init(name: "chunked with trailers",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                  + "3\r\nabc\r\n0\r\nX-Sum: 42\r\nX-Other: b\r\n\r\n"], expect: [ok()]),
    .init(name: "chunked: hex sizes any case, leading zeros, case-insensitive coding, gzip before chunked",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
                  + "a\r\n0123456789\r\nB\r\n0123456789A\r\n0005\r\nhello\r\n000\r\n\r\n"], expect: [ok()]),
    .init(name: "chunked: a body that looks like framing",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n"], expect: [ok()]),
    .init(name: "chunked over two transfer-encoding lines",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
          expect: [ok()]),
    .init(name: "chunked in HTTP/1.0 works but closes",
          parts: ["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"],
          expect: [closing()]),

    // Close-delimited
    .init(name: "close-delimited body completes at EOF",
          parts: ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close"], expect: [closing()], eof: true),
    .init(name: "close-delimited with no body bytes", parts: ["HTTP/1.1 200 OK\r\n\r\n"], expect: [closing()], eof: true),
    .init(name: "final coding not chunked means close-delimited",
          parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
          expect: [closing()], eof: true),
    .init(name: "HTTP/1.0 without length", parts: ["HTTP/1.0 200 OK\r\n\r\nbody"], expect: [closing()], eof: true),

    // 1xx and bodiless responses
    .init(name: "100 continue then 200",
          parts: ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()]),
    .init(name: "103 early hints then 200",
          parts: ["HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                  + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()]),
    .init(name: "two interim responses, the first with Connection: close",
          parts: ["HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                  + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"], expect: [ok(404)]),
    .init(name: "101 ends the HTTP conversation",
          parts: ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"],
          expect: [closing(101)]),
    .init(name: "204 and 304 ignore Content-Length",
          parts: ["HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                  "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
                  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"], expect: [ok(204), ok(304), ok()]),
    .init(name: "HEAD response ignores Content-Length",
          parts: ["HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"],
          expect: [ok(), ok()], head: true),

    // Keep-alive
    .init(name: "HTTP/1.0 closes by default", parts: ["HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"], expect: [closing()]),
    .init(name: "HTTP/1.0 with keep-alive",
          parts: ["HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()]),
    .init(name: "HTTP/1.0 with keep-alive and close",
          parts: ["HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"], expect: [closing()]),
    .init(name: "Connection: close", parts: ["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"],
          expect: [closing()]),
    .init(name: "close among other connection options",
          parts: ["HTTP/1.1 200 OK\r\nConnection: Upgrade ,  CLOSE\t\r\nContent-Length: 0\r\n\r\n"], expect: [closing()]),
    .init(name: "connection options that merely contain close",
          parts: ["HTTP/1.1 200 OK\r\nConnection: closed, x-close, close-ish\r\nContent-Length: 0\r\n\r\n"], expect: [ok()]),

    // Pipelining
    .init(name: "three pipelined responses",
          parts: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                  "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                  "HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 1\r\n\r\n!"],
          expect: [ok(), ok(404), closing(500)]),

    // Leniency a client may have
    .init(name: "bare LF line ends",
          parts: ["HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                  "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\nX-T: 1\n\n"], expect: [ok(), ok()]),
    .init(name: "obs-fold continues a value",
          parts: ["HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nConnection: keep-alive,\r\n\tclose\r\nContent-Length: 2\r\n\r\nok"],
          expect: [closing()]),
    .init(name: "header section exactly at the limit",
          parts: ["HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 64 - 24) + "\r\n\r\n"],
          expect: [closing()], eof: true, maxHeaderBytes: 64),

    // Malformed status lines
    .init(name: "not HTTP", parts: [], expect: [], tail: "HTTX/1.1 200 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "lower-case version", parts: [], expect: [], tail: "http/1.1 200 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "leading empty line", parts: [], expect: [], tail: "\r\nHTTP/1.1 200 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "HTTP/2.0", parts: [], expect: [], tail: "HTTP/2.0 200 OK\r\n\r\n", error: .invalidVersion),
    .init(name: "HTTP/0.9", parts: [], expect: [], tail: "HTTP/0.9 200 OK\r\n\r\n", error: .invalidVersion),
    .init(name: "version without minor", parts: [], expect: [], tail: "HTTP/1 200 OK\r\n\r\n", error: .invalidVersion),
    .init(name: "letter as minor version", parts: [], expect: [], tail: "HTTP/1.x 200 OK\r\n\r\n", error: .invalidVersion),
    .init(name: "two spaces before status", parts: [], expect: [], tail: "HTTP/1.1  200 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "non-digit status", parts: [], expect: [], tail: "HTTP/1.1 2x0 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "four-digit status", parts: [], expect: [], tail: "HTTP/1.1 2000 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "two-digit status", parts: [], expect: [], tail: "HTTP/1.1 20 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "status 099", parts: [], expect: [], tail: "HTTP/1.1 099 OK\r\n\r\n", error: .invalidStatusLine),
    .init(name: "bare CR in status line", parts: [], expect: [], tail: "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
          error: .invalidStatusLine),
    .init(name: "NUL in reason", parts: [], expect: [], tail: "HTTP/1.1 200 O\0K\r\n\r\n", error: .invalidStatusLine),

    // Malformed headers
    .init(name: "NUL in header name", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nX-A\0b: 1\r\n\r\n", error: .invalidHeader),
    .init(name: "CTL in header name", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nX\u{01}: 1\r\n\r\n", error: .invalidHeader),
    .init(name: "space in header name", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", error: .invalidHeader),
    .init(name: "space before colon", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",
          error: .invalidHeader),
    .init(name: "line without colon", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nJustText\r\n\r\n", error: .invalidHeader),
    .init(name: "NUL in header value", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", error: .invalidHeader),
    .init(name: "NUL in interesting header value", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nConnection: a\0b\r\n\r\n",
          error: .invalidHeader),
    .init(name: "bare CR in header value", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", error: .invalidHeader),
    .init(name: "bare CR ending the header section", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nX: a\r\n\rx",
          error: .invalidHeader),
    .init(name: "fold before any header", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", error: .invalidHeader),
    .init(name: "oversized header section", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 64 - 23) + "\r\n\r\n", error: .headerTooLarge,
          maxHeaderBytes: 64),
    .init(name: "endless header line", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200), error: .headerTooLarge, maxHeaderBytes: 64),

    // Malformed framing
    .init(name: "content-length with transfer-encoding", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", error: .conflictingLength),
    .init(name: "transfer-encoding with content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", error: .conflictingLength),
    .init(name: "two different content-lengths", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", error: .invalidContentLength),
    .init(name: "content-length list of different values", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!", error: .invalidContentLength),
    .init(name: "negative content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", error: .invalidContentLength),
    .init(name: "plus sign content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", error: .invalidContentLength),
    .init(name: "overflowing content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", error: .invalidContentLength),
    .init(name: "17-digit content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 10000000000000000\r\n\r\n", error: .invalidContentLength),
    .init(name: "hex content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello", error: .invalidContentLength),
    .init(name: "two numbers in content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\nhello", error: .invalidContentLength),
    .init(name: "empty content-length", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", error: .invalidContentLength),
    .init(name: "chunked applied twice", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", error: .unsupportedTransferCoding),
    .init(name: "chunk size not hex", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", error: .invalidChunkSize),
    .init(name: "chunk size 0x5", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", error: .invalidChunkSize),
    .init(name: "chunk extension without a name", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;\r\nok\r\n0\r\n\r\n", error: .invalidChunkSize),
    .init(name: "chunk extension with an unterminated quoted string", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"abc;b=\"def; ghi\r\nhello\r\n0\r\n\r\n", error: .invalidChunkSize),
    .init(name: "empty chunk size", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", error: .invalidChunkSize),
    .init(name: "overflowing chunk size", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", error: .invalidChunkSize),
    .init(name: "chunk size with bare CR", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello", error: .invalidChunkSize),
    .init(name: "chunk data without CRLF", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", error: .invalidChunkTerminator),
    .init(name: "chunk data with CR but no LF", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX", error: .invalidChunkTerminator),
    .init(name: "bad trailer line", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", error: .invalidHeader),
    .init(name: "garbage after a good response",
          parts: ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()], tail: "garbage\r\n", error: .invalidStatusLine),

    // Connection closed early
    .init(name: "EOF mid-body", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", error: .truncated, eof: true),
    .init(name: "EOF mid-head", parts: [], expect: [], tail: "HTTP/1.1 200 OK\r\nContent-Le", error: .truncated, eof: true),
    .init(name: "EOF mid-chunk", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", error: .truncated, eof: true),
    .init(name: "EOF before the trailers end", parts: [], expect: [],
          tail: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", error: .truncated, eof: true),
    .init(name: "EOF after 100 continue", parts: [], expect: [], tail: "HTTP/1.1 100 Continue\r\n\r\n", error: .truncated, eof: true),
    .init(name: "EOF between responses loses nothing",
          parts: ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], expect: [ok()], eof: true),
]
