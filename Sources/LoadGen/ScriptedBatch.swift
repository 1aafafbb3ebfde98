/// A batch of script-built requests: with `-p N` the script is asked N times and the requests
/// are joined in one reused buffer; with one request per batch the script's own bytes are
/// written as they are, without a copy. Owned by one worker thread.
final class ScriptedBatch {
    private let calls: Int
    private let joined = ReusedBytes()

    init(calls: Int) {
        self.calls = calls
    }

    /// The next batch; valid until the next call. nil when the script failed.
    @inline(__always)
    func next(from script: ThreadScript) -> UnsafeRawBufferPointer? {
        if calls == 1 { return script.nextRequest() }
        joined.clear()
        for _ in 0..<calls {
            guard let request = script.nextRequest() else { return nil }
            joined.append(request)
        }
        return joined.bytes
    }
}

/// A byte buffer that keeps its largest size, so that filling it again allocates nothing;
/// its bytes stay where they are until it is next changed.
final class ReusedBytes {
    private var storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var used = 0

    deinit { storage.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[..<used]) }

    func clear() { used = 0 }

    func append(_ more: UnsafeRawBufferPointer) {
        guard !more.isEmpty else { return }
        if used + more.count > storage.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(used + more.count, storage.count * 2, 4096), alignment: 16)
            if used > 0 { grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[..<used])) }
            storage.deallocate()
            storage = grown
        }
        UnsafeMutableRawBufferPointer(rebasing: storage[used...]).copyMemory(from: more)
        used += more.count
    }
}
