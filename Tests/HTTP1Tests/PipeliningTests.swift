@testable import HTTP1
import Testing

/// A server's read loop in miniature: one growing connection buffer, heads parsed with
/// RequestHeadParser, bodies read by Content-Length or ChunkedBodyDecoder, requests
/// answered in order. Returns one line per request (or rejection).
func serve(_ stream: [UInt8], lengths: [Int], maxBody: Int = 1 << 20) -> [String] {
    enum Phase {
        case head
        case length(Int)
        case chunked(ChunkedBodyDecoder)
    }
    var log: [String] = []
    var buffer: [UInt8] = []
    var parser = RequestHeadParser()
    var phase = Phase.head
    var current = ""
    var body: [UInt8] = []
    var closed = false
    func finishRequest() {
        log.append(current + (body.isEmpty ? "" : " body=" + String(decoding: body, as: UTF8.self)))
        body = []
        phase = .head
    }
    forEachRead(of: stream, lengths: lengths) { read, _ in
        buffer += read
        while !closed {
            switch phase {
            case .head:
                let result = buffer.withUnsafeBytes { parser.parse($0) }
                switch result {
                case .incomplete:
                    return true
                case .complete(let head, let headerBytes):
                    buffer.withUnsafeBytes { raw in
                        current = "\(head.method.name) " + String(decoding: raw[head.target], as: UTF8.self)
                            + (head.keepAlive ? "" : " close")
                            + (head.expectContinue ? " expect-100" : "")
                    }
                    buffer.removeFirst(headerBytes)
                    switch head.body {
                    case .none: finishRequest()
                    case .contentLength(let n) where n > maxBody:
                        log.append(current + " → 413")
                        closed = true
                    case .contentLength(let n): phase = .length(n)
                    case .chunked: phase = .chunked(ChunkedBodyDecoder(maxBodyBytes: maxBody))
                    }
                    if !head.keepAlive && !closed, case .head = phase { closed = true }
                case .reject(let status, let reason):
                    log.append("reject \(status) \(reason)")
                    closed = true
                }
            case .length(let remaining):
                let take = min(remaining, buffer.count)
                body += buffer[..<take]
                buffer.removeFirst(take)
                if take == remaining { finishRequest() } else { phase = .length(remaining - take); return true }
            case .chunked(var decoder):
                let step = buffer.withUnsafeBytes { decoder.decode($0) }
                phase = .chunked(decoder)
                switch step {
                case .data(let span):
                    body += buffer[span]
                    buffer.removeFirst(span.upperBound)
                case .needMore:
                    buffer.removeAll()
                    return true
                case .done(let consumed):
                    buffer.removeFirst(consumed)
                    finishRequest()
                case .error(let error):
                    log.append(current + " → \(error.description)")
                    closed = true
                }
            }
            if buffer.isEmpty, case .head = phase { return true }
        }
        return false
    }
    return log
}

/// Four pipelined requests (no body, Content-Length, chunked with trailers, closing) come out in order, whatever the reads.
@Test func pipelinedRequests() {
    let stream = Array(("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
        + "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello\r\n"
        + "PUT /c?x=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
        + "3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nT: 1\r\n\r\n"
        + "GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        + "GET /ignored HTTP/1.1\r\nHost: a\r\n\r\n").utf8)
    let expected = ["GET /a", "POST /b body=hello", "PUT /c?x=1 expect-100 body=abcde", "GET /d close"]
    for cut in cuts(of: stream.count) {
        let log = serve(stream, lengths: cut.lengths)
        #expect(log == expected, "\(cut.name)")
        if log != expected { return }
    }
}

/// A bad request in a pipeline is answered after the good ones before it, and nothing after it is read.
@Test func rejectionInPipeline() {
    let stream = Array(("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n"
        + "POST /smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        + "GET /never HTTP/1.1\r\nHost: a\r\n\r\n").utf8)
    let expected = ["GET /ok", "reject 400 both Content-Length and Transfer-Encoding"]
    for cut in cuts(of: stream.count) {
        let log = serve(stream, lengths: cut.lengths)
        #expect(log == expected, "\(cut.name)")
        if log != expected { return }
    }
}

/// Body limits: a Content-Length over the limit is refused before reading, a chunked body as soon as a size passes it.
@Test func bodyLimits() {
    let declared = Array("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world".utf8)
    #expect(serve(declared, lengths: [declared.count], maxBody: 10) == ["POST /upload → 413"])
    let chunked = Array("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n".utf8)
    #expect(serve(chunked, lengths: [chunked.count], maxBody: 10) == ["POST /upload → body too large"])
    #expect(serve(chunked, lengths: [chunked.count], maxBody: 11) == ["POST /upload body=hello world"])
}

/// What RequestEncoder writes, RequestHeadParser reads back with the same meaning.
@Test func encoderOutputParses() throws {
    let url = try HTTPURL(parsing: "http://[::1]:8080/upload?x=1#frag")
    let bytes = try RequestEncoder.encode(method: "POST", url: url, headers: [("X-Trace", "1")], body: Array("hello".utf8))
    #expect(serve(bytes, lengths: [bytes.count]) == ["POST /upload?x=1 body=hello"])
    bytes.withUnsafeBytes { buffer in
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = parser.parse(buffer) else {
            Issue.record("not parsed")
            return
        }
        #expect(head.host.map { String(decoding: buffer[$0], as: UTF8.self) } == "[::1]:8080")
        #expect(head.body == .contentLength(5))
    }
}
