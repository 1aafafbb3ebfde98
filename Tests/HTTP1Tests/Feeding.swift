// Shared by the table-driven tests: the ways one input is cut into reads, so every
// vector is checked whole, byte by byte and split in two at every position.

/// The ways to cut `count` bytes into reads: whole, one byte per read, and two reads
/// split at every inner position. Each cut is a list of read lengths.
func cuts(of count: Int) -> [(name: String, lengths: [Int])] {
    var result: [(name: String, lengths: [Int])] = [("whole", [count])]
    if count > 1 {
        result.append(("byte-by-byte", Array(repeating: 1, count: count)))
        for k in 1..<count {
            result.append(("split at \(k)", [k, count - k]))
        }
    }
    return result
}

/// Calls `body` with consecutive slices of `bytes` of the given lengths, each in its
/// own buffer so nothing can read past a read's end.
func forEachRead(of bytes: [UInt8], lengths: [Int], _ body: (UnsafeRawBufferPointer, Int) -> Bool) {
    var start = 0
    for length in lengths {
        let piece = Array(bytes[start..<(start + length)])
        let keepGoing = piece.withUnsafeBytes { body($0, start) }
        start += length
        if !keepGoing { return }
    }
}
