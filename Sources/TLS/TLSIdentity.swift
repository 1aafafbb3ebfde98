internal import CTLS
#if canImport(Glibc)
import Glibc
#endif

/// A certificate chain and its private key, as PEM text. Plain bytes, so one identity can be
/// handed to every worker thread, each of which loads it into its own context.
public struct TLSIdentity: Sendable, Equatable {
    /// The leaf certificate first, then any intermediates.
    public var certificatePEM: [UInt8]
    public var privateKeyPEM: [UInt8]

    public init(certificatePEM: [UInt8], privateKeyPEM: [UInt8]) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Reads a PEM certificate chain and a PEM private key, checking that they belong together.
    public static func load(certificateFile: String, keyFile: String) throws(TLSError) -> TLSIdentity {
        let identity = TLSIdentity(certificatePEM: try readFile(certificateFile), privateKeyPEM: try readFile(keyFile))
        // Loading into a throwaway context checks the PEM and that key and certificate match.
        let context = SSL_CTX_new(TLS_server_method())
        defer { SSL_CTX_free(context) }
        try identity.install(in: context)
        return identity
    }

    /// Writes the certificate and key as PEM files (the key readable by the owner only).
    public func write(certificateFile: String, keyFile: String) throws(TLSError) {
        try TLSIdentity.writeFile(certificateFile, certificatePEM, mode: 0o644)
        try TLSIdentity.writeFile(keyFile, privateKeyPEM, mode: 0o600)
    }

    /// Makes a new ECDSA P-256 key and a certificate for it, signed by `issuer` (self-signed
    /// when nil). `hosts` become subject alternative names (IP addresses as IP entries).
    /// Validity runs from `notBeforeOffset` to `notAfterOffset` seconds from now, so tests
    /// can make expired or not-yet-valid certificates.
    public static func generate(commonName: String, hosts: [String] = ["localhost", "127.0.0.1", "::1"],
                                isCA: Bool = false, issuer: TLSIdentity? = nil,
                                notBeforeOffset: Int = -3600, notAfterOffset: Int = 30 * 86_400) throws(TLSError) -> TLSIdentity {
        guard let key = makeKey() else { throw .setup("cannot generate a key") }
        defer { EVP_PKEY_free(key) }
        guard let cert = X509_new() else { throw .setup("cannot create a certificate") }
        defer { X509_free(cert) }
        var issuerCert: OpaquePointer?
        var issuerKey: OpaquePointer?
        defer { if let issuerCert { X509_free(issuerCert) }; if let issuerKey { EVP_PKEY_free(issuerKey) } }
        if let issuer {
            issuerCert = readCertificates(issuer.certificatePEM).first
            issuerKey = readKey(issuer.privateKeyPEM)
            guard issuerCert != nil, issuerKey != nil else { throw .setup("cannot read the issuer's certificate or key") }
        }
        X509_set_version(cert, 2)
        var serial = [UInt8](repeating: 0, count: 8)
        RAND_bytes(&serial, 8)
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial.withUnsafeBytes { $0.load(as: UInt64.self) } >> 1)
        guard volley_x509_set_validity(cert, notBeforeOffset, notAfterOffset) == 1 else { throw .setup("cannot set validity") }
        X509_set_pubkey(cert, key)
        let name = X509_get_subject_name(cert)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(cert, issuerCert.map { X509_get_subject_name($0) } ?? name)

        var extensions: [(Int32, String)] = [(NID_basic_constraints, isCA ? "critical,CA:TRUE" : "CA:FALSE")]
        if isCA {
            extensions.append((NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"))
        } else {
            extensions.append((NID_ext_key_usage, "serverAuth,clientAuth"))
        }
        if !hosts.isEmpty {
            let names = hosts.map { isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
            extensions.append((NID_subject_alt_name, names))
        }
        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, issuerCert ?? cert, cert, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else { throw .setup("cannot add extension \(value)") }
            X509_add_ext(cert, ext, -1)
            X509_EXTENSION_free(ext)
        }
        guard X509_sign(cert, issuerKey ?? key, EVP_sha256()) > 0 else { throw .setup("cannot sign the certificate") }

        let certPEM = pem { PEM_write_bio_X509($0, cert) }
        let keyPEM = pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        guard let certPEM, let keyPEM else { throw .setup("cannot encode PEM") }
        return TLSIdentity(certificatePEM: certPEM, privateKeyPEM: keyPEM)
    }

    /// Puts the chain and key into a context.
    func install(in context: OpaquePointer?) throws(TLSError) {
        let certificates = TLSIdentity.readCertificates(certificatePEM)
        guard let leaf = certificates.first else { throw .setup("no PEM certificate found") }
        defer { for c in certificates { X509_free(c) } }
        guard SSL_CTX_use_certificate(context, leaf) == 1 else { throw .setup("cannot use the certificate") }
        for extra in certificates.dropFirst() {
            guard volley_ctx_add1_chain_cert(context, extra) == 1 else { throw .setup("cannot add a chain certificate") }
        }
        guard let key = TLSIdentity.readKey(privateKeyPEM) else { throw .setup("no PEM private key found") }
        defer { EVP_PKEY_free(key) }
        guard SSL_CTX_use_PrivateKey(context, key) == 1 else { throw .setup("cannot use the private key") }
        guard SSL_CTX_check_private_key(context) == 1 else { throw .setup("the private key does not match the certificate") }
    }

    // MARK: - OpenSSL plumbing

    private static func makeKey() -> OpaquePointer? {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1,
              EVP_PKEY_generate(ctx, &key) == 1 else { return nil }
        return key
    }

    static func readCertificates(_ pem: [UInt8]) -> [OpaquePointer] {
        pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return [] }
            defer { BIO_free(bio) }
            var out: [OpaquePointer] = []
            while let cert = PEM_read_bio_X509(bio, nil, nil, nil) { out.append(cert) }
            ERR_clear_error()   // the loop ends on "no start line"
            return out
        }
    }

    static func readKey(_ pem: [UInt8]) -> OpaquePointer? {
        pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) -> [UInt8]? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return nil }
        var data: UnsafeMutablePointer<CChar>?
        let count = volley_bio_mem_data(bio, &data)
        guard let data, count > 0 else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: count))
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private static func readFile(_ path: String) throws(TLSError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw TLSError(reason: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(TLSError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError(reason: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
        guard ok else { throw TLSError(reason: "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
