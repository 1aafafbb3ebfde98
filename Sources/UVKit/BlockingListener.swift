internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

extension SocketAddress {
    /// A plain listening socket bound to this address, for servers that accept with
    /// blocking calls instead of a loop (the sync reference server). Returns the fd.
    public func makeBlockingListener(backlog: Int32 = 4096) throws(UVError) -> Int32 {
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw UVError(-errno) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let length = socklen_t(isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        if withSockaddr({ Glibc.bind(fd, $0, length) }) < 0 || listen(fd, backlog) < 0 {
            let error = UVError(-errno)
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// The local port a socket is bound to.
    public static func localPort(of fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return 0 }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw in
            family == AF_INET6
                ? UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
                : UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }
}
