/// The request batch, encoded once and shared read-only by every connection of every thread:
/// the steady state writes these same bytes again and again.
final class RequestBytes: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    /// Bytes of one request (the batch holds `pipeline` copies).
    let singleRequestCount: Int

    init(request: [UInt8], pipeline: Int) {
        singleRequestCount = request.count
        buffer = .allocate(byteCount: request.count * pipeline, alignment: 64)
        for i in 0..<pipeline {
            UnsafeMutableRawBufferPointer(rebasing: buffer[(i * request.count)...]).copyBytes(from: request)
        }
    }

    var batch: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }

    deinit { buffer.deallocate() }
}

/// The pre-encoded batch of every path of a run, and their weights: shared read-only by all threads.
final class RequestSet: @unchecked Sendable {
    /// One batch (`pipeline` copies of the request) per path, in the order of the options' paths.
    let batches: [RequestBytes]
    let weights: [Double]

    init(requests: [[UInt8]], weights: [Double], pipeline: Int) {
        precondition(requests.count == weights.count && !requests.isEmpty)
        batches = requests.map { RequestBytes(request: $0, pipeline: pipeline) }
        self.weights = weights
    }

    /// A picker for one thread; threads get different sequences.
    func picker(thread: Int) -> PathPicker {
        PathPicker(weights: weights, seed: 0x9E37_79B9_7F4A_7C15 &* UInt64(thread + 1))
    }
}
