internal import CLibUV

/// A callback run once per loop iteration, just before the loop blocks for I/O (uv_prepare_t)
/// or just after it wakes (uv_check_t). The loop watchdog measures busy time with these.
public final class LoopPhaseHook: HandleBox {
    /// When in each iteration the callback runs.
    public enum Phase: Sendable { case beforePoll, afterPoll }

    private var callback: (() -> Void)?
    private let phase: Phase

    /// Starts the hook at once; it does not hold the loop open (unref'd).
    public init(loop: EventLoop, phase: Phase, _ callback: @escaping () -> Void) {
        self.callback = callback
        self.phase = phase
        switch phase {
        case .beforePoll:
            super.init(byteCount: MemoryLayout<uv_prepare_t>.size)
            let raw = memory.assumingMemoryBound(to: uv_prepare_t.self)
            uv_prepare_init(loop.raw, raw)
            retainWhileOpen()
            uv_prepare_start(raw) { prepare in
                guard let prepare, let data = prepare.pointee.data else { return }
                (Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! LoopPhaseHook).callback?()
            }
        case .afterPoll:
            super.init(byteCount: MemoryLayout<uv_check_t>.size)
            let raw = memory.assumingMemoryBound(to: uv_check_t.self)
            uv_check_init(loop.raw, raw)
            retainWhileOpen()
            uv_check_start(raw) { check in
                guard let check, let data = check.pointee.data else { return }
                (Unmanaged<HandleBox>.fromOpaque(data).takeUnretainedValue() as! LoopPhaseHook).callback?()
            }
        }
        uv_unref(handle)
    }

    override func willClose() { callback = nil }
}
