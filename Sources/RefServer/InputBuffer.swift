internal import CZlib

/// A connection's unread bytes: one growable block, reused for the connection's life.
/// Bytes are consumed from the front; the rest is moved down only when room is needed.
final class InputBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var start = 0
    private(set) var end = 0

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    @inline(__always) var count: Int { end &- start }
    @inline(__always) var isEmpty: Bool { start == end }

    /// The unread bytes; valid until the next append, consume or reserve.
    @inline(__always) var unread: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + start, count: end &- start)
    }

    @inline(__always) func consume(_ n: Int) {
        start &+= n
        if start == end { start = 0; end = 0 }
    }

    func removeAll() { start = 0; end = 0 }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let space = reserve(bytes.count)
        space.copyMemory(from: bytes)
        end &+= bytes.count
    }

    /// At least `minimum` writable bytes after the unread ones; call `didWrite` after filling some.
    func reserve(_ minimum: Int) -> UnsafeMutableRawBufferPointer {
        if capacity &- end < minimum {
            let n = count
            if start > 0 && capacity &- n >= minimum {
                (base).copyMemory(from: base + start, byteCount: n)
            } else {
                let newCapacity = max(capacity * 2, n + minimum)
                let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                newBase.copyMemory(from: base + start, byteCount: n)
                base.deallocate()
                base = newBase
                capacity = newCapacity
            }
            start = 0
            end = n
        }
        return UnsafeMutableRawBufferPointer(start: base + end, count: capacity &- end)
    }

    @inline(__always) func didWrite(_ n: Int) { end &+= n }
}

/// CRC-32 (zlib's, the one `gzip` and Python's `zlib.crc32` compute) continued over `bytes`.
@inline(__always)
func crc32Update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let p = bytes.baseAddress, bytes.count > 0 else { return crc }
    return UInt32(truncatingIfNeeded: crc32(uLong(crc), p.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
}
