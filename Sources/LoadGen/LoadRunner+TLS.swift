import TLS
import UVKit

extension LoadRunner {
    /// Loads the certificate files once, so that a bad `--cacert`, `--cert` or `--key` is an
    /// error before any thread starts.
    static func checkTLSConfiguration(_ options: LoadOptions) throws(LoadError) {
        guard options.url.isTLS else { return }
        do { _ = try TLSContext(client: options.tls) } catch { throw .invalidOption("\(error)") }
    }

    /// Makes one TLS handshake with the target, so that a certificate that does not verify
    /// (expired, self-signed, wrong host) or a server that does not speak TLS stops the run
    /// before it starts, with OpenSSL's reason.
    func checkHandshake(timeoutMillis: UInt64) throws(LoadError) {
        let loop: EventLoop
        let context: TLSContext
        let stream: TCPStream
        do { loop = try EventLoop(readBufferSize: 16 * 1024) } catch { throw .system("event loop: \(error)") }
        do { context = try TLSContext(client: options.tls) } catch { throw .invalidOption("\(error)") }
        do { stream = try TCPStream(loop: loop) } catch { throw .system("socket: \(error)") }
        let tls: TLSStream
        do { tls = try TLSStream(tcp: stream, context: context, serverName: options.tlsServerName) } catch {
            throw .tlsHandshake(address: targetAddress.description, reason: error)
        }
        var outcome: TLSError?? = .none
        let timer = LoopTimer(loop: loop)
        timer.start(timeoutMillis: timeoutMillis) { outcome = .some(.handshakeTimedOut); loop.stop() }
        tls.onHandshake = { error in outcome = .some(error); loop.stop() }
        tls.onReadEnd = { _ in }
        stream.connect(to: targetAddress) { error in
            if let error {
                outcome = .some(TLSError(reason: "connect failed: \(error.message)"))
                loop.stop()
                return
            }
            tls.start()
        }
        loop.run()
        timer.close()
        if case .some(.none) = outcome { tls.shutdownWrite() }
        tls.close()
        loop.closeAllHandles()
        loop.drain()
        if case .some(.some(let error)) = outcome {
            throw .tlsHandshake(address: targetAddress.description, reason: error)
        }
    }
}
