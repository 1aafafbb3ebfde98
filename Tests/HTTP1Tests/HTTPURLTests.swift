@testable import HTTP1
import Testing

/// A URL that must parse, and its parts.
struct GoodURL: Sendable, CustomTestStringConvertible {
    var text: String
    var host: String
    var port: UInt16
    var target: String
    var hostHeader: String
    var testDescription: String { text }
}

let goodURLs: [GoodURL] = [
    .init(text: "http://127.0.0.1:8080/", host: "127.0.0.1", port: 8080, target: "/", hostHeader: "127.0.0.1:8080"),
    .init(text: "http://localhost", host: "localhost", port: 80, target: "/", hostHeader: "localhost"),
    .init(text: "HTTP://Example.COM:80/a/b", host: "Example.COM", port: 80, target: "/a/b", hostHeader: "Example.COM"),
    .init(text: "http://[::1]:8080/x?y=1", host: "::1", port: 8080, target: "/x?y=1", hostHeader: "[::1]:8080"),
    .init(text: "http://[::1]/", host: "::1", port: 80, target: "/", hostHeader: "[::1]"),
    .init(text: "http://[2001:db8::1]:9000", host: "2001:db8::1", port: 9000, target: "/", hostHeader: "[2001:db8::1]:9000"),
    .init(text: "http://h:8080?q=1", host: "h", port: 8080, target: "/?q=1", hostHeader: "h:8080"),
    .init(text: "http://h/sleep?ms=10#frag", host: "h", port: 80, target: "/sleep?ms=10", hostHeader: "h"),
    .init(text: "http://h:/p", host: "h", port: 80, target: "/p", hostHeader: "h"),
    .init(text: "http://h/a b/\u{E9}?x=\"1\"", host: "h", port: 80, target: "/a%20b/%C3%A9?x=%221%22", hostHeader: "h"),
    .init(text: "http://h/%41?a=b&c=d;e", host: "h", port: 80, target: "/%41?a=b&c=d;e", hostHeader: "h"),
    .init(text: "http://h:65535", host: "h", port: 65535, target: "/", hostHeader: "h:65535"),
    .init(text: "https://h/x", host: "h", port: 443, target: "/x", hostHeader: "h"),
    .init(text: "HTTPS://h:8443/", host: "h", port: 8443, target: "/", hostHeader: "h:8443"),
    .init(text: "https://h:80/", host: "h", port: 80, target: "/", hostHeader: "h:80"),
]

/// https:// URLs are marked TLS and default to port 443; http:// ones are not.
@Test func httpsURLsAreTLS() throws {
    #expect(try HTTPURL(parsing: "https://h/").isTLS)
    #expect(try HTTPURL(parsing: "https://h/").scheme == "https")
    #expect(try !HTTPURL(parsing: "http://h/").isTLS)
}

/// Well-formed http:// URLs split into host, port, target and Host header value.
@Test(arguments: goodURLs)
func parsesURL(_ url: GoodURL) throws {
    let parsed = try HTTPURL(parsing: url.text)
    #expect(parsed.host == url.host)
    #expect(parsed.port == url.port)
    #expect(parsed.target == url.target)
    #expect(parsed.hostHeader == url.hostHeader)
}

/// Unusable URLs are rejected with a message that names the problem.
@Test(arguments: [
    ("wss://h/", "use http:// or https://"),
    ("ftp://h/", "scheme 'ftp' is not supported"),
    ("127.0.0.1:8080/", "must start with http://"),
    ("http:///path", "no host"),
    ("http://:8080/", "no host"),
    ("http://h:0/", "invalid port '0'"),
    ("http://h:65536/", "invalid port '65536'"),
    ("http://h:8o/", "invalid port '8o'"),
    ("http://h:99999999999999999999999/", "invalid port"),
    ("http://::1/", "IPv6 addresses must be in brackets"),
    ("http://[::1/", "without closing"),
    ("http://[zz]/", "invalid IPv6"),
    ("http://[::1]x/", "after IPv6"),
    ("http://user:pw@h/", "user info"),
    ("http://h o/", "invalid character ' ' in host"),
    ("http://h/\r\nX: y", "control character"),
])
func rejectsURL(_ text: String, _ message: String) {
    #expect {
        _ = try HTTPURL(parsing: text)
    } throws: { error in
        (error as? URLError)?.description.contains(message) == true
    }
}
