import Foundation
import HTTP1
import LoadGen
import Metrics
@testable import RefServer
import TestSupport
import Testing
import TLS

/// A reference server of `model` serving https with a throwaway certificate.
private func tlsServer(_ model: ServerModel, headerTimeoutMillis: Int = 10_000) throws -> RunningServer {
    let identity = try TLSIdentity.generate(commonName: "localhost")
    return try RunningServer(model) { options in
        options.tls = TLSServerConfiguration(identity: identity)
        options.headerTimeoutMillis = headerTimeoutMillis
    }
}

/// A short https load with the generator, certificate verification off.
private func httpsLoad(port: UInt16, connectionClose: Bool, millis: UInt64 = 600) throws -> LoadMeasurement {
    var options = LoadOptions(url: try HTTPURL(parsing: "https://127.0.0.1:\(port)/plaintext"), threads: 1, connections: 2,
                              durationNanos: millis * 1_000_000,
                              headers: connectionClose ? [("Connection", "close")] : [])
    options.tls = TLSClientConfiguration(verify: false)
    let runner = try LoadRunner(options: options)
    try runner.checkReachable()
    return runner.run(stop: nil)
}

@Suite(.serialized) struct TLSServerTests {
    /// Both models serve https keep-alive loads without errors; the handshakes are counted on both sides.
    @Test(arguments: ServerModel.allCases)
    func keepAliveOverTLS(model: ServerModel) throws {
        let server = try tlsServer(model)
        let m = try httpsLoad(port: server.port, connectionClose: false, millis: 1500)
        #expect(m.requests >= 10)
        #expect(m.errors.total == 0, "\(m.errors)")
        let tls = try #require(m.tls)
        #expect(tls.handshakes >= 2 && tls.handshakes < m.requests)
        #expect(tls.protocolVersion == "TLSv1.3")
        #expect(tls.handshakeLatency.totalCount == tls.handshakes)
        #expect(waitUntil(seconds: 5) { server.count(\.tlsHandshakes) >= 2 })
    }

    /// With Connection: close every request has its own handshake, and those after the first resume.
    @Test(arguments: ServerModel.allCases)
    func handshakePerRequestResumes(model: ServerModel) throws {
        let server = try tlsServer(model)
        let m = try httpsLoad(port: server.port, connectionClose: true, millis: 1000)
        #expect(m.requests >= 4)
        #expect(m.errors.total == 0, "\(m.errors)")
        let tls = try #require(m.tls)
        #expect(tls.handshakes >= m.requests)
        #expect(tls.resumed >= m.requests / 2, "resumed \(tls.resumed) of \(tls.handshakes)")
        #expect(waitUntil(seconds: 5) { server.count(\.tlsResumed) >= Int(m.requests / 2) })
    }

    /// Plain HTTP and garbage on the TLS port: the connection is closed, the failure counted,
    /// and the server goes on serving https.
    @Test(arguments: ServerModel.allCases)
    func plainHTTPAndGarbageClosed(model: ServerModel) throws {
        let server = try tlsServer(model)
        let plain = try TestClient(port: server.port)
        plain.send(get("/"))
        #expect(plain.isClosedByServer())
        let garbage = try TestClient(port: server.port)
        garbage.send([UInt8](repeating: 0x16, count: 3) + [UInt8](repeating: 0xFF, count: 200))
        #expect(garbage.isClosedByServer())
        #expect(waitUntil(seconds: 5) { server.count(\.tlsFailed) >= 2 })
        let m = try httpsLoad(port: server.port, connectionClose: false, millis: 1000)
        #expect(m.requests > 0 && m.errors.total == 0)
    }

    /// A client that stalls mid-handshake is closed after the head timeout and counted; one
    /// that resets mid-handshake is counted as failed; the server keeps serving.
    @Test(arguments: ServerModel.allCases)
    func stalledAndResetHandshakes(model: ServerModel) throws {
        let server = try tlsServer(model, headerTimeoutMillis: 300)
        // The first bytes of a ClientHello record, then nothing.
        let stalled = try TestClient(port: server.port)
        stalled.send([0x16, 0x03, 0x01, 0x00, 0xC8, 0x01])
        #expect(stalled.isClosedByServer())
        #expect(waitUntil(seconds: 5) { server.count(\.tlsTimedOut) >= 1 })
        do {
            // Closed with SO_LINGER 0 when it goes out of scope: the server sees a reset.
            let reset = try TestClient(port: server.port)
            reset.send([0x16, 0x03, 0x01, 0x00, 0xC8, 0x01])
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(reset.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        }
        #expect(waitUntil(seconds: 5) { server.count(\.tlsFailed) >= 1 })
        let m = try httpsLoad(port: server.port, connectionClose: false, millis: 1000)
        #expect(m.requests > 0 && m.errors.total == 0)
    }

    /// /debug/stats carries the TLS counters when the server speaks TLS.
    @Test func statsHaveTLSMember() throws {
        let server = try tlsServer(.async)
        _ = try httpsLoad(port: server.port, connectionClose: false, millis: 200)
        let json = try #require((server.server as? AsyncServer)?.stats.json())
        #expect(json.contains("\"tls\":{\"handshakes\":"))
    }
}
