/// Finds where request heads end (at the empty line, CR LF CR LF) in bytes as they arrive,
/// in any split. The fixtures answer per head; they do not parse requests.
struct HeadCounter {
    /// How far into CR LF CR LF the bytes seen so far are.
    private var match = 0

    /// Feeds one byte; true when it ends a head.
    @inline(__always)
    mutating func ends(at byte: UInt8) -> Bool {
        if byte == (match % 2 == 0 ? 13 : 10) {
            match += 1
            if match == 4 { match = 0; return true }
        } else {
            match = byte == 13 ? 1 : 0
        }
        return false
    }

    /// Feeds `bytes`; returns how many heads they end.
    mutating func count(_ bytes: UnsafeRawBufferPointer) -> Int {
        var heads = 0
        for byte in bytes where ends(at: byte) { heads += 1 }
        return heads
    }
}
