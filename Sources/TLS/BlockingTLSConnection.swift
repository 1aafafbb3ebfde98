internal import CTLS
#if canImport(Glibc)
import Glibc
#endif

/// TLS straight on a blocking socket, for the thread-per-connection server: OpenSSL reads
/// and writes the file descriptor itself. A socket read timeout (`SO_RCVTIMEO`) surfaces as
/// `EAGAIN`, exactly as with a plain `read`, so the caller's timeout ticks keep working.
public final class BlockingTLSConnection {
    private let ssl: OpaquePointer
    public private(set) var isHandshakeComplete = false
    /// Why the handshake or the session failed.
    public private(set) var failure: TLSError?

    public init(fd: Int32, context: TLSContext) throws(TLSError) {
        guard let ssl = SSL_new(context.raw) else { throw .setup("cannot create a TLS session") }
        guard SSL_set_fd(ssl, fd) == 1 else { SSL_free(ssl); throw .setup("cannot attach the socket") }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
    }

    /// The client side, for one-off requests (a `/health` check); no name is checked.
    public init(fd: Int32, clientContext context: TLSContext) throws(TLSError) {
        guard let ssl = SSL_new(context.raw) else { throw .setup("cannot create a TLS session") }
        guard SSL_set_fd(ssl, fd) == 1 else { SSL_free(ssl); throw .setup("cannot attach the socket") }
        SSL_set_connect_state(ssl)
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }

    /// Runs the server side of the handshake until it completes, fails, or `deadline`
    /// (monotonic ns) passes; `clock` reads the monotonic clock, `shouldStop` is asked on each
    /// read timeout tick (e.g. the server is shutting down).
    public func handshake(deadline: UInt64, clock: () -> UInt64, shouldStop: () -> Bool) -> TLSError? {
        while true {
            let status = SSL_do_handshake(ssl)
            if status == 1 { isHandshakeComplete = true; return nil }
            let code = SSL_get_error(ssl, status)
            let error = errno
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE
                || (code == SSL_ERROR_SYSCALL && (error == EAGAIN || error == EWOULDBLOCK || error == EINTR)) {
                ERR_clear_error()
                if clock() >= deadline { return fail(.handshakeTimedOut) }
                if shouldStop() { return fail(TLSError(reason: "server shutting down")) }
                continue
            }
            if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN {
                ERR_clear_error()
                return fail(.closedDuringHandshake)
            }
            return fail(TLSError.last(of: ssl))
        }
    }

    private func fail(_ error: TLSError) -> TLSError {
        failure = error
        return error
    }

    /// Decrypts into `buffer`: the byte count, 0 at the end of the stream, or -1 with `errno`
    /// set (`EAGAIN` when the read timed out and may be retried).
    public func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var n = 0
        if SSL_read_ex(ssl, buffer, count, &n) == 1 { return n }
        let code = SSL_get_error(ssl, 0)
        let saved = errno
        ERR_clear_error()
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return 0
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            errno = EAGAIN
            return -1
        case SSL_ERROR_SYSCALL:
            if saved == 0 { return 0 }   // EOF without close_notify: the peer is gone
            errno = saved
            return -1
        default:
            failure = TLSError(reason: "TLS error while reading")
            errno = EPROTO
            return -1
        }
    }

    /// Encrypts and writes all of `count` bytes; the count, or -1 with `errno` set.
    public func write(_ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        var n = 0
        while true {
            if SSL_write_ex(ssl, bytes, count, &n) == 1 { return n }
            let code = SSL_get_error(ssl, 0)
            let saved = errno
            ERR_clear_error()
            if code == SSL_ERROR_SYSCALL && saved == EINTR { continue }
            errno = code == SSL_ERROR_SYSCALL && saved != 0 ? saved : EPIPE
            return -1
        }
    }

    /// Whether this session resumed an earlier one.
    public var resumed: Bool { SSL_session_reused(ssl) == 1 }

    private var shutdownSent = false

    /// Sends close_notify once (without waiting for the peer's).
    public func shutdown() {
        guard !shutdownSent else { return }
        shutdownSent = true
        if isHandshakeComplete && failure == nil { SSL_shutdown(ssl) }
        ERR_clear_error()
    }
}
