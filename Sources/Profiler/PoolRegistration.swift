import Foundation

extension Profiler {
    /// Registers every thread of a thread pool the caller does not start itself (libuv's work
    /// queue): submits `size` jobs through `submit`, each registering the thread it runs on and
    /// then waiting until all `size` have started, so no thread takes two and every one takes
    /// one. Gives up after `timeout` seconds (a pool smaller than `size`). Returns how many
    /// threads registered. Call it once, before the pool has other work.
    ///
    ///     Profiler.registerPoolThreads(size: 4) { job in workQueue.submit(job) }
    @discardableResult
    public static func registerPoolThreads(size: Int, timeout: Double = 2,
                                           submit: (@escaping @Sendable () -> Void) -> Void) -> Int {
        guard size > 0 else { return 0 }
        let barrier = PoolBarrier(size: size)
        let deadline = Date().addingTimeInterval(timeout)
        for _ in 0..<size {
            submit {
                let registered = Profiler.registerCurrentThread()
                barrier.arrive(registered: registered, deadline: deadline)
            }
        }
        return barrier.wait(deadline: deadline)
    }
}

/// Holds the pool's jobs until all have arrived (or the deadline passed).
private final class PoolBarrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let size: Int
    private var arrived = 0
    private var registered = 0

    init(size: Int) { self.size = size }

    func arrive(registered ok: Bool, deadline: Date) {
        condition.lock()
        // A job that starts after the deadline ran on a thread that already took one (a pool
        // smaller than `size`): it is not another thread, so it is not counted.
        guard Date() < deadline else { condition.unlock(); return }
        arrived += 1
        if ok { registered += 1 }
        condition.broadcast()
        while arrived < size && Date() < deadline { _ = condition.wait(until: deadline) }
        condition.unlock()
    }

    func wait(deadline: Date) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while arrived < size && Date() < deadline { _ = condition.wait(until: deadline) }
        return registered
    }
}
