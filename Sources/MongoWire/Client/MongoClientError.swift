import Synchronization

/// Why a non-blocking client operation failed, sorted by what a server does about it.
public enum MongoClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be reached now (refused, connection lost, reconnecting): 503.
    case unavailable
    /// No answer within the operation timeout: 503.
    case timeout
    /// The reply could not be read; its connection was closed.
    case malformedReply(String)
    /// The server answered `ok: 0`.
    case server(code: Int, message: String)
    /// The server's wire versions do not overlap the client's.
    case incompatibleServer(String)

    /// 503-worthy: the client may retry later.
    public var isUnavailable: Bool {
        switch self {
        case .unavailable, .timeout: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unavailable: "database unavailable"
        case .timeout: "database operation timed out"
        case .malformedReply(let reason): "malformed reply: \(reason)"
        case .server(let code, let message): "server error \(code): \(message)"
        case .incompatibleServer(let reason): "incompatible server: \(reason)"
        }
    }
}

/// Where the client connects: the first host of a `mongodb://` URI. Credentials and
/// replica-set discovery are not supported (use the libmongoc driver for those).
public struct MongoAddress: Sendable, Equatable {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) { self.host = host; self.port = port }

    /// Parses `mongodb://host[:port][,...][/db][?options]`; throws a readable reason.
    public init(uri: String) throws(WireError) {
        guard uri.hasPrefix("mongodb://") else { throw WireError("'\(uri)' is not a mongodb:// URI") }
        let rest = uri.dropFirst("mongodb://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@") else { throw WireError("the native driver does not authenticate; drop the credentials or use --db-driver threadpool") }
        let first = authority.prefix { $0 != "," }
        var host = Substring(first), port: UInt16 = 27017
        if first.hasPrefix("[") {
            guard let close = first.firstIndex(of: "]") else { throw WireError("unterminated IPv6 host in '\(uri)'") }
            host = first[first.index(after: first.startIndex)..<close]
            let after = first[first.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = UInt16(after.dropFirst()) else { throw WireError("bad port in '\(uri)'") }
                port = p
            }
        } else if let colon = first.lastIndex(of: ":") {
            host = first[..<colon]
            guard let p = UInt16(first[first.index(after: colon)...]) else { throw WireError("bad port in '\(uri)'") }
            port = p
        }
        guard !host.isEmpty else { throw WireError("no host in '\(uri)'") }
        self.host = String(host)
        self.port = port
    }
}

/// One loop client's counters: written by its loop thread only (a relaxed load and store,
/// no read-modify-write), read by anyone (/debug/stats).
public final class MongoClientCounters: Sendable {
    public final class Cell: Sendable {
        let value = Atomic<Int>(0)
        @inline(__always) func add(_ n: Int) { value.store(value.load(ordering: .relaxed) &+ n, ordering: .relaxed) }
        @inline(__always) func set(_ n: Int) { value.store(n, ordering: .relaxed) }
        public var current: Int { value.load(ordering: .relaxed) }
    }

    /// Connections open (handshaken or connecting).
    public let open = Cell()
    /// Connections with an operation in flight.
    public let busy = Cell()
    /// Operations waiting for a connection.
    public let waiting = Cell()
    /// Operations answered (any outcome).
    public let operations = Cell()
    public let timeouts = Cell()
    /// Replies that could not be read (their connection was closed).
    public let malformedReplies = Cell()
    /// Connections lost with an operation in flight, or failing their handshake.
    public let connectionErrors = Cell()
    /// Connection attempts refused or timed out.
    public let connectFailures = Cell()
    /// Connections established (handshake done).
    public let connects = Cell()
    /// Operations refused at once while the database was unreachable.
    public let failedFast = Cell()
    /// 1 while this loop counts the database as unreachable.
    public let down = Cell()

    public init() {}
}
