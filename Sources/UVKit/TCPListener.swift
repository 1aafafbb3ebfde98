internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on an `EventLoop`. With `reusePort`, several loops (threads)
/// can each own a listener on the same port and the kernel spreads connections over them
/// (SO_REUSEPORT; libuv 1.44 has no flag for it, so the socket is made here and handed to libuv).
public final class TCPListener: HandleBox {
    private var onConnection: ((TCPStream) -> Void)?
    private let loop: EventLoop

    /// Binds to `address` (port 0 picks a free port) and listens.
    public init(loop: EventLoop, address: SocketAddress, reusePort: Bool = false, backlog: Int32 = 4096) throws(UVError) {
        self.loop = loop
        super.init(byteCount: MemoryLayout<uv_tcp_t>.size)
        let tcp = memory.assumingMemoryBound(to: uv_tcp_t.self)
        try UVError.check(uv_tcp_init(loop.raw, tcp))
        retainWhileOpen()
        do {
            let family = address.isIPv6 ? AF_INET6 : AF_INET
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { throw UVError(-errno) }
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<Int32>.size)) }
            let opened = uv_tcp_open(tcp, fd)
            if opened < 0 { Glibc.close(fd); throw UVError(opened) }
            try UVError.check(address.withSockaddr { uv_tcp_bind(tcp, $0, 0) })
            try UVError.check(uv_listen(memory.assumingMemoryBound(to: uv_stream_t.self), backlog) { server, status in
                guard let server, let data = server.pointee.data, status >= 0 else { return }
                let me = Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! TCPListener
                me.acceptOne(server)
            })
        } catch let error as UVError {
            close()
            throw error
        } catch {
            close()
            throw UVError(-1)
        }
    }

    override func willClose() { onConnection = nil }

    /// Starts handing accepted connections to `handler` (on the loop's thread).
    public func onAccept(_ handler: @escaping (TCPStream) -> Void) {
        onConnection = handler
    }

    private func acceptOne(_ server: UnsafeMutablePointer<uv_stream_t>) {
        guard let stream = try? TCPStream(loop: loop) else { return }
        do {
            try stream.accept(from: server)
        } catch {
            stream.close()
            return
        }
        if let onConnection { onConnection(stream) } else { stream.close() }
    }

    /// The port actually bound (useful after binding port 0).
    public var localPort: UInt16 {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                uv_tcp_getsockname(memory.assumingMemoryBound(to: uv_tcp_t.self), $0, &length)
            }
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
