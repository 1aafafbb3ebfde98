import Synchronization

/// Asks a run to stop early. The command line owns process signals (SIGINT, SIGTERM) and
/// requests a stop here; the engine and the bench session only watch the token, so no library
/// installs a signal handler or exits the process. Thread-safe; the first request wins.
public final class StopToken: Sendable {
    private struct State {
        var requested = false
        var signal: Int32 = 0
        var nextID = 0
        var handlers: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Asks for a stop; `signal` names the signal that asked (0 for none). Runs every handler
    /// registered so far, once, on the calling thread. Later requests change nothing.
    public func request(signal: Int32 = 0) {
        let handlers: [@Sendable () -> Void]? = state.withLock { state in
            guard !state.requested else { return nil }
            state.requested = true
            state.signal = signal
            let handlers = Array(state.handlers.values)
            state.handlers = [:]
            return handlers
        }
        for handler in handlers ?? [] { handler() }
    }

    /// Whether a stop was asked for.
    public var isRequested: Bool { state.withLock { $0.requested } }

    /// The signal that asked for the stop, if one did.
    public var signal: Int32? { state.withLock { $0.requested && $0.signal != 0 ? $0.signal : nil } }

    /// Calls `handler` once when a stop is requested (at once, on this thread, if it already was).
    /// Returns a key for `removeHandler`.
    @discardableResult
    public func onRequest(_ handler: @escaping @Sendable () -> Void) -> Int {
        let id: Int? = state.withLock { state in
            guard !state.requested else { return nil }
            state.nextID += 1
            state.handlers[state.nextID] = handler
            return state.nextID
        }
        guard let id else { handler(); return 0 }
        return id
    }

    /// Forgets a handler (the run it would have stopped is over).
    public func removeHandler(_ id: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: id) }
    }
}
