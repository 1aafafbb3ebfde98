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
