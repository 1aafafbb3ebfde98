internal import CTLS

/// Why a TLS handshake or session failed, in plain words.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short reason, the same for every failure of one kind (counted per reason in results),
    /// e.g. "certificate has expired", "self-signed certificate", "hostname mismatch".
    public var reason: String
    /// The peer's certificate was refused by verification (as opposed to a protocol failure).
    public var isVerificationFailure: Bool

    public init(reason: String, isVerificationFailure: Bool = false) {
        self.reason = reason
        self.isVerificationFailure = isVerificationFailure
    }

    public var description: String {
        isVerificationFailure ? "certificate verification failed: \(reason)" : reason
    }

    /// The connection ended before the handshake finished.
    public static let closedDuringHandshake = TLSError(reason: "connection closed during the handshake")
    /// The handshake took longer than allowed.
    public static let handshakeTimedOut = TLSError(reason: "handshake timed out")

    /// Reads the reason of a failed SSL call: the verification result when the peer's
    /// certificate was refused, else the first queued OpenSSL error. Clears the error queue.
    static func last(of ssl: OpaquePointer?) -> TLSError {
        defer { ERR_clear_error() }
        if let ssl {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                return TLSError(reason: verificationReason(Int32(verify)), isVerificationFailure: true)
            }
        }
        let code = ERR_get_error()
        if code == 0 { return TLSError(reason: "handshake failed") }
        if let text = ERR_reason_error_string(code) { return TLSError(reason: String(cString: text)) }
        return TLSError(reason: "OpenSSL error \(code)")
    }

    /// OpenSSL's words for a verification result, with the usual three made plainer.
    static func verificationReason(_ code: Int32) -> String {
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED: return "certificate has expired"
        case X509_V_ERR_CERT_NOT_YET_VALID: return "certificate is not yet valid"
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return "self-signed certificate"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "certificate does not match the host name (wrong host)"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            return "certificate issuer is not trusted (unknown CA)"
        default:
            return String(cString: X509_verify_cert_error_string(Int(code)))
        }
    }

    /// A failure while setting up (loading files, creating contexts).
    static func setup(_ what: String) -> TLSError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0, let text = ERR_reason_error_string(code) else { return TLSError(reason: what) }
        return TLSError(reason: "\(what): \(String(cString: text))")
    }
}
