import HTTP1

/// Keeps the raw bytes of each response on one connection for a script that asks for them
/// (`response()`): it frames responses with its own parser, fed the same bytes as the
/// connection's, so the engine's parser stays free of any buffering. Used only when a script
/// wants responses; its buffer is reused from one response to the next.
struct ResponseCollector {
    private var parser: ResponseParser
    private var bytes: [UInt8] = []

    init(isHeadRequest: Bool) {
        parser = ResponseParser(isHeadRequest: isHeadRequest)
        bytes.reserveCapacity(4096)
    }

    /// A new connection: forget any partial response.
    mutating func reset() {
        parser.reset()
        bytes.removeAll(keepingCapacity: true)
    }

    /// Feeds bytes read; hands every response they complete to `script`.
    mutating func feed(_ input: UnsafeRawBufferPointer, to script: ThreadScript) {
        var rest = input
        while !rest.isEmpty {
            switch parser.parse(rest) {
            case .needMore:
                bytes.append(contentsOf: rest)
                return
            case .complete(let consumed):
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<consumed]))
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                deliver(to: script)
            case .error:
                // The connection's own parser fails on the same bytes and drops the connection.
                reset()
                return
            }
        }
    }

    /// The peer closed: a close-delimited body ends here.
    mutating func finish(to script: ThreadScript) {
        if case .complete = parser.finish() { deliver(to: script) }
        reset()
    }

    private mutating func deliver(to script: ThreadScript) {
        let status = parser.status
        bytes.withUnsafeBytes { script.response(status: status, raw: $0) }
        bytes.removeAll(keepingCapacity: true)
    }
}
