internal import CLibUV

/// One libuv event loop, owned by one thread. Every handle created on it must be used
/// from that thread only. The loop also owns one large read buffer that all of its
/// streams read into: reads are handled synchronously in the read callback, so one
/// buffer per loop is enough and no read allocates.
public final class EventLoop {
    let raw: UnsafeMutablePointer<uv_loop_t>
    let readBuffer: UnsafeMutableRawPointer
    let readBufferSize: Int

    /// Creates a loop with a shared read buffer of `readBufferSize` bytes.
    public init(readBufferSize: Int = 256 * 1024) throws(UVError) {
        _ = EventLoop.ignoreBrokenPipes
        raw = .allocate(capacity: 1)
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 64)
        self.readBufferSize = readBufferSize
        let status = uv_loop_init(raw)
        if status < 0 {
            raw.deallocate(); readBuffer.deallocate()
            throw UVError(status)
        }
        raw.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// A write to a socket the peer has closed must fail with EPIPE, not kill the process
    /// with SIGPIPE (libuv leaves that to the application, as wrk and nginx do too).
    private static let ignoreBrokenPipes: Void = volley_ignore_sigpipe()

    deinit {
        closeAllHandles()
        drain()
        uv_loop_close(raw)
        raw.deallocate()
        readBuffer.deallocate()
    }

    /// Runs until no active handles remain or `stop()` is called.
    public func run() { uv_run(raw, UV_RUN_DEFAULT) }

    /// Runs one iteration without blocking; returns whether handles are still active.
    @discardableResult
    public func runOnce() -> Bool { uv_run(raw, UV_RUN_NOWAIT) != 0 }

    /// Makes `run()` return after the current iteration.
    public func stop() { uv_stop(raw) }

    /// Closes every handle still open on the loop. Safe inside a callback; the close
    /// callbacks run on the loop's next iteration (or in `drain()`).
    public func closeAllHandles() {
        uv_walk(raw, { handle, _ in
            guard let handle, uv_is_closing(handle) == 0 else { return }
            if let data = handle.pointee.data {
                Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue().close()
            } else {
                uv_close(handle, nil)
            }
        }, nil)
    }

    /// Runs the loop until nothing is pending, e.g. to let close callbacks fire. Not from inside a callback.
    public func drain() {
        while uv_run(raw, UV_RUN_NOWAIT) != 0 {}
    }

    /// The loop's cached time in milliseconds (updated once per iteration).
    public var nowMillis: UInt64 { uv_now(raw) }

    /// Refreshes the loop's cached clock, from which timers count: call it before arming
    /// timers on a loop that has not run for a while (e.g. created on another thread).
    public func updateTime() { uv_update_time(raw) }
}

/// Base class of the handle wrappers: owns the libuv handle memory and keeps itself alive
/// (one retain) from creation until libuv's close callback, so a handle never outlives its Swift object.
public class HandleBox {
    let handle: UnsafeMutablePointer<uv_handle_t>
    let memory: UnsafeMutableRawPointer
    private var onClose: (() -> Void)?
    private(set) public var isClosing = false

    init(byteCount: Int) {
        memory = .allocate(byteCount: byteCount, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        handle = memory.assumingMemoryBound(to: uv_handle_t.self)
    }

    /// Called by subclasses once libuv has initialised the handle.
    func retainWhileOpen() {
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Closes the handle; `completion` runs on the loop once libuv has released it.
    public func close(_ completion: (() -> Void)? = nil) {
        guard !isClosing else { return }
        isClosing = true
        onClose = completion
        willClose()
        uv_close(handle) { handle in
            guard let handle, let data = handle.pointee.data else { return }
            let box = Unmanaged<HandleBox>.fromOpaque(data)
            let object = box.takeUnretainedValue()
            handle.pointee.data = nil
            object.onClose?()
            object.onClose = nil
            object.didClose()
            box.release()
        }
    }

    /// Hook for subclasses to drop callbacks (and the cycles they hold) before closing.
    func willClose() {}
    func didClose() {}

    deinit { memory.deallocate() }
}
