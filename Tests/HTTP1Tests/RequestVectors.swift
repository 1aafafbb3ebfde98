// The request-head table: each vector is fed whole, as a growing prefix one byte at a
// time, and in two reads split at every position, by RequestHeadParserTests.

@testable import HTTP1
import Testing

/// A parsed head with its ranges turned into text, for comparing with a table.
struct ExpectedHead: Sendable, Equatable {
    var method: RequestMethod = .get
    var version: HTTPVersion = .http1_1
    var target = "/"
    var form: RequestTargetForm = .origin
    var path = "/"
    var query: String? = nil
    var host: String? = "a"
    var keepAlive = true
    var body: RequestBodyFraming = .none
    var expectContinue = false
    var headerCount = 1

    init(method: RequestMethod = .get, version: HTTPVersion = .http1_1, target: String = "/",
         form: RequestTargetForm = .origin, path: String? = nil, query: String? = nil, host: String? = "a",
         keepAlive: Bool = true, body: RequestBodyFraming = .none, expectContinue: Bool = false, headerCount: Int = 1) {
        self.method = method; self.version = version; self.target = target; self.form = form
        self.path = path ?? target; self.query = query; self.host = host; self.keepAlive = keepAlive
        self.body = body; self.expectContinue = expectContinue; self.headerCount = headerCount
    }

    init(_ head: RequestHead, in buffer: UnsafeRawBufferPointer) {
        func text(_ range: Range<Int>) -> String { String(decoding: buffer[range], as: UTF8.self) }
        method = head.method; version = head.version; target = text(head.target); form = head.targetForm
        path = text(head.path); query = head.query.map(text); host = head.host.map(text)
        keepAlive = head.keepAlive; body = head.body; expectContinue = head.expectContinue
        headerCount = head.headerCount
    }
}

/// The final answer for one head.
enum Verdict: Sendable, Equatable {
    /// A complete head spanning the whole input.
    case head(ExpectedHead)
    case reject(RequestRejection)
}

struct RequestVector: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var verdict: Verdict
    var limits = RequestLimits()
    /// Prefix length at which the verdict is first given; the whole input if nil.
    var verdictAt: Int? = nil
    var testDescription: String { name }
}

func accept(_ name: String, _ text: String, _ head: ExpectedHead = ExpectedHead()) -> RequestVector {
    RequestVector(name: name, text: text, verdict: .head(head))
}

func reject(_ name: String, _ text: String, _ reason: RequestRejection, limits: RequestLimits = RequestLimits(),
            at: Int? = nil) -> RequestVector {
    RequestVector(name: name, text: text, verdict: .reject(reason), limits: limits, verdictAt: at)
}

/// A request-line rejection: given as soon as the line's LF arrives, before the rest of the head.
func rejectLine(_ name: String, _ text: String, _ reason: RequestRejection, limits: RequestLimits = RequestLimits())
    -> RequestVector {
    let lf = Array(text.utf8).firstIndex(of: 0x0A) ?? (text.utf8.count - 1)
    return reject(name, text, reason, limits: limits, at: lf + 1)
}

let small = RequestLimits(maxRequestLineBytes: 32, maxHeaderBytes: 64, maxHeaderCount: 3)

