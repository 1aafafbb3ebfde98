internal import CTLS
import UVKit

/// TLS over a libuv `TCPStream`, the way Node runs it: OpenSSL never touches the socket.
/// Ciphertext from the stream's read callback goes into a memory BIO, OpenSSL decrypts from
/// it into the context's plaintext buffer, and what OpenSSL writes into the other memory BIO
/// is written to the stream straight from that BIO's memory (`tryWrite`), queued only when
/// the socket is full. Everything runs on the stream's loop thread.
public final class TLSStream {
    public let tcp: TCPStream
    private let context: TLSContext
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer

    /// Decrypted bytes; valid only during the call.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// Reading ended: nil for an orderly end (close_notify or EOF), else the error.
    public var onReadEnd: ((UVError?) -> Void)?
    /// The handshake finished (nil) or failed; called once.
    public var onHandshake: ((TLSError?) -> Void)?
    /// Why the session failed after the handshake, when `onReadEnd` got an error.
    public private(set) var failure: TLSError?

    public private(set) var isHandshakeComplete = false
    private var closed = false
    /// Ciphertext the socket did not take at once, in libuv's hands (`sending`) or waiting (`waiting`).
    private var sending = ByteQueue()
    private var waiting = ByteQueue()
    private var shutdownWhenSent = false

