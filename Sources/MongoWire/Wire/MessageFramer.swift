/// Cuts a byte stream into whole wire messages, whatever the read boundaries: a message may
/// arrive byte by byte, or several in one read. Only the incomplete tail is ever copied.
public struct MessageFramer {
    /// mongod's maxMessageSizeBytes; a larger length field is malformed input.
    public static let maxMessageSize = 48_000_000

    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held back waiting for the rest of a message.
    public var bufferedCount: Int { pending.count }

    /// Feeds `bytes` and calls `onMessage` with each complete message (valid only during the call).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onMessage: (UnsafeRawBufferPointer) throws(WireError) -> Void) throws(WireError) {
        var input = bytes
        if !pending.isEmpty {
            // Complete the held-back message first, taking no more than it needs.
            if pending.count < 4 {
                let take = min(4 - pending.count, input.count)
                pending.append(contentsOf: input.prefix(take))
                input = UnsafeRawBufferPointer(rebasing: input[take...])
                if pending.count < 4 { return }
            }
            let length = try Self.length(pending.withUnsafeBytes { $0 })
            let take = min(length - pending.count, input.count)
            pending.append(contentsOf: input.prefix(take))
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            if pending.count < length { return }
            let message = pending
            pending.removeAll(keepingCapacity: pending.capacity <= 64 * 1024)
            let result = message.withUnsafeBytes { raw in Result { () throws(WireError) in try onMessage(raw) } }
            try result.get()
        }
        while input.count >= 4 {
            let length = try Self.length(input)
            guard input.count >= length else { break }
            try onMessage(UnsafeRawBufferPointer(rebasing: input[0..<length]))
            input = UnsafeRawBufferPointer(rebasing: input[length...])
        }
        pending.append(contentsOf: input)
    }

    static func length(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Int {
        let length = Int(Int32(littleEndian: bytes.loadUnaligned(as: Int32.self)))
        guard length >= MessageHeader.size, length <= maxMessageSize else {
            throw WireError("message length \(length) out of range")
        }
        return length
    }
}
