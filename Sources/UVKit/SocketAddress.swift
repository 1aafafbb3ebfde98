internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address resolved once, before any load starts.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    var storage: sockaddr_storage
    /// The host as given (for messages).
    public let host: String
    public let port: UInt16

    /// Resolves `host` (a name or a numeric address) with getaddrinfo; prefers the first answer.
    public static func resolve(host: String, port: UInt16) throws(ResolveError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            let why = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw ResolveError(host: host, reason: why)
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return SocketAddress(storage: storage, host: host, port: port)
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }

    /// Whether the address is on this machine's loopback (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw -> Bool in
            if isIPv6 {
                let a = raw.load(as: sockaddr_in6.self).sin6_addr
                return withUnsafeBytes(of: a) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
            }
            let a = raw.load(as: sockaddr_in.self).sin_addr.s_addr
            return UInt32(bigEndian: a) >> 24 == 127
        }
    }

    /// The numeric address, e.g. `127.0.0.1` or `::1`.
    public var numericHost: String {
        var copy = storage
        var text = [CChar](repeating: 0, count: 64)
        withUnsafeBytes(of: &copy) { raw in
            _ = raw.withMemoryRebound(to: sockaddr.self) { sa in
                uv_ip_name(sa.baseAddress, &text, text.count)
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { isIPv6 ? "[\(numericHost)]:\(port)" : "\(numericHost):\(port)" }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>) -> R) -> R {
        var copy = storage
        return withUnsafePointer(to: &copy) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0) }
        }
    }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.description == rhs.description
    }
}

/// A host name that could not be resolved.
public struct ResolveError: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let reason: String
    public var description: String { "cannot resolve '\(host)': \(reason)" }
}
