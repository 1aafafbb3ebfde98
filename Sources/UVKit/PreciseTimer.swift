internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot timer with nanosecond resolution on a loop: a Linux `timerfd` watched by a
/// `uv_poll_t`. libuv's own timers run on the loop's millisecond clock, too coarse to pace
/// requests or to answer after exactly 2 ms; the kernel's high-resolution timer wakes
/// `epoll_wait` at the asked instant instead, without spinning.
public final class PreciseTimer: HandleBox {
    private var callback: (() -> Void)?
    private let fd: Int32
    /// The absolute time (`MonotonicClock` ns) the timer is armed for; 0 when idle.
    public private(set) var armedAt: UInt64 = 0

    /// Creates the timer; `callback` runs on the loop's thread each time an armed time is reached.
    public init(loop: EventLoop, _ callback: @escaping () -> Void) throws(UVError) {
        let fd = volley_timerfd_create()
        if fd < 0 { throw UVError(-errno) }
        self.fd = fd
        self.callback = callback
        super.init(byteCount: MemoryLayout<uv_poll_t>.size)
        let raw = memory.assumingMemoryBound(to: uv_poll_t.self)
        let status = uv_poll_init(loop.raw, raw, fd)
        if status < 0 { Glibc.close(fd); throw UVError(status) }
        retainWhileOpen()
        uv_poll_start(raw, Int32(UV_READABLE.rawValue)) { poll, status, _ in
            guard let poll, let data = poll.pointee.data else { return }
            let timer = Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! PreciseTimer
            volley_timerfd_consume(timer.fd)
            timer.armedAt = 0
            timer.callback?()
        }
    }

    override func willClose() {
        callback = nil
        uv_poll_stop(memory.assumingMemoryBound(to: uv_poll_t.self))
    }

    override func didClose() { Glibc.close(fd) }

    /// Arms the timer for the absolute monotonic time `at` (ns); a time already past fires on
    /// the next loop iteration. Re-arming replaces the previous time.
    public func arm(at: UInt64) {
        guard !isClosing else { return }
        armedAt = at
        _ = volley_timerfd_arm(fd, at)
    }

    /// Disarms the timer.
    public func disarm() {
        guard !isClosing, armedAt != 0 else { return }
        armedAt = 0
        _ = volley_timerfd_disarm(fd)
    }

    /// Keeps the timer from holding its loop open on its own.
    public func unref() { uv_unref(handle) }
}

/// Sets the calling thread's timer slack (Linux default 50 µs): how late the kernel may run
/// its timers to batch wake-ups. A pacing thread wants its wake-ups on time.
public func setThreadTimerSlack(nanoseconds: UInt) { _ = volley_set_timer_slack(nanoseconds) }

/// CPU time used so far by the calling thread, in nanoseconds (CLOCK_THREAD_CPUTIME_ID).
public func threadCPUNanoseconds() -> UInt64 { volley_thread_cpu_nanos() }
