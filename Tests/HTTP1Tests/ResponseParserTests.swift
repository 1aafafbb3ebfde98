@testable import HTTP1
import Testing

/// Everything observable from feeding one stream to a fresh parser.
struct ResponseRun: Equatable, CustomStringConvertible {
    /// Completed responses with the stream offset at which each ended.
    var completed: [(done: Done, end: Int)] = []
    var error: HTTPParseError? = nil

    static func == (a: ResponseRun, b: ResponseRun) -> Bool {
        a.error == b.error && a.completed.count == b.completed.count
            && zip(a.completed, b.completed).allSatisfy { $0.done == $1.done && $0.end == $1.end }
    }

    var description: String {
        "\(completed.map { "\($0.done)@\($0.end)" }) error: \(error.map { "\($0)" } ?? "none")"
    }
}

/// Feeds `bytes` in reads of the given lengths, re-feeding after each completion, then
/// calls finish() if the peer closes.
func runResponses(_ bytes: [UInt8], lengths: [Int], head: Bool = false, eof: Bool = false,
                  maxHeaderBytes: Int? = nil) -> ResponseRun {
    var parser = ResponseParser(isHeadRequest: head)
    if let maxHeaderBytes { parser.maxHeaderBytes = maxHeaderBytes }
    var run = ResponseRun()
    forEachRead(of: bytes, lengths: lengths) { read, base in
        var offset = 0
        while offset < read.count {
            switch parser.parse(UnsafeRawBufferPointer(rebasing: read[offset...])) {
            case .needMore:
                return true
            case .complete(let consumed):
                #expect(consumed > 0 && offset + consumed <= read.count)
                offset += consumed
                run.completed.append((Done(status: parser.status, keepAlive: parser.keepAlive), base + offset))
            case .error(let error):
                run.error = error
                return false
            }
        }
        return true
    }
    if run.error == nil && eof {
        switch parser.finish() {
        case .complete(let consumed):
            #expect(consumed == 0)
            run.completed.append((Done(status: parser.status, keepAlive: parser.keepAlive), bytes.count))
        case .error(let error):
            run.error = error
        case .needMore:
            break
        }
    }
    return run
}

/// Each response vector gives the same completions (status, keep-alive, end offset) and error whole, byte by byte and split anywhere.
@Test(arguments: responseVectors)
func responseVector(_ vector: ResponseVector) {
    var expected = ResponseRun()
    var end = 0
    for (part, done) in zip(vector.parts, vector.expect) {
        end += part.utf8.count
        expected.completed.append((done, end))
    }
    expected.error = vector.error
    #expect(vector.parts.count == vector.expect.count, "vector table is inconsistent")
    let bytes = vector.bytes
    for cut in cuts(of: bytes.count) {
        let run = runResponses(bytes, lengths: cut.lengths, head: vector.head, eof: vector.eof,
                               maxHeaderBytes: vector.maxHeaderBytes)
        #expect(run == expected, "\(cut.name)")
        if run != expected { break }   // one failing cut says enough
    }
}

/// A fresh parser has nothing in progress and finish() loses nothing.
@Test func freshParserFinishesClean() {
    var parser = ResponseParser()
    #expect(!parser.inProgress)
    #expect(parser.finish() == .needMore)
    #expect(parser.parse(UnsafeRawBufferPointer(start: nil, count: 0)) == .needMore)
}

/// inProgress is true from the first byte of a response (interim ones included) until it completes.
@Test func inProgressTracksAResponse() {
    var parser = ResponseParser()
    let text: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx".utf8)
    for i in 0..<(text.count - 1) {
        #expect(text[i...i].withUnsafeBytes { parser.parse($0) } == .needMore)
        #expect(parser.inProgress, "after byte \(i)")
    }
    #expect(text[(text.count - 1)...].withUnsafeBytes { parser.parse($0) } == .complete(consumed: 1))
    #expect(!parser.inProgress)
}

/// reset() drops a partial response so a reopened connection starts clean.
@Test func resetForgetsPartialResponse() {
    var parser = ResponseParser()
    _ = Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8).withUnsafeBytes { parser.parse($0) }
    #expect(parser.inProgress)
    parser.reset()
    #expect(!parser.inProgress)
    let fresh = Array("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".utf8)
    #expect(fresh.withUnsafeBytes { parser.parse($0) } == .complete(consumed: fresh.count))
    #expect(parser.status == 201)
}

/// After an error the parser keeps answering the same error until reset.
@Test func errorIsSticky() {
    var parser = ResponseParser()
    let bad = Array("HTTP/3 200 OK\r\n".utf8)
    #expect(bad.withUnsafeBytes { parser.parse($0) } == .error(.invalidVersion))
    #expect(Array("HTTP/1.1 200 OK\r\n".utf8).withUnsafeBytes { parser.parse($0) } == .error(.invalidVersion))
    #expect(parser.finish() == .error(.invalidVersion))
    parser.reset()
    #expect(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8).withUnsafeBytes { parser.parse($0) }
        == .complete(consumed: 38))
}

/// isHeadRequest may change between pipelined responses, as requests are mixed.
@Test func headFlagPerResponse() {
    var parser = ResponseParser()
    let get = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
    let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8)
    let stream = head + get
    stream.withUnsafeBytes { buffer in
        parser.isHeadRequest = true
        #expect(parser.parse(buffer) == .complete(consumed: head.count))
        parser.isHeadRequest = false
        #expect(parser.parse(UnsafeRawBufferPointer(rebasing: buffer[head.count...])) == .complete(consumed: get.count))
    }
}

/// A large Content-Length body is skipped in one step, not byte by byte.
@Test func largeBodySkippedInBulk() {
    var parser = ResponseParser()
    let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".utf8)
    let body = [UInt8](repeating: 0x61, count: 1_000_000)
    #expect(head.withUnsafeBytes { parser.parse($0) } == .needMore)
    #expect(body[..<999_999].withUnsafeBytes { parser.parse($0) } == .needMore)
    #expect((body[999_999...] + head).withUnsafeBytes { parser.parse($0) } == .complete(consumed: 1))
}

/// The default header limit is 64 KiB: a 60 KiB header passes, a 70 KiB one does not.
@Test func defaultHeaderLimit() {
    func step(_ valueSize: Int) -> ResponseParseStep {
        var parser = ResponseParser()
        let text = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "v", count: valueSize) + "\r\nContent-Length: 0\r\n\r\n"
        return Array(text.utf8).withUnsafeBytes { parser.parse($0) }
    }
    #expect(step(60 * 1024) != .error(.headerTooLarge))
    #expect(step(70 * 1024) == .error(.headerTooLarge))
}
