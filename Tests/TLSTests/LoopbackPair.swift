import TLS
import UVKit

/// What one client connection of a `LoopbackPair` run saw.
struct ClientOutcome {
    var error: TLSError?
    var negotiated: TLSNegotiated?
    var resumed = false
    /// What the server echoed back (upper-cased) after the handshake.
    var echoed: [UInt8] = []
}

/// A TLS echo server and clients on one loop over 127.0.0.1: each client connects, shakes
/// hands, sends `message`, reads the echo and closes; clients run one after another so that
/// later ones can resume the earlier ones' sessions. Bounded by a 5 s timer.
func runLoopback(server: TLSServerConfiguration, client: TLSClientConfiguration, serverName: String? = "localhost",
                 connections: Int = 1, message: [UInt8] = Array("hello".utf8)) throws -> (clients: [ClientOutcome], serverFailures: [TLSError]) {
    let loop = try EventLoop()
    let serverContext = try TLSContext(server: server)
    let clientContext = try TLSContext(client: client)
    let listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
    let address = try SocketAddress.resolve(host: "127.0.0.1", port: listener.localPort)
    var outcomes: [ClientOutcome] = []
    var serverFailures: [TLSError] = []
    var serverSide: [TLSStream] = []
    listener.onAccept { tcp in
        guard let tls = try? TLSStream(tcp: tcp, context: serverContext) else { tcp.close(); return }
        serverSide.append(tls)
        tls.onHandshake = { error in if let error { serverFailures.append(error); tls.close() } }
        tls.onRead = { bytes in
            let upper = bytes.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
            upper.withUnsafeBytes { _ = tls.tryWrite($0) }
        }
        tls.onReadEnd = { _ in tls.close() }
        tls.start()
    }
    let deadline = LoopTimer(loop: loop)
    deadline.start(timeoutMillis: 5000) { loop.stop() }

    var clientSide: TLSStream?
    func next() {
        if outcomes.count == connections { loop.stop(); return }
        outcomes.append(ClientOutcome())
        let index = outcomes.count - 1
        guard let tcp = try? TCPStream(loop: loop), let tls = try? TLSStream(tcp: tcp, context: clientContext, serverName: serverName) else {
            outcomes[index].error = TLSError(reason: "setup failed"); loop.stop(); return
        }
        clientSide = tls
        func finish() { tls.close(); next() }
        tls.onHandshake = { error in
            if let error { outcomes[index].error = error; finish(); return }
            outcomes[index].negotiated = tls.negotiated
            outcomes[index].resumed = tls.resumed
            message.withUnsafeBytes { _ = tls.tryWrite($0) }
        }
        tls.onRead = { bytes in
            outcomes[index].echoed += bytes
            if outcomes[index].echoed.count >= message.count { finish() }
        }
        tls.onReadEnd = { error in
            if outcomes[index].error == nil, let error { outcomes[index].error = TLSError(reason: error.message) }
            finish()
        }
        tcp.connect(to: address) { error in
            if let error { outcomes[index].error = TLSError(reason: error.message); finish(); return }
            tls.start()
        }
    }
    next()
    loop.run()
    _ = clientSide
    for tls in serverSide { tls.close() }
    listener.close()
    deadline.close()
    loop.closeAllHandles()
    loop.drain()
    return (outcomes, serverFailures)
}

/// A CA, a server certificate it signed for localhost/127.0.0.1, and the CA written to a file.
struct TestPKI {
    let ca: TLSIdentity
    let server: TLSIdentity
    let caFile: String

    init(serverHosts: [String] = ["localhost", "127.0.0.1"], notBeforeOffset: Int = -3600, notAfterOffset: Int = 86_400) throws {
        ca = try TLSIdentity.generate(commonName: "Volley Test CA", hosts: [], isCA: true)
        server = try TLSIdentity.generate(commonName: "server", hosts: serverHosts, issuer: ca,
                                          notBeforeOffset: notBeforeOffset, notAfterOffset: notAfterOffset)
        caFile = temporaryPath("ca.pem")
        try ca.write(certificateFile: caFile, keyFile: temporaryPath("ca-key.pem"))
    }
}

func temporaryPath(_ name: String) -> String {
    "/tmp/volley-tls-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
}

#if canImport(Glibc)
import Glibc
#endif
