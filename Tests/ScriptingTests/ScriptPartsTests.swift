import Testing
@testable import Scripting

/// The pieces of the scripting target that need no socket.
struct ScriptPartsTests {
    /// The wrk table's URL parts: the port only when the URL names one, the path with its query.
    @Test(arguments: [
        ("http://127.0.0.1:8080/a?b=1", "http", "127.0.0.1", "8080", "/a?b=1"),
        ("http://localhost/", "http", "localhost", nil, "/"),
        ("http://example.com", "http", "example.com", nil, "/"),
        ("https://[::1]:8443/x", "https", "::1", "8443", "/x"),
        ("http://[::1]/", "http", "::1", nil, "/"),
        ("http://user@host:81?q", "http", "host", "81", "/?q"),
    ] as [(String, String?, String?, String?, String?)])
    func urlParts(url: String, scheme: String?, host: String?, port: String?, path: String?) {
        let parts = URLParts(url)
        #expect(parts.scheme == scheme && parts.host == host && parts.port == port && parts.path == path)
    }

    /// Requests in what a script returns are counted (wrk pipelines by concatenation), bodies skipped.
    @Test func countsConcatenatedRequests() {
        let one = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        let post = "POST /p HTTP/1.1\r\nContent-Length: 5\r\nHost: a\r\n\r\nhello"
        for (text, expected) in [(one, 1), (one + one + one, 3), (post + one, 2), (one + post, 2)] {
            let result = Array(text.utf8).withUnsafeBytes { RequestCounter.count($0) }
            #expect(result == .success(expected), "\(text)")
        }
    }

    /// Incomplete or non-HTTP requests are refused with a reason.
    @Test(arguments: ["", "hello", "GET / HTTP/1.1\r\nHost: a\r\n", "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort",
                      "GET /\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"])
    func refusesBrokenRequests(text: String) {
        let result = Array(text.utf8).withUnsafeBytes { RequestCounter.count($0) }
        guard case .failure(.invalidRequest(let why)) = result else { Issue.record("accepted \(text)"); return }
        #expect(!why.isEmpty)
    }

    /// SHA-256 matches the FIPS 180-4 examples.
    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Longer than one block, and a length that pads into a second block.
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// Response header fields are split at the first colon and trimmed; the body starts after
    /// the empty line; chunked coding is recognised.
    @Test func responseFields() {
        let raw = Array("HTTP/1.1 200 OK\r\nA:  1 \r\nB-C: x:y\r\nTransfer-Encoding: gzip, chunked\r\n\r\nBODY".utf8)
        var fields: [String] = []
        var bodyStart = 0
        raw.withUnsafeBytes { bytes in
            ResponseHeaders.forEachField(bytes, bodyStart: &bodyStart) { name, value in
                fields.append(String(decoding: name, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
            }
            #expect(ResponseHeaders.isChunked(bytes))
        }
        #expect(fields == ["A=1", "B-C=x:y", "Transfer-Encoding=gzip, chunked"])
        #expect(Array(raw[bodyStart...]) == Array("BODY".utf8))
    }

    /// Errors are tallied per function with the first message kept.
    @Test func errorTally() {
        var tally = ScriptErrorTally()
        tally.record(function: "request()", message: "a.lua:1: x")
        tally.record(function: "request()", message: "a.lua:2: y")
        var other = ScriptErrorTally()
        other.record(function: "response()", message: "a.lua:3: z")
        other.record(function: "request()", message: "a.lua:4: w")
        tally.add(other)
        #expect(tally.total == 4)
        #expect(tally.lines == ["3 errors in request() (first: a.lua:1: x)", "1 error in response() (first: a.lua:3: z)"])
    }
}
