internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection on an `EventLoop`, client or accepted. Reads land in the loop's
/// shared buffer and are handed to `onRead` synchronously; nothing allocates per read or write.
public final class TCPStream: HandleBox {
    /// Called with each chunk read. The bytes are valid only during the call.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// Called once when reading ends: `nil` for an orderly EOF, or the error.
    public var onReadEnd: ((UVError?) -> Void)?
    private var onConnect: ((UVError?) -> Void)?
    private var onWrite: ((UVError?) -> Void)?
    private let connectRequest: UnsafeMutablePointer<uv_connect_t>
    private let writeRequest: UnsafeMutablePointer<uv_write_t>
    /// Whether a `write` is waiting for its completion.
    public private(set) var isWriting = false
    let loop: EventLoop

    var stream: UnsafeMutablePointer<uv_stream_t> { memory.assumingMemoryBound(to: uv_stream_t.self) }
    var tcp: UnsafeMutablePointer<uv_tcp_t> { memory.assumingMemoryBound(to: uv_tcp_t.self) }

    /// Creates an unconnected TCP handle on `loop`.
    public init(loop: EventLoop) throws(UVError) {
        self.loop = loop
        connectRequest = .allocate(capacity: 1)
        writeRequest = .allocate(capacity: 1)
        super.init(byteCount: MemoryLayout<uv_tcp_t>.size)
        let status = uv_tcp_init(loop.raw, tcp)
        if status < 0 {
            connectRequest.deallocate(); writeRequest.deallocate()
            throw UVError(status)
        }
        retainWhileOpen()
    }

    deinit {
        connectRequest.deallocate()
        writeRequest.deallocate()
    }

    override func willClose() {
        // Break the cycles that callbacks capturing their owner would form.
        onRead = nil; onReadEnd = nil; onConnect = nil; onWrite = nil
    }

    /// Keeps the stream from holding its loop open on its own (a database client's pooled
    /// connections must not keep a draining server alive).
    public func unref() { uv_unref(handle) }

    /// Disables Nagle's algorithm; a load generator and a server want each small write sent at once.
    public func setNoDelay(_ enabled: Bool = true) {
        uv_tcp_nodelay(tcp, enabled ? 1 : 0)
    }

    /// Connects to `address`; `completion` gets nil on success.
    public func connect(to address: SocketAddress, _ completion: @escaping (UVError?) -> Void) {
        onConnect = completion
        let status = address.withSockaddr { sa in
            uv_tcp_connect(connectRequest, tcp, sa) { request, status in
                guard let request, let handle = request.pointee.handle, let data = handle.pointee.data else { return }
                let stream = Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! TCPStream
                let callback = stream.onConnect
                stream.onConnect = nil
                callback?(status < 0 ? UVError(status) : nil)
            }
        }
        if status < 0 {
            onConnect = nil
            completion(UVError(status))
        }
    }

    /// Starts delivering reads to `onRead`.
    @discardableResult
    public func startReading() -> UVError? {
        let status = uv_read_start(stream, { handle, _, buffer in
            // Every stream of a loop reads into the loop's one buffer.
            let loop = Unmanaged<EventLoop>.fromOpaque(handle!.pointee.loop.pointee.data).takeUnretainedValue()
            buffer!.pointee = uv_buf_init(loop.readBuffer.assumingMemoryBound(to: CChar.self), UInt32(loop.readBufferSize))
        }, { stream, nread, buffer in
            guard let stream, let data = stream.pointee.data else { return }
            let me = Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! TCPStream
            if nread > 0 {
                me.onRead?(UnsafeRawBufferPointer(start: buffer!.pointee.base, count: nread))
            } else if nread < 0 {
                uv_read_stop(stream)
                let callback = me.onReadEnd
                callback?(nread == Int(UV_EOF.rawValue) ? nil : UVError(Int32(nread)))
            }
        })
        return status < 0 ? UVError(status) : nil
    }

    /// Stops delivering reads.
    public func stopReading() { uv_read_stop(stream) }

    /// Writes as much of `bytes` as the socket takes now, without queueing. Returns the
    /// number of bytes written (possibly fewer than asked; 0 when the socket would block).
    @inline(__always)
    public func tryWrite(_ bytes: UnsafeRawBufferPointer) -> Result<Int, UVError> {
        var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)), UInt32(bytes.count))
        let n = uv_try_write(stream, &buffer, 1)
        if n >= 0 { return .success(Int(n)) }
        if n == UV_EAGAIN.rawValue { return .success(0) }
        return .failure(UVError(n))
    }

    /// Queues a write of `bytes`, which must stay valid until `completion` runs. One write at a time.
    public func write(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void) {
        precondition(!isWriting, "TCPStream.write while a write is pending")
        isWriting = true
        onWrite = completion
        var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)), UInt32(bytes.count))
        let status = uv_write(writeRequest, stream, &buffer, 1) { request, status in
            guard let request, let handle = request.pointee.handle, let data = handle.pointee.data else { return }
            let me = Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! TCPStream
            me.isWriting = false
            let callback = me.onWrite
            me.onWrite = nil
            callback?(status < 0 ? UVError(status) : nil)
        }
        if status < 0 {
            isWriting = false
            onWrite = nil
            completion(UVError(status))
        }
    }

    /// Writes all of `bytes`: immediately when the socket takes them, otherwise the rest is
    /// queued and `bytes` must stay valid until `completion`. Completion runs synchronously when
    /// everything went out at once. Returns nothing; errors arrive through `completion`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void) {
        switch tryWrite(bytes) {
        case .success(let n) where n == bytes.count:
            completion(nil)
        case .success(let n):
            write(UnsafeRawBufferPointer(rebasing: bytes[n...]), completion)
        case .failure(let error):
            completion(error)
        }
    }

    /// Sends FIN once the queued writes are out, keeping the read side open (a server's
    /// lingering close: the peer still gets the response even if it is still sending).
    public func shutdownWrite() {
        let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        request.initialize(to: uv_shutdown_t())
        let status = uv_shutdown(request, stream) { request, _ in request?.deallocate() }
        if status < 0 { request.deallocate() }
    }

    /// Sends a TCP RST instead of an orderly FIN when closing (SO_LINGER 0).
    public func closeWithReset() {
        var fd: uv_os_fd_t = -1
        if uv_fileno(handle, &fd) == 0 {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        close()
    }

    /// Accepts a pending connection of `listener` into this (fresh) stream.
    func accept(from listener: UnsafeMutablePointer<uv_stream_t>) throws(UVError) {
        try UVError.check(uv_accept(listener, stream))
    }
}
