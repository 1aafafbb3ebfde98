// Requests are encoded once, before a run: the load generator then writes the same bytes
// for every request. So this code favours clear errors over speed.

/// Why a request cannot be encoded: names the offending part.
public struct RequestEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "header 'X-A' has a CR, LF or NUL in it".
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A request encoded once to bytes, so a load generator can send it again and again without work.
public enum RequestEncoder {
    /// `headers` are `(name, value)`; a user Host header replaces the default one; Content-Length is added when there is a body (or the method is POST/PUT/PATCH with empty body → `Content-Length: 0`) unless the user gave one. Rejects CR, LF or NUL in any part and invalid header-name characters (RFC 9110 token) with a thrown error that says which header.
    ///
    /// A user `Transfer-Encoding` header also stops the automatic Content-Length (the
    /// caller then frames the body itself). Two user Host headers are an error: servers
    /// must answer 400 to them. Header values are sent as given, order kept.
    public static func encode(method: String, url: HTTPURL, headers: [(name: String, value: String)],
                              body: [UInt8]) throws -> [UInt8] {
        let methodBytes = Array(method.utf8)
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenChar) else {
            throw RequestEncodingError("method '\(method)' is not a valid token")
        }
        try checkNoBreak(url.target, what: "request target")
        try checkNoBreak(url.hostHeader, what: "host")

        var userHost: String? = nil
        var hasLength = false
        for (name, value) in headers {
            let nameBytes = Array(name.utf8)
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(isTokenChar) else {
                throw RequestEncodingError("header name '\(name)' is not a valid token (RFC 9110 §5.6.2)")
            }
            try checkNoBreak(value, what: "header '\(name)'")
            switch lowercased(name) {
            case "host":
                if userHost != nil { throw RequestEncodingError("more than one Host header") }
                userHost = value
            case "content-length", "transfer-encoding":
                hasLength = true
            default:
                break
            }
        }

        var out: [UInt8] = []
        out.reserveCapacity(64 + url.target.utf8.count + body.count)
        func line(_ parts: String...) {
            for part in parts { out += part.utf8 }
            out += [asciiCR, asciiLF]
        }
        line(method, " ", url.target, " HTTP/1.1")
        line("Host: ", userHost ?? url.hostHeader)
        for (name, value) in headers where lowercased(name) != "host" {
            line(name, ": ", value)
        }
        let bodyMethods: Set<String> = ["POST", "PUT", "PATCH"]
        if !hasLength && (!body.isEmpty || bodyMethods.contains(method)) {
            line("Content-Length: ", String(body.count))
        }
        line()
        out += body
        return out
    }

    static func checkNoBreak(_ text: String, what: String) throws {
        if text.utf8.contains(where: { $0 == asciiCR || $0 == asciiLF || $0 == 0 }) {
            throw RequestEncodingError("\(what) has a CR, LF or NUL in it")
        }
    }

    static func lowercased(_ text: String) -> String {
        String(decoding: text.utf8.map(asciiLower), as: UTF8.self)
    }
}
