#if canImport(Glibc)
import Glibc
#endif

/// getaddrinfo and a blocking connect for `wrk.lookup` and `wrk.connect`.
enum AddressLookup {
    struct Failure: Error { let text: String }

    /// Every address of `host` and `service` (a port number or a name such as "http").
    static func resolve(host: String, service: String) -> Result<[(ip: String, port: Int)], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, service, &hints, &list)
        guard rc == 0 else { return .failure(Failure(text: String(cString: gai_strerror(rc)))) }
        defer { freeaddrinfo(list) }
        var result: [(ip: String, port: Int)] = []
        var entry = list
        while let info = entry?.pointee {
            var ip = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
            if getnameinfo(info.ai_addr, info.ai_addrlen, &ip, socklen_t(ip.count), &port, socklen_t(port.count),
                           NI_NUMERICHOST | NI_NUMERICSERV) == 0 {
                result.append((text(ip), Int(text(port)) ?? 0))
            }
            entry = info.ai_next
        }
        return .success(result)
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a TCP connection to `ip`:`port` opens within 2 seconds.
    static func canConnect(ip: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(ip, String(port), &hints, &list) == 0, let info = list?.pointee else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return Glibc.connect(fd, info.ai_addr, info.ai_addrlen) == 0
    }
}
