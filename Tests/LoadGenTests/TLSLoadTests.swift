import Foundation
import HTTP1
import Metrics
import PeerFixtures
import Testing
import TLS
@testable import LoadGen

/// A throwaway certificate for the fixtures (one per process: generating keys costs).
private let fixtureIdentity: TLSIdentity = try! TLSIdentity.generate(commonName: "localhost")

private func httpsOptions(port: UInt16, millis: UInt64, timeoutMillis: UInt64 = 300, verify: Bool = false,
                          caFile: String? = nil, host: String = "127.0.0.1") throws -> LoadOptions {
    var options = LoadOptions(url: try HTTPURL(parsing: "https://\(host):\(port)/"), threads: 1, connections: 4,
                              durationNanos: millis * 1_000_000, timeoutNanos: timeoutMillis * 1_000_000)
    options.tls = TLSClientConfiguration(verify: verify, caFile: caFile)
    return options
}

@Suite(.serialized) struct TLSLoadTests {
    /// The hardening corpus over TLS: each misbehaviour inside a TLS session is counted in its
    /// error class while the healthy connections keep working, and the run ends on time.
    @Test(arguments: [
        (Misbehaviour.resetMidResponse, \ErrorCounts.read),
        (.garbageStatusLine, \ErrorCounts.parse),
        (.truncatedBody, \ErrorCounts.read),
        (.endlessChunked, \ErrorCounts.timeout),
        (.trickle, \ErrorCounts.timeout),
        (.neverAnswer, \ErrorCounts.timeout),
    ] as [(Misbehaviour, KeyPath<ErrorCounts, UInt64> & Sendable)])
    func misbehavingServerOverTLS(_ misbehaviour: Misbehaviour, errorClass: KeyPath<ErrorCounts, UInt64> & Sendable) throws {
        let server = try HostileServer(misbehaviour, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 700))
        try runner.checkReachable()
        let m = runner.run(handleInterrupt: false)
        #expect(m.errors[keyPath: errorClass] >= 1, "\(misbehaviour): \(m.errors)")
        #expect(m.statusClasses[2] > 20, "healthy connections kept answering")
        #expect(m.elapsedNanoseconds < 1_400 * 1_000_000)
        #expect(m.tls?.handshakes ?? 0 >= 2)
    }

    /// A 100 MB body inside TLS is read and counted without holding it in memory, and the run ends on time.
    @Test func hugeBodyOverTLS() throws {
        let server = try HostileServer(.hugeBody, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 700))
        let m = runner.run(handleInterrupt: false)
        #expect(m.statusClasses[2] > 20)
        #expect(m.bytesRead > 1_000_000)
        #expect(m.elapsedNanoseconds < 1_400 * 1_000_000)
    }

    /// Connections closed right after accept fail their handshake mid-run: counted as `tls`
    /// errors with the reason, while the other connections keep working.
    @Test func handshakeFailuresCountedWithReason() throws {
        let server = try HostileServer(.closeOnAccept, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 500))
        let m = runner.run(handleInterrupt: false)
        #expect(m.errors.tls >= 1, "\(m.errors)")
        let reasons = m.tls?.failures ?? [:]
        #expect(reasons.values.reduce(0, +) == m.errors.tls)
        #expect(m.statusClasses[2] > 20)
    }

    /// The first handshake is checked before the run: a self-signed certificate stops it with
    /// the reason and the hint about -k; with verification off the same target is fine.
    @Test func firstHandshakeRefusedWithReason() throws {
        let server = try HostileServer(.neverAnswer, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let verified = try LoadRunner(options: httpsOptions(port: server.port, millis: 100, verify: true))
        do {
            try verified.checkReachable()
            Issue.record("a self-signed certificate passed verification")
        } catch {
            #expect(error.description.contains("self-signed certificate"))
            #expect(error.description.contains("-k/--insecure"))
        }
        try LoadRunner(options: httpsOptions(port: server.port, millis: 100, verify: false)).checkReachable()
    }

    /// A plain HTTP server behind an https:// URL fails the first handshake with OpenSSL's reason.
    @Test func plainServerRefused() throws {
        let server = try HostileServer(.neverAnswer)
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 100))
        #expect(throws: LoadError.self) { try runner.checkReachable(timeoutMillis: 1000) }
    }

    /// The TLS server name comes from the Host header when one is given, else from the URL.
    @Test func serverNameFromHostHeader() throws {
        var options = try httpsOptions(port: 443, millis: 100, host: "example.org")
        #expect(options.tlsServerName == "example.org")
        options.headers = [("Host", "api.example.com:8443")]
        #expect(options.tlsServerName == "api.example.com")
        options.headers = [("host", "[::1]:8443")]
        #expect(options.tlsServerName == "::1")
        #expect(options.configuration.url == "https://example.org/")
    }
}
