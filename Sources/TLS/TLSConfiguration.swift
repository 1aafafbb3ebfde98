/// A TLS protocol version Volley speaks.
public enum TLSVersion: Int32, Sendable, Equatable, Comparable, CaseIterable {
    case tls12 = 0x0303
    case tls13 = 0x0304

    public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }
}

/// How the load generator speaks TLS to its target.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// Check the server's certificate chain and host name (off with `-k/--insecure`).
    public var verify: Bool
    /// Trust these PEM certificates instead of the system store (`--cacert`).
    public var caFile: String?
    /// A client certificate and its key (`--cert`, `--key`).
    public var certificateFile: String?
    public var keyFile: String?
    /// Offer the last session's ticket on a new connection (`--no-tls-resume` turns it off).
    public var resume: Bool
    public var minVersion: TLSVersion
    public var maxVersion: TLSVersion

    public init(verify: Bool = true, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                resume: Bool = true, minVersion: TLSVersion = .tls12, maxVersion: TLSVersion = .tls13) {
        self.verify = verify; self.caFile = caFile
        self.certificateFile = certificateFile; self.keyFile = keyFile
        self.resume = resume; self.minVersion = minVersion; self.maxVersion = maxVersion
    }
}

/// How a reference server speaks TLS.
public struct TLSServerConfiguration: Sendable, Equatable {
    public var identity: TLSIdentity
    /// When set, clients must present a certificate signed by one of these (PEM file).
    public var clientCAFile: String?
    public var minVersion: TLSVersion
    public var maxVersion: TLSVersion
    /// Session-ticket keys shared by every worker's context, so a ticket issued by one thread
    /// resumes on another (80 bytes; random per server start).
    public var ticketKeys: [UInt8]

    public init(identity: TLSIdentity, clientCAFile: String? = nil, minVersion: TLSVersion = .tls12,
                maxVersion: TLSVersion = .tls13, ticketKeys: [UInt8] = TLSServerConfiguration.randomTicketKeys()) {
        self.identity = identity; self.clientCAFile = clientCAFile
        self.minVersion = minVersion; self.maxVersion = maxVersion; self.ticketKeys = ticketKeys
    }

    /// 80 random bytes: ticket key name, HMAC secret and AES key.
    public static func randomTicketKeys() -> [UInt8] {
        var keys = [UInt8](repeating: 0, count: 80)
        var generator = SystemRandomNumberGenerator()
        for i in keys.indices { keys[i] = UInt8.random(in: 0...255, using: &generator) }
        return keys
    }
}

/// What a finished handshake agreed on.
public struct TLSNegotiated: Sendable, Equatable, Codable {
    /// e.g. "TLSv1.3".
    public var protocolVersion: String
    /// e.g. "TLS_AES_256_GCM_SHA384".
    public var cipher: String
    /// The key-exchange group, e.g. "X25519" ("" when none was used, as in TLS 1.2 RSA key exchange).
    public var group: String
    /// ALPN protocol, e.g. "http/1.1" ("" when none was agreed).
    public var alpn: String

    public init(protocolVersion: String, cipher: String, group: String, alpn: String) {
        self.protocolVersion = protocolVersion; self.cipher = cipher; self.group = group; self.alpn = alpn
    }
}