let requestVectors: [RequestVector] = [
    // Accepted
    accept("simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    accept("path and query", "GET /sleep?ms=10&x=y HTTP/1.1\r\nHost: a\r\n\r\n",
           .init(target: "/sleep?ms=10&x=y", path: "/sleep", query: "ms=10&x=y")),
    accept("empty query", "GET /p? HTTP/1.1\r\nHost: a\r\n\r\n", .init(target: "/p?", path: "/p", query: "")),
    accept("every known method", "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", .init(method: .delete, target: "/x")),
    accept("HTTP/1.0 without Host closes", "GET / HTTP/1.0\r\n\r\n",
           .init(version: .http1_0, host: nil, keepAlive: false, headerCount: 0)),
    accept("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
           .init(version: .http1_0, host: nil, keepAlive: true)),
    accept("HTTP/1.1 Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n",
           .init(keepAlive: false, headerCount: 2)),
    accept("HTTP/1.2 counts as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
    accept("OWS around values, any-case names", "GET / HTTP/1.1\r\nhOsT: \t a \t\r\nX-Empty:\r\n\r\n",
           .init(headerCount: 2)),
    accept("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u{E9}\r\n\r\n", .init(headerCount: 2)),
    accept("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", .init(host: "")),
    accept("IPv6 Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", .init(host: "[::1]:8080")),
    accept("leading empty lines are skipped", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    accept("content-length", "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
           .init(method: .post, target: "/upload", body: .contentLength(5), headerCount: 2)),
    accept("content-length 0 means no body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
           .init(method: .post, headerCount: 2)),
    accept("equal content-lengths", "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 7, 7\r\n\r\n",
           .init(method: .put, body: .contentLength(7), headerCount: 3)),
    accept("16-digit content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n",
           .init(method: .post, body: .contentLength(1_234_567_890_123_456), headerCount: 2)),
    accept("chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
           .init(method: .post, body: .chunked, headerCount: 2)),
    accept("chunked over two lines with empty elements",
           "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\nTransfer-Encoding: , chunked ,\r\n\r\n",
           .init(method: .post, body: .chunked, headerCount: 3)),
    accept("chunked in HTTP/1.0 closes after", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
           .init(method: .post, version: .http1_0, host: nil, keepAlive: false, body: .chunked, headerCount: 2)),
    accept("expect 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
           .init(method: .post, body: .contentLength(3), expectContinue: true, headerCount: 3)),
    accept("HTTP/1.0 expectations are ignored", "GET / HTTP/1.0\r\nExpect: tea\r\n\r\n",
           .init(version: .http1_0, host: nil, keepAlive: false)),
    accept("absolute-form takes the path and the authority",
           "GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
           .init(target: "http://example.com:8080/p/q?x=1", form: .absolute, path: "/p/q", query: "x=1",
                 host: "example.com:8080")),
    accept("absolute-form without path", "GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n",
           .init(target: "HTTPS://h", form: .absolute, path: "", host: "h")),
    accept("asterisk-form for OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
           .init(method: .options, target: "*", form: .asterisk, path: "")),
    accept("authority-form for CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
           .init(method: .connect, target: "h:443", form: .authority, path: "", host: "h:443")),
    accept("limits met exactly", "GET /0123456789abcdefghijklm HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\n\r\n",
           .init(target: "/0123456789abcdefghijklm", headerCount: 3)),

    // Request line
    rejectLine("unknown method", "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", .unknownMethod),
    rejectLine("methods are case-sensitive", "get / HTTP/1.1\r\nHost: a\r\n\r\n", .unknownMethod),
    reject("method with a bad character", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, at: 3),
    reject("method with NUL", "GE\0T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, at: 3),
    reject("TLS handshake bytes", "\u{16}\u{03}\u{01}\u{02}\u{00}", .invalidMethod, at: 1),
    reject("bad method before a bare LF", "G(T / HTTP/1.1\nHost: a\r\n\r\n", .invalidMethod, at: 2),
    rejectLine("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine),
    rejectLine("two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine),
    rejectLine("no target", "GET HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine),
    rejectLine("method only", "GET\r\nHost: a\r\n\r\n", .invalidRequestLine),
    rejectLine("trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .invalidVersion),
    rejectLine("space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidVersion),
    rejectLine("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", .invalidVersion),
    rejectLine("two-digit minor", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", .invalidVersion),
    rejectLine("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .versionNotSupported),
    rejectLine("HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", .versionNotSupported),
    rejectLine("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("non-ASCII in target", "GET /caf\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("control character in target", "GET /a\u{01}b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("asterisk for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("origin-form for CONNECT", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("authority-form for GET", "GET h:80 HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("absolute-form with another scheme", "GET ftp://h/ HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("absolute-form with user info", "GET http://u@h/ HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("absolute-form without host", "GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    rejectLine("HTTP/0.9-style line, alone", "GET /\r\n", .invalidRequestLine),
    rejectLine("HTTP/0.9-style line, then fields", "GET /json\r\nHost: a\r\n\r\n", .invalidRequestLine),
    rejectLine("bare CR line ends, one LF at the end", "GET / HTTP/1.1\rHost: a\r\r\n", .bareCR),
    rejectLine("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .versionNotSupported),
    rejectLine("bad request line before an oversize head", "GET / HTTP/1.1 x\r\nX: 0123456789012345678901234567890123456789\r\n\r\n",
               .invalidVersion, limits: small),
    reject("valid request line, then an oversize head",
           "GET / HTTP/1.1\r\nX: 0123456789012345678901234567890123456789012345678901\r\n\r\n",
           .headerSectionTooLarge, limits: small, at: 65),
    reject("request line too long", "GET /0123456789abcdefghijklmn HTTP/1.1\r\nHost: a\r\n\r\n", .requestLineTooLong,
           limits: small, at: 34),

    // Line ends
    rejectLine("bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLF),
    reject("bare LF after a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLF),
    reject("bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLF),
    rejectLine("bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .bareCR),
    rejectLine("bare CR in version", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", .bareCR),
    reject("bare CR in a value", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", .bareCR),
    reject("bare CR at a line start", "GET / HTTP/1.1\r\nHost: a\r\n\rX: b\r\n\r\n", .bareCR),

    // Field lines
    reject("missing Host", "GET / HTTP/1.1\r\n\r\n", .missingHost),
    reject("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .duplicateHost),
    reject("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
    reject("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
    reject("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon),
    reject("tab before colon", "GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n", .whitespaceBeforeColon),
    reject("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", .obsFold),
    reject("fold as first line", "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", .obsFold),
    reject("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", .invalidHeaderName),
    reject("bad character in field name", "GET / HTTP/1.1\r\nHost: a\r\nX(A: b\r\n\r\n", .invalidHeaderName),
    reject("NUL in field name", "GET / HTTP/1.1\r\nHost: a\r\nX\0A: b\r\n\r\n", .invalidHeaderName),
    reject("line without colon", "GET / HTTP/1.1\r\nHost: a\r\nJustText\r\n\r\n", .invalidHeaderName),
    reject("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", .invalidHeaderValue),
    reject("control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{01}b\r\n\r\n", .invalidHeaderValue),
    reject("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n", .invalidHeaderValue),
    reject("too many fields", "GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\n", .tooManyHeaders, limits: small),
    reject("one field line over its limit", "GET / HTTP/1.1\r\nHost: a\r\nX-Long: 0123456789\r\n\r\n", .fieldLineTooLarge,
           limits: RequestLimits(maxFieldLineBytes: 17)),
    RequestVector(name: "one field line of exactly its limit", text: "GET / HTTP/1.1\r\nHost: a\r\nX-Long: 0123456789\r\n\r\n",
                  verdict: .head(ExpectedHead(headerCount: 2)), limits: RequestLimits(maxFieldLineBytes: 18)),
    reject("head too large", "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789012345678901234567890123456789\r\n\r\n",
           .headerSectionTooLarge, limits: small, at: 65),

    // Framing
    reject("content-length with transfer-encoding",
           "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .conflictingLength),
    reject("content-length +5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", .invalidContentLength),
    reject("content-length 0x5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", .invalidContentLength),
    reject("content-length 5, 6", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", .invalidContentLength),
    reject("content-length ' 5 5'", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  5 5\r\n\r\n", .invalidContentLength),
    reject("content-length with 17 digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12345678901234567\r\n\r\n",
           .invalidContentLength),
    reject("negative content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
    reject("empty content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .invalidContentLength),
    reject("differing content-length lines",
           "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .invalidContentLength),
    reject("final coding not chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
           .transferCodingNotChunked),
    reject("chunkedchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedchunked\r\n\r\n",
           .transferCodingNotChunked),
    reject("chunked, identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
           .transferCodingNotChunked),
    reject("chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
           .transferCodingNotChunked),
    reject("chunked with a parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
           .transferCodingNotChunked),
    reject("empty transfer-encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", .transferCodingNotChunked),
    reject("gzip before chunked is not implemented",
           "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding),
    // From the smuggling corpus (Tests/Corpus/smuggling.json).
    reject("TE value on an obs-fold line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", .obsFold),
    reject("TE value with a vertical tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \u{0B}chunked\r\n\r\n",
           .invalidHeaderValue),
    reject("TE xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", .transferCodingNotChunked),
    reject("TE identity, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n",
           .unsupportedTransferCoding),
    reject("field name folded onto the next line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-\r\n Encoding: chunked\r\n\r\n",
           .invalidHeaderName),
    reject("content-length '1 0'", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n", .invalidContentLength),
    reject("unknown expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n", .unsupportedExpectation),
]
