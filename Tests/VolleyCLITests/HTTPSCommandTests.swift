import Foundation
import TestSupport
import Testing

/// A `volley serve --tls-self-signed` child on a free loopback port, killed when the test ends.
private func tlsServer(model: String) throws -> VolleyServer {
    try VolleyServer(["serve", "--model", model, "--port", "0", "--threads", "4", "--tls-self-signed"], captureErrors: false)
}

@Suite(.serialized) struct HTTPSCommandTests {
    /// A self-signed server stops the run before it starts: exit 2, the reason in words and the -k hint.
    @Test func selfSignedRefusedWithHint() throws {
        let server = try tlsServer(model: "async")
        let result = try runVolley(["-t1", "-c2", "-d300ms", server.url])
        #expect(result.code == 2)
        #expect(result.err.contains("self-signed certificate"), "\(result.err)")
        #expect(result.err.contains("-k/--insecure"))
    }

    /// With -k both server models serve the run; the text has the TLS line and the JSON summary.tls.
    @Test(arguments: ["async", "sync"])
    func insecureRunReportsTLS(model: String) throws {
        let server = try tlsServer(model: model)
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("volley-https-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: json) }
        let result = try runVolley(["-k", "-t1", "-c2", "-d1s", "-H", "Connection: close", "--json", json, server.url])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("  TLS: TLSv1.3 "), "\(result.out)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let variants = object?["variants"] as? [[String: Any]]
        let tls = (variants?.first?["summary"] as? [String: Any])?["tls"] as? [String: Any]
        #expect((tls?["handshakes"] as? Int ?? 0) >= 1)
        #expect((tls?["resumed"] as? Int ?? 0) >= 1)
        #expect(tls?["protocol"] as? String == "TLSv1.3")
        #expect(((tls?["handshakeLatency"] as? [String: Any])?["percentiles"] as? [Any])?.isEmpty == false)
    }

    /// Half a certificate pair, or a missing file, is a usage error (exit 2) with a message.
    @Test func badServerCertificateFlags() throws {
        let half = try runVolley(["serve", "--port", "0", "--tls-cert", "/nonexistent.pem"])
        #expect(half.code == 2)
        #expect(half.err.contains("--tls-key"))
        let missing = try runVolley(["serve", "--port", "0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent-key.pem"])
        #expect(missing.code == 2)
        #expect(missing.err.contains("/nonexistent.pem"))
    }
}
