internal import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A plain POSIX thread that runs one closure; `join()` waits for it.
/// Load-generator workers and server loops each get one, so their state never crosses threads.
public final class OSThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: @Sendable () -> Void
    private var started = false

    /// Starts a thread that runs `body`.
    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let me = Unmanaged<OSThread>.fromOpaque(context!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
        started = true
        if let name { pthread_setname_np(thread, String(name.prefix(15))) }
    }

    /// Waits for the thread to finish.
    public func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}
