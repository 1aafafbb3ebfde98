internal import CTLS

/// One OpenSSL context (`SSL_CTX`) and the buffers its connections share. A context belongs
/// to one thread (one per worker loop): its connections are driven only from that loop, so
/// the last session and the buffers need no lock.
public final class TLSContext {
    let raw: OpaquePointer
    let isServer: Bool
    /// Client: offer the last session on new connections.
    let resume: Bool
    /// Client: check the server's certificate and host name.
    let verify: Bool
    /// Client: the newest session the server gave us (a TLS 1.3 ticket or a 1.2 session),
    /// offered by the next connection.
    var session: OpaquePointer?
    /// Decrypted bytes land here and are handed to the connection's reader (valid during the call).
    let plaintext: UnsafeMutableRawPointer
    static let plaintextSize = 64 * 1024

    /// A client context: verification against the system store (or `caFile`), optional
    /// client certificate, ALPN http/1.1, TLS 1.2 to 1.3, session resumption.
    public init(client configuration: TLSClientConfiguration) throws(TLSError) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw .setup("cannot create a TLS context") }
        raw = ctx
        isServer = false
        resume = configuration.resume
        verify = configuration.verify
        plaintext = .allocate(byteCount: TLSContext.plaintextSize, alignment: 64)
        try setVersions(configuration.minVersion, configuration.maxVersion)
        if configuration.verify {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            if let caFile = configuration.caFile {
                guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else { throw .setup("cannot load CA file \(caFile)") }
            } else {
                guard SSL_CTX_set_default_verify_paths(ctx) == 1 else { throw .setup("cannot load the system certificate store") }
            }
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        if let certificateFile = configuration.certificateFile {
            guard let keyFile = configuration.keyFile else { throw TLSError(reason: "a client certificate needs its key (--key)") }
            try TLSIdentity.load(certificateFile: certificateFile, keyFile: keyFile).install(in: ctx)
        } else if configuration.keyFile != nil {
            throw TLSError(reason: "a client key needs its certificate (--cert)")
        }
        var alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        guard SSL_CTX_set_alpn_protos(ctx, &alpn, UInt32(alpn.count)) == 0 else { throw .setup("cannot set ALPN") }
        // Sessions are kept by us (the newest one), not in OpenSSL's cache.
        volley_ctx_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
        volley_ctx_set_app_data(ctx, Unmanaged.passUnretained(self).toOpaque())
        if resume {
            SSL_CTX_sess_set_new_cb(ctx) { ssl, session in
                guard let ssl, let session, let data = volley_ctx_get_app_data(SSL_get_SSL_CTX(ssl)) else { return 0 }
                let context = Unmanaged<TLSContext>.fromOpaque(data).takeUnretainedValue()
                if let old = context.session { SSL_SESSION_free(old) }
                context.session = session
                return 1   // we keep the reference
            }
        }
    }

    /// A server context for `configuration`'s certificate; ALPN picks http/1.1 when offered.
    public init(server configuration: TLSServerConfiguration) throws(TLSError) {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw .setup("cannot create a TLS context") }
        raw = ctx
        isServer = true
        resume = false
        verify = configuration.clientCAFile != nil
        plaintext = .allocate(byteCount: TLSContext.plaintextSize, alignment: 64)
        try setVersions(configuration.minVersion, configuration.maxVersion)
        try configuration.identity.install(in: ctx)
        var id = Array("volley".utf8)
        SSL_CTX_set_session_id_context(ctx, &id, UInt32(id.count))
        if let clientCAFile = configuration.clientCAFile {
            guard SSL_CTX_load_verify_locations(ctx, clientCAFile, nil) == 1 else { throw .setup("cannot load client CA file \(clientCAFile)") }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
        if configuration.ticketKeys.count == 80 {
            var keys = configuration.ticketKeys
            volley_ctx_set_ticket_keys(ctx, &keys, 80)
        }
        SSL_CTX_set_alpn_select_cb(ctx, { _, out, outLength, offered, offeredLength, _ in
            // Walk the client's list (length-prefixed names) for http/1.1.
            guard let offered, let out, let outLength else { return SSL_TLSEXT_ERR_NOACK }
            var i = 0
            let count = Int(offeredLength)
            while i < count {
                let length = Int(offered[i])
                let start = i + 1
                if start + length > count { break }
                if length == 8, UnsafeRawBufferPointer(start: offered + start, count: 8).elementsEqual("http/1.1".utf8) {
                    out.pointee = offered + start
                    outLength.pointee = 8
                    return SSL_TLSEXT_ERR_OK
                }
                i = start + length
            }
            return SSL_TLSEXT_ERR_NOACK
        }, nil)
    }

    deinit {
        if let session { SSL_SESSION_free(session) }
        SSL_CTX_free(raw)
        plaintext.deallocate()
    }

    private func setVersions(_ low: TLSVersion, _ high: TLSVersion) throws(TLSError) {
        guard low <= high else { throw TLSError(reason: "minimum TLS version above the maximum") }
        guard volley_ctx_set_min_proto(raw, low.rawValue) == 1, volley_ctx_set_max_proto(raw, high.rawValue) == 1 else {
            throw .setup("cannot set TLS versions")
        }
    }
}
