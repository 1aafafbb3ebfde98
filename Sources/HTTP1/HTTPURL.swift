// Parsing of the one URL a load run targets. Runs once at start-up, so it may use
// Strings and arrays freely; errors are written for the person at the command line.

/// Why a URL cannot be used, in words for the command line.
public struct URLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "https:// is not supported (Volley speaks plain HTTP/1.1)".
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension HTTPURL {
    /// `URLError` under a name that does not clash with Foundation's `URLError` in files
    /// that import both.
    public typealias ParseError = URLError
}

/// An http:// or https:// URL split for a client: host as written (IPv6 without brackets), port (default 80, or 443 for https), origin-form target ("/" if empty, query kept), and the Host header value (with port only if not the scheme's default; IPv6 in brackets).
///
/// A fragment (`#...`) is dropped, as browsers do: it is never sent. Bytes a URI may not
/// contain (space, non-ASCII, `"<>\^`{|}`) are percent-encoded in the target; control
/// characters anywhere, user info (`user@host`) and schemes other than `http` are errors.
public struct HTTPURL: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var target: String
    public var hostHeader: String
    /// https://: the connection speaks TLS.
    public var isTLS = false

    /// "https" or "http".
    public var scheme: String { isTLS ? "https" : "http" }

    public init(parsing text: String) throws(URLError) {
        let bytes = Array(text.utf8)
        if let bad = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw URLError("URL contains a control character (byte \(bad))")
        }
        guard let schemeEnd = HTTPURL.find(Array("://".utf8), in: bytes) else {
            throw URLError("URL must start with http:// or https:// (got '\(text)')")
        }
        let scheme = String(decoding: bytes[..<schemeEnd].map(asciiLower), as: UTF8.self)
        guard scheme == "http" || scheme == "https" else {
            throw URLError("scheme '\(scheme)' is not supported: use http:// or https://")
        }
        isTLS = scheme == "https"
        var rest = bytes[(schemeEnd + 3)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            rest = rest[..<hash]
        }
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let (host, portText, bracketed) = try HTTPURL.splitAuthority(authority)
        self.host = host
        self.port = try HTTPURL.parsePort(portText, defaultPort: isTLS ? 443 : 80)
        self.target = HTTPURL.originForm(rest[authorityEnd...])
        let hostPart = bracketed ? "[\(host)]" : host
        self.hostHeader = port == (isTLS ? 443 : 80) ? hostPart : "\(hostPart):\(port)"
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    /// Host, port text (nil if absent) and whether the host was an IPv6 literal in brackets.
    static func splitAuthority(_ authority: ArraySlice<UInt8>) throws(URLError) -> (String, ArraySlice<UInt8>?, Bool) {
        if authority.contains(UInt8(ascii: "@")) {
            throw URLError("user info in URLs (user@host) is not supported")
        }
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw URLError("IPv6 address without closing ']'")
            }
            let literal = authority[(authority.startIndex + 1)..<close]
            let isIPv6Char: (UInt8) -> Bool = { hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
            guard literal.contains(UInt8(ascii: ":")), literal.allSatisfy(isIPv6Char) else {
                throw URLError("invalid IPv6 address '[\(String(decoding: literal, as: UTF8.self))]'")
            }
            let after = authority[(close + 1)...]
            if after.isEmpty { return (String(decoding: literal, as: UTF8.self), nil, true) }
            guard after.first == UInt8(ascii: ":") else {
                throw URLError("unexpected characters after IPv6 address")
            }
            return (String(decoding: literal, as: UTF8.self), after.dropFirst(), true)
        }
        var hostBytes = authority
        var portText: ArraySlice<UInt8>? = nil
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostBytes = authority[..<colon]
            portText = authority[(colon + 1)...]
            if portText!.contains(UInt8(ascii: ":")) {
                throw URLError("IPv6 addresses must be in brackets, e.g. http://[::1]:8080/")
            }
        }
        if hostBytes.isEmpty { throw URLError("URL has no host") }
        // reg-name / IPv4 of RFC 3986: unreserved, sub-delims and percent-encoding.
        let allowed = Array("-._~!$&'()*+,;=%".utf8)
        if let bad = hostBytes.first(where: { !(isAlphaNumeric($0) || allowed.contains($0)) }) {
            throw URLError("invalid character '\(String(decoding: [bad], as: UTF8.self))' in host")
        }
        return (String(decoding: hostBytes, as: UTF8.self), portText, false)
    }

    static func parsePort(_ text: ArraySlice<UInt8>?, defaultPort: UInt16 = 80) throws(URLError) -> UInt16 {
        guard let text, !text.isEmpty else { return defaultPort }   // "host:" means the default port (RFC 3986 §3.2.3)
        var value = 0
        for b in text {
            guard let d = decimalValue(b), value <= 65535 else {
                throw URLError("invalid port '\(String(decoding: text, as: UTF8.self))' (must be 1-65535)")
            }
            value = value * 10 + d
        }
        guard (1...65535).contains(value) else {
            throw URLError("invalid port '\(String(decoding: text, as: UTF8.self))' (must be 1-65535)")
        }
        return UInt16(value)
    }

    /// Path and query as an origin-form request target, with bytes a URI may not hold
    /// percent-encoded.
    static func originForm(_ pathAndQuery: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        if pathAndQuery.first != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        let allowed = Array("-._~!$&'()*+,;=:@/?%".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in pathAndQuery {
            if isAlphaNumeric(b) || allowed.contains(b) {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// ASCII letter or digit.
@inlinable @inline(__always)
func isAlphaNumeric(_ b: UInt8) -> Bool {
    decimalValue(b) != nil || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A)
}
