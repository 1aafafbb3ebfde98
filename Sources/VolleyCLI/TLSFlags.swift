import ArgumentParser
import TLS

/// The https flags of `run` and `probe` (curl's names): verification, CA file, client
/// certificate, session resumption.
struct TLSFlags: ParsableArguments {
    @Flag(name: [.customShort("k"), .long], help: "https: do not verify the server's certificate (self-signed, expired, wrong host).")
    var insecure = false

    @Option(name: .long, help: "https: trust the CA certificates in this PEM file instead of the system store.")
    var cacert: String?

    @Option(name: .long, help: "https: present this client certificate (PEM); needs --key.")
    var cert: String?

    @Option(name: .long, help: "https: the client certificate's private key (PEM).")
    var key: String?

    @Flag(name: .long, help: "https: a full handshake on every new connection (no session resumption).")
    var noTlsResume = false

    /// The engine's TLS settings.
    var configuration: TLSClientConfiguration {
        TLSClientConfiguration(verify: !insecure, caFile: cacert, certificateFile: cert, keyFile: key, resume: !noTlsResume)
    }
}
