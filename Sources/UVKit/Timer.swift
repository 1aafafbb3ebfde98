internal import CLibUV

/// A libuv timer (millisecond resolution, driven by the loop's cached time).
public final class LoopTimer: HandleBox {
    private var callback: (() -> Void)?

    public init(loop: EventLoop) {
        super.init(byteCount: MemoryLayout<uv_timer_t>.size)
        uv_timer_init(loop.raw, memory.assumingMemoryBound(to: uv_timer_t.self))
        retainWhileOpen()
    }

    override func willClose() { callback = nil }

    /// Fires `callback` after `timeoutMillis`, then every `repeatMillis` if that is non-zero.
    public func start(timeoutMillis: UInt64, repeatMillis: UInt64 = 0, _ callback: @escaping () -> Void) {
        self.callback = callback
        uv_timer_start(memory.assumingMemoryBound(to: uv_timer_t.self), { timer in
            guard let timer, let data = timer.pointee.data else { return }
            (Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! LoopTimer).callback?()
        }, timeoutMillis, repeatMillis)
    }

    public func stop() {
        uv_timer_stop(memory.assumingMemoryBound(to: uv_timer_t.self))
    }

    /// Keeps the timer from holding its loop open on its own.
    public func unref() { uv_unref(handle) }
}

/// A thread-safe wake-up of a loop (uv_async_t): `send()` may be called from any thread;
/// `callback` runs on the loop's thread (several sends may coalesce into one call).
public final class LoopWakeup: HandleBox, @unchecked Sendable {
    private var callback: (() -> Void)?

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        self.callback = callback
        super.init(byteCount: MemoryLayout<uv_async_t>.size)
        uv_async_init(loop.raw, memory.assumingMemoryBound(to: uv_async_t.self)) { async in
            guard let async, let data = async.pointee.data else { return }
            (Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! LoopWakeup).callback?()
        }
        retainWhileOpen()
    }

    override func willClose() { callback = nil }

    /// Wakes the loop. Safe from any thread.
    public func send() { uv_async_send(memory.assumingMemoryBound(to: uv_async_t.self)) }

    /// Keeps the handle from holding its loop open on its own.
    public func unref() { uv_unref(handle) }
}

/// Watches a POSIX signal on a loop (uv_signal_t); the callback runs on the loop's thread,
/// not in signal context, so it may do anything.
public final class SignalWatcher: HandleBox {
    private var callback: ((Int32) -> Void)?

    public init(loop: EventLoop, signal: Int32, _ callback: @escaping (Int32) -> Void) {
        self.callback = callback
        super.init(byteCount: MemoryLayout<uv_signal_t>.size)
        let raw = memory.assumingMemoryBound(to: uv_signal_t.self)
        uv_signal_init(loop.raw, raw)
        retainWhileOpen()
        uv_signal_start(raw, { sig, signum in
            guard let sig, let data = sig.pointee.data else { return }
            (Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! SignalWatcher).callback?(signum)
        }, signal)
    }

    override func willClose() { callback = nil }

    /// Keeps the watcher from holding its loop open on its own.
    public func unref() { uv_unref(handle) }
}
