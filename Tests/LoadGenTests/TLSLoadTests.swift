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
    @Test(arguments: HostilePeerTests.misbehaviours)
    func misbehavingServerOverTLS(_ misbehaviour: Misbehaviour, errorClass: KeyPath<ErrorCounts, UInt64> & Sendable) throws {
        let server = try HostileServer(misbehaviour, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        // 1.5 s (not the plain test's 0.7 s): handshakes come first, and on a loaded machine
        // they can take a good part of a short run.
        let runMillis: UInt64 = 1500, timeoutMillis: UInt64 = 300
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: runMillis, timeoutMillis: timeoutMillis))
        try runner.checkReachable()
        let m = runner.run(stop: nil)
        #expect(m.errors[keyPath: errorClass] >= 1, "\(misbehaviour): \(m.errors)")
        #expect(m.statusClasses[2] >= 5, "healthy connections kept answering")
        #expect(m.elapsedNanoseconds < (runMillis + timeoutMillis + 400) * 1_000_000)
        #expect(m.tls?.handshakes ?? 0 >= 2)
    }

    /// 100 MB bodies inside TLS are read and counted without errors, and memory stays bounded
    /// on both sides (the fixture encrypts only as fast as the socket drains).
    @Test func hugeBodyOverTLSKeepsMemoryBounded() throws {
        let server = try HostileServer(.hugeBody, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 700, timeoutMillis: 2000))
        let before = residentBytes("VmRSS")
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let m = runner.run(stop: nil)
        let peak = residentBytes("VmHWM")
        #expect(m.errors.total == 0, "\(m.errors)")
        #expect(m.bytesRead > 5_000_000, "read \(m.bytesRead) bytes")
        #expect(peak - before < 48 << 20, "peak RSS grew \((peak - before) >> 20) MiB")
    }

    /// Connections closed right after accept fail their handshake mid-run: counted as `tls`
    /// errors with the reason, while the other connections keep working.
    @Test func handshakeFailuresCountedWithReason() throws {
        let server = try HostileServer(.closeOnAccept, every: 2, tls: TLSServerConfiguration(identity: fixtureIdentity))
        defer { server.stop() }
        let runner = try LoadRunner(options: httpsOptions(port: server.port, millis: 1000))
        let m = runner.run(stop: nil)
        #expect(m.errors.tls >= 1, "\(m.errors)")
        let reasons = m.tls?.failures ?? [:]
        #expect(reasons.values.reduce(0, +) == m.errors.tls)
        #expect(m.statusClasses[2] >= 5)
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

/// A figure of /proc/self/status in bytes (VmRSS now, VmHWM the peak since the last reset).
private func residentBytes(_ key: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
    }
    return 0
}