    /// Wraps `tcp` (not yet reading). A client passes the server's name: it is sent as SNI
    /// (unless an IP address) and checked against the certificate when the context verifies.
    public init(tcp: TCPStream, context: TLSContext, serverName: String? = nil) throws(TLSError) {
        guard let ssl = SSL_new(context.raw) else { throw .setup("cannot create a TLS session") }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setup("cannot create memory BIOs")
        }
        // An empty read BIO means "wait for more", not end of file.
        volley_bio_set_eof_return(readBIO, -1)
        volley_bio_set_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        self.tcp = tcp
        self.context = context
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName, !serverName.isEmpty {
                let isIP = TLSIdentity.isIPAddress(serverName)
                if !isIP { volley_ssl_set_sni(ssl, serverName) }
                if context.verify {
                    if isIP {
                        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
                    } else {
                        SSL_set1_host(ssl, serverName)
                    }
                }
            }
            if context.resume, let session = context.session { SSL_set_session(ssl, session) }
        }
        // The owner may drop this stream from inside its callbacks (a reconnect): keep it
        // alive until the read is handled.
        tcp.onRead = { [unowned self] bytes in withExtendedLifetime(self) { self.received(bytes) } }
        tcp.onReadEnd = { [unowned self] error in withExtendedLifetime(self) { self.readEnded(error) } }
    }

    deinit { SSL_free(ssl) }

    /// Starts reading; a client also sends its ClientHello.
    public func start() {
        tcp.startReading()
        if !context.isServer { advanceHandshake() }
    }

    /// Whether this session resumed an earlier one (valid once the handshake is complete).
    public var resumed: Bool { SSL_session_reused(ssl) == 1 }

    /// The negotiated protocol, cipher, group and ALPN (allocates: call once, not per request).
    public var negotiated: TLSNegotiated {
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? ""
        let nid = volley_ssl_group(ssl)
        let group = nid == 0 ? "" : String(cString: volley_group_name(ssl, nid))
        var alpnData: UnsafePointer<UInt8>?
        var alpnLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &alpnData, &alpnLength)
        let alpn = alpnData.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(alpnLength)), as: UTF8.self) } ?? ""
        return TLSNegotiated(protocolVersion: version, cipher: cipher, group: group, alpn: alpn)
    }

    /// Ciphertext the socket refused is still queued in libuv (as `TCPStream.isWriting`).
    public var isWriting: Bool { !sending.isEmpty }
    /// Called when queued ciphertext has all been written (the socket took the backlog).
    public var onDrained: (() -> Void)?
    private var writeCompletion: ((UVError?) -> Void)?

    /// Like `TCPStream.tryWrite`: takes nothing (0) while earlier ciphertext is still queued;
    /// otherwise encrypts all of `bytes`, sends what the socket takes and queues the rest of
    /// the ciphertext, and returns `bytes.count`. Fails once the session is broken or closed.
    @inline(__always)
    public func tryWrite(_ bytes: UnsafeRawBufferPointer) -> Result<Int, UVError> {
        guard isHandshakeComplete, !closed else { return .failure(.brokenPipe) }
        if !sending.isEmpty { return .success(0) }
        if let error = encrypt(bytes) { return .failure(error) }
        if let error = flush() { return .failure(error) }
        return .success(bytes.count)
    }

    /// Like `TCPStream.write`: encrypts all of `bytes` (copied: the caller's buffer is free at
    /// once) and calls `completion` when the ciphertext is all written (at once if the socket
    /// took it). One write at a time.
    public func write(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void) {
        guard isHandshakeComplete, !closed else { completion(.brokenPipe); return }
        if let error = encrypt(bytes) ?? flush() { completion(error); return }
        if sending.isEmpty { completion(nil) } else { writeCompletion = completion }
    }

    /// The same as `write`, named as `TCPStream`'s.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void) {
        write(bytes, completion)
    }

    private func encrypt(_ bytes: UnsafeRawBufferPointer) -> UVError? {
        var written = 0
        if bytes.count > 0 && SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) != 1 {
            failure = TLSError.last(of: ssl)
            return TLSStream.protocolError
        }
        return nil
    }

    /// Sends close_notify, then FIN once everything queued is out; reading goes on.
    public func shutdownWrite() {
        guard !closed else { return }
        if isHandshakeComplete { SSL_shutdown(ssl) }
        _ = flush()
        if sending.isEmpty { tcp.shutdownWrite() } else { shutdownWhenSent = true }
    }

    public func startReading() { tcp.startReading() }
    public func stopReading() { tcp.stopReading() }

    /// Closes the socket; nothing is called back afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        keepSessionResumable()
        onRead = nil; onReadEnd = nil; onHandshake = nil; onDrained = nil; writeCompletion = nil
        tcp.close()
    }

    /// Closes with a TCP reset.
    public func closeWithReset() {
        guard !closed else { return }
        closed = true
        keepSessionResumable()
        onRead = nil; onReadEnd = nil; onHandshake = nil; onDrained = nil; writeCompletion = nil
        tcp.closeWithReset()
    }

    /// OpenSSL forgets a session whose connection is freed without close_notify; a healthy
    /// session ended by us (or by the server's Connection: close) stays resumable. Sending
    /// close_notify would cost a write per connection for nothing the peer needs.
    private func keepSessionResumable() {
        if isHandshakeComplete && failure == nil {
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
        }
    }

    /// libuv's EPROTO: what a broken TLS session looks like to a reader or writer.
    public static let protocolError = UVError(-71)

    // MARK: - Reading

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !closed else { return }
        var offset = 0
        while offset < bytes.count {
            // A memory BIO takes everything; the loop only guards against a short count.
            let n = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(bytes.count - offset))
            if n <= 0 { fail(TLSError(reason: "cannot buffer input")); return }
            offset += Int(n)
        }
        if !isHandshakeComplete {
            advanceHandshake()
            if !isHandshakeComplete || closed { return }
        }
        readPlaintext()
    }

    /// Drives the handshake as far as the buffered input allows; reports its end.
    private func advanceHandshake() {
        let status = SSL_do_handshake(ssl)
        if status == 1 {
            isHandshakeComplete = true
            if let error = flush() { _ = error }
            let callback = onHandshake
            onHandshake = nil
            callback?(nil)
            return
        }
        let code = SSL_get_error(ssl, status)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            if let error = flush() { failHandshake(TLSError(reason: error.message)) }
            return
        }
        let error = TLSError.last(of: ssl)
        _ = flush()   // the alert, if OpenSSL wrote one
        failHandshake(error)
    }

    private func failHandshake(_ error: TLSError) {
        failure = error
        tcp.stopReading()
        let callback = onHandshake
        onHandshake = nil
        callback?(error)
    }

    /// Decrypts every complete record buffered and hands the plaintext to `onRead`.
    private func readPlaintext() {
        let buffer = context.plaintext
        while !closed {
            var count = 0
            if SSL_read_ex(ssl, buffer, TLSContext.plaintextSize, &count) == 1 {
                onRead?(UnsafeRawBufferPointer(start: buffer, count: count))
                continue
            }
            let code = SSL_get_error(ssl, 0)
            switch code {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                // Reading may have produced output (a ticket, a key update answer).
                if let error = flush() { end(error) }
            case SSL_ERROR_ZERO_RETURN:
                _ = flush()
                end(nil)
            default:
                failure = TLSError.last(of: ssl)
                end(TLSStream.protocolError)
            }
            return
        }
    }

    private func readEnded(_ error: UVError?) {
        guard !closed else { return }
        if !isHandshakeComplete {
            failHandshake(error.map { TLSError(reason: "connection failed during the handshake: \($0.message)") } ?? .closedDuringHandshake)
            return
        }
        end(error)
    }

    private func end(_ error: UVError?) {
        tcp.stopReading()
        let callback = onReadEnd
        onReadEnd = nil
        callback?(error)
    }

    private func fail(_ error: TLSError) {
        if isHandshakeComplete { failure = error; end(TLSStream.protocolError) } else { failHandshake(error) }
    }

    // MARK: - Writing

    /// Moves what OpenSSL wrote into the write BIO to the socket: straight from the BIO's
    /// memory when the socket takes it all (the usual case, no copy), else into the queue.
    private func flush() -> UVError? {
        var data: UnsafeMutablePointer<CChar>?
        let count = volley_bio_mem_data(writeBIO, &data)
        guard count > 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        if !sending.isEmpty {
            waiting.append(bytes)
            volley_bio_reset(writeBIO)
            return nil
        }
        switch tcp.tryWrite(bytes) {
        case .success(let n):
            if n < count { sending.append(UnsafeRawBufferPointer(rebasing: bytes[n...])) }
            volley_bio_reset(writeBIO)
            if !sending.isEmpty { sendQueued() }
            return nil
        case .failure(let error):
            volley_bio_reset(writeBIO)
            return error
        }
    }

    private func sendQueued() {
        tcp.write(sending.bytes) { [self] error in
            guard !self.closed else { return }
            self.sending.removeAll()
            if let error {
                let completion = self.writeCompletion
                self.writeCompletion = nil
                completion?(error)
                if !self.closed { self.end(error) }
                return
            }
            if !self.waiting.isEmpty {
                let next = self.waiting
                self.waiting = self.sending
                self.sending = next
                self.sendQueued()
                return
            }
            if self.shutdownWhenSent {
                self.shutdownWhenSent = false
                self.tcp.shutdownWrite()
            }
            let completion = self.writeCompletion
            self.writeCompletion = nil
            completion?(nil)
            if !self.closed { self.onDrained?() }
        }
    }
}

/// A growable byte buffer whose storage stays put while libuv writes from it.
final class ByteQueue {
    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    deinit { storage?.deallocate() }

    func append(_ more: UnsafeRawBufferPointer) {
        if count + more.count > capacity {
            let newCapacity = max(4096, (count + more.count) * 2)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            if let storage { grown.copyMemory(from: storage, byteCount: count); storage.deallocate() }
            storage = grown
            capacity = newCapacity
        }
        storage!.advanced(by: count).copyMemory(from: more.baseAddress!, byteCount: more.count)
        count += more.count
    }

    func removeAll() { count = 0 }
}
