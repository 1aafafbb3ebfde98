import Testing
import TLS

@Suite struct TLSStreamTests {
    /// A verified handshake over loopback agrees on TLS 1.3 and ALPN http/1.1, and data flows both ways.
    @Test func verifiedHandshakeCarriesData() throws {
        let pki = try TestPKI()
        let result = try runLoopback(server: TLSServerConfiguration(identity: pki.server),
                                     client: TLSClientConfiguration(caFile: pki.caFile))
        let outcome = try #require(result.clients.first)
        #expect(outcome.error == nil)
        #expect(outcome.negotiated?.protocolVersion == "TLSv1.3")
        #expect(outcome.negotiated?.alpn == "http/1.1")
        #expect(outcome.negotiated?.group.isEmpty == false)
        #expect(outcome.echoed == Array("HELLO".utf8))
    }

    /// Verification against the system store refuses a certificate from an unknown CA, and -k style (verify off) accepts it.
    @Test func unknownIssuerRefusedUnlessVerificationIsOff() throws {
        let pki = try TestPKI()
        let refused = try runLoopback(server: TLSServerConfiguration(identity: pki.server), client: TLSClientConfiguration())
        let error = try #require(refused.clients.first?.error)
        #expect(error.isVerificationFailure)
        let accepted = try runLoopback(server: TLSServerConfiguration(identity: pki.server), client: TLSClientConfiguration(verify: false))
        #expect(accepted.clients.first?.error == nil)
        #expect(accepted.clients.first?.echoed == Array("HELLO".utf8))
    }

    /// A self-signed server certificate is refused with "self-signed certificate".
    @Test func selfSignedRefused() throws {
        let identity = try TLSIdentity.generate(commonName: "localhost")
        let result = try runLoopback(server: TLSServerConfiguration(identity: identity), client: TLSClientConfiguration())
        #expect(result.clients.first?.error?.reason == "self-signed certificate")
    }

    /// A certificate for another host is refused as a wrong host, both by name and by IP address.
    @Test func wrongHostRefused() throws {
        let pki = try TestPKI(serverHosts: ["other.example"])
        let byName = try runLoopback(server: TLSServerConfiguration(identity: pki.server),
                                     client: TLSClientConfiguration(caFile: pki.caFile), serverName: "localhost")
        #expect(byName.clients.first?.error?.reason.contains("wrong host") == true)
        let byIP = try runLoopback(server: TLSServerConfiguration(identity: pki.server),
                                   client: TLSClientConfiguration(caFile: pki.caFile), serverName: "127.0.0.1")
        #expect(byIP.clients.first?.error?.reason.contains("wrong host") == true)
    }

    /// An expired certificate is refused as expired.
    @Test func expiredRefused() throws {
        let pki = try TestPKI(notBeforeOffset: -2 * 86_400, notAfterOffset: -86_400)
        let result = try runLoopback(server: TLSServerConfiguration(identity: pki.server), client: TLSClientConfiguration(caFile: pki.caFile))
        #expect(result.clients.first?.error?.reason == "certificate has expired")
    }

    /// A server that requires client certificates refuses a client without one and accepts one the CA signed.
    @Test func clientCertificates() throws {
        let pki = try TestPKI()
        let clientIdentity = try TLSIdentity.generate(commonName: "client", hosts: [], issuer: pki.ca)
        let certFile = temporaryPath("client.pem"), keyFile = temporaryPath("client-key.pem")
        try clientIdentity.write(certificateFile: certFile, keyFile: keyFile)
        let server = TLSServerConfiguration(identity: pki.server, clientCAFile: pki.caFile)
        let without = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile))
        // TLS 1.3: the client finishes first and learns of the refusal when it reads.
        #expect(without.clients.first?.echoed.isEmpty == true)
        #expect(without.serverFailures.count == 1)
        let with = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile, certificateFile: certFile, keyFile: keyFile))
        #expect(with.clients.first?.error == nil)
        #expect(with.clients.first?.echoed == Array("HELLO".utf8))
        #expect(with.serverFailures.isEmpty)
    }

    /// Later connections resume the session of the first (TLS 1.3 and 1.2), and do not when resumption is off.
    @Test(arguments: [TLSVersion.tls13, .tls12])
    func resumption(version: TLSVersion) throws {
        let pki = try TestPKI()
        let server = TLSServerConfiguration(identity: pki.server, minVersion: version, maxVersion: version)
        let on = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile), connections: 3)
        #expect(on.clients.map(\.resumed) == [false, true, true])
        #expect(on.clients.allSatisfy { $0.error == nil && $0.echoed == Array("HELLO".utf8) })
        let off = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile, resume: false), connections: 3)
        #expect(off.clients.map(\.resumed) == [false, false, false])
    }

    /// A TLS 1.2-only and a TLS 1.3-only server are each spoken to in their version; a client
    /// pinned to the other version fails with a protocol reason.
    @Test(arguments: [(TLSVersion.tls12, "TLSv1.2"), (.tls13, "TLSv1.3")])
    func versionPinnedPeers(version: TLSVersion, name: String) throws {
        let pki = try TestPKI()
        let server = TLSServerConfiguration(identity: pki.server, minVersion: version, maxVersion: version)
        let ok = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile))
        #expect(ok.clients.first?.negotiated?.protocolVersion == name)
        let other: TLSVersion = version == .tls12 ? .tls13 : .tls12
        let mismatch = try runLoopback(server: server, client: TLSClientConfiguration(caFile: pki.caFile, minVersion: other, maxVersion: other))
        let error = try #require(mismatch.clients.first?.error)
        #expect(!error.isVerificationFailure)
        #expect(!error.reason.isEmpty)
    }

    /// Identities round-trip through PEM files, and a key that does not match its certificate is refused.
    @Test func identityFiles() throws {
        let one = try TLSIdentity.generate(commonName: "one")
        let two = try TLSIdentity.generate(commonName: "two")
        let cert = temporaryPath("cert.pem"), key = temporaryPath("key.pem"), otherKey = temporaryPath("other-key.pem")
        try one.write(certificateFile: cert, keyFile: key)
        try two.write(certificateFile: temporaryPath("two.pem"), keyFile: otherKey)
        #expect(try TLSIdentity.load(certificateFile: cert, keyFile: key) == one)
        #expect(throws: TLSError.self) { try TLSIdentity.load(certificateFile: cert, keyFile: otherKey) }
        #expect(throws: TLSError.self) { try TLSIdentity.load(certificateFile: "/nonexistent/cert.pem", keyFile: key) }
    }
}
