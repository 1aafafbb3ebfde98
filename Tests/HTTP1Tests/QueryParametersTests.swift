@testable import HTTP1
import Testing

/// Integer query parameters are found by exact name, first match wins, bad values are nil.
@Test(arguments: [
    ("/sleep?ms=10", 10),
    ("/sleep?x=1&ms=250&ms=3", 250),
    ("/cpu?ms=-5", -5),
    ("/gzip?kb=64&offload=1", nil),   // asked for "ms" below
    ("/sleep", nil),
    ("/sleep?", nil),
    ("/sleep?ms", nil),
    ("/sleep?ms=", nil),
    ("/sleep?ms=1x", nil),
    ("/sleep?ms=+1", nil),
    ("/sleep?ms=-", nil),
    ("/sleep?mms=3&ms=4", 4),
    ("/sleep?MS=3", nil),
    ("/sleep?ms=999999999999999999", 999_999_999_999_999_999),
    ("/sleep?ms=1000000000000000000", nil),
    ("/a?b=1&&ms=7&", 7),
    ("/ms=3", nil),
] as [(String, Int?)])
func queryIntegers(_ target: String, _ expected: Int?) {
    let bytes = Array(target.utf8)
    #expect(bytes.withUnsafeBytes { queryInteger(named: "ms", in: $0) } == expected)
}

/// The RequestHead convenience reads from the parsed query range.
@Test func queryFromRequestHead() {
    let text = Array("GET /gzip?kb=64&offload=1 HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
    text.withUnsafeBytes { buffer in
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = parser.parse(buffer) else {
            Issue.record("not parsed")
            return
        }
        #expect(head.queryInteger(named: "kb", in: buffer) == 64)
        #expect(head.queryInteger(named: "offload", in: buffer) == 1)
        #expect(head.queryInteger(named: "ms", in: buffer) == nil)
    }
}
