@testable import HTTP1
import Testing

private func encode(_ method: String = "GET", _ url: String = "http://127.0.0.1:8080/json",
                    headers: [(name: String, value: String)] = [], body: String = "") throws -> String {
    let bytes = try RequestEncoder.encode(method: method, url: try HTTPURL(parsing: url), headers: headers,
                                          body: Array(body.utf8))
    return String(decoding: bytes, as: UTF8.self)
}

/// A plain GET is the request line, Host and the empty line, nothing else.
@Test func encodesPlainGet() throws {
    #expect(try encode() == "GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
}

/// The IPv6 example: bracketed Host with port, query kept in the target.
@Test func encodesIPv6() throws {
    #expect(try encode("GET", "http://[::1]:8080/x?y=1") == "GET /x?y=1 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")
}

/// User headers follow Host in order; a user Host replaces the default in its place.
@Test func userHeadersAndHost() throws {
    let text = try encode(headers: [("Accept", "*/*"), ("host", "example.com"), ("X-A", "")])
    #expect(text == "GET /json HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-A: \r\n\r\n")
}

/// A body gets a Content-Length; POST, PUT and PATCH get one even when empty; a user's wins.
@Test func contentLengthRules() throws {
    #expect(try encode("POST", body: "abc") == "POST /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 3\r\n\r\nabc")
    for method in ["POST", "PUT", "PATCH"] {
        #expect(try encode(method).hasSuffix("Content-Length: 0\r\n\r\n"), "\(method)")
    }
    #expect(try encode("DELETE") == "DELETE /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
    #expect(try encode("GET", body: "x").hasSuffix("Content-Length: 1\r\n\r\nx"))
    #expect(try encode("POST", headers: [("content-length", "2")], body: "ab")
        == "POST /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-length: 2\r\n\r\nab")
    #expect(try encode("POST", headers: [("Transfer-Encoding", "chunked")], body: "0\r\n\r\n")
        == "POST /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
}

/// Header injection and bad tokens are refused, naming the culprit.
@Test(arguments: [
    ("GET", "X-A", "a\r\nX-B: b", "header 'X-A' has a CR, LF or NUL"),
    ("GET", "X-A", "a\nb", "header 'X-A' has a CR, LF or NUL"),
    ("GET", "X-A", "a\0b", "header 'X-A' has a CR, LF or NUL"),
    ("GET", "Bad Name", "v", "header name 'Bad Name' is not a valid token"),
    ("GET", "X:A", "v", "header name 'X:A' is not a valid token"),
    ("GET", "", "v", "header name '' is not a valid token"),
    ("G ET", "X", "v", "method 'G ET' is not a valid token"),
    ("", "X", "v", "method '' is not a valid token"),
])
func rejectsBadRequest(_ method: String, _ name: String, _ value: String, _ message: String) {
    #expect {
        _ = try encode(method, headers: [(name, value)])
    } throws: { error in
        (error as? RequestEncodingError)?.description.contains(message) == true
    }
}

/// Two Host headers would make any strict server answer 400, so they are refused here.
@Test func rejectsTwoHosts() {
    #expect(throws: RequestEncodingError.self) {
        _ = try encode(headers: [("Host", "a"), ("HOST", "b")])
    }
}
