internal import CLibUV

/// libuv's thread pool (uv_queue_work): runs blocking or CPU-heavy work off the loop
/// thread, then a completion back on the loop thread, as Python's `run_in_executor` does.
/// The pool has `UV_THREADPOOL_SIZE` threads (4 by default) shared by every loop of the process.
extension EventLoop {
    /// Runs `work` on a pool thread, then `completion` on this loop's thread. `work` must
    /// not touch loop state; hand its result over through something both closures capture.
    /// If the request cannot be queued, both run here, one after the other.
    public func queueWork(_ work: @escaping @Sendable () -> Void, completion: @escaping () -> Void) {
        let box = WorkBox(work: work, completion: completion)
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        request.initialize(to: uv_work_t())
        request.pointee.data = Unmanaged.passRetained(box).toOpaque()
        let status = uv_queue_work(raw, request, { request in
            guard let request, let data = request.pointee.data else { return }
            Unmanaged<WorkBox>.fromOpaque(data).takeUnretainedValue().work()
        }, { request, _ in
            guard let request, let data = request.pointee.data else { return }
            let box = Unmanaged<WorkBox>.fromOpaque(data).takeRetainedValue()
            request.deallocate()
            box.completion()
        })
        if status < 0 {
            Unmanaged<WorkBox>.fromOpaque(request.pointee.data!).release()
            request.deallocate()
            work()
            completion()
        }
    }
}

/// The two halves of one queued job; crosses to the pool thread and back once.
private final class WorkBox: @unchecked Sendable {
    let work: @Sendable () -> Void
    let completion: () -> Void
    init(work: @escaping @Sendable () -> Void, completion: @escaping () -> Void) {
        self.work = work
        self.completion = completion
    }
}
