import ArgumentParser
import TLS

/// `volley serve`'s https flags.
struct ServeTLSFlags: ParsableArguments {
    @Option(name: .long, help: "Serve https with this PEM certificate chain (needs --tls-key).")
    var tlsCert: String?

    @Option(name: .long, help: "The private key (PEM) of --tls-cert.")
    var tlsKey: String?

    @Flag(name: .long, help: "Serve https with a throwaway self-signed certificate made at start (for localhost, 127.0.0.1, ::1).")
    var tlsSelfSigned = false

    @Option(name: .long, help: "https: require client certificates signed by a CA in this PEM file.")
    var tlsClientCa: String?

    /// The server's TLS settings, nil for plain HTTP; a bad combination or file is exit 2.
    func configuration() throws -> TLSServerConfiguration? {
        if tlsSelfSigned && (tlsCert != nil || tlsKey != nil) {
            throw usageError("use --tls-self-signed or --tls-cert/--tls-key, not both")
        }
        let identity: TLSIdentity
        if tlsSelfSigned {
            do { identity = try TLSIdentity.generate(commonName: "localhost") } catch { throw usageError("\(error)") }
        } else if let tlsCert, let tlsKey {
            do { identity = try TLSIdentity.load(certificateFile: tlsCert, keyFile: tlsKey) } catch { throw usageError("\(error)") }
        } else if tlsCert != nil || tlsKey != nil {
            throw usageError("--tls-cert and --tls-key go together")
        } else {
            if tlsClientCa != nil { throw usageError("--tls-client-ca needs --tls-cert/--tls-key or --tls-self-signed") }
            return nil
        }
        return TLSServerConfiguration(identity: identity, clientCAFile: tlsClientCa)
    }
}
