import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The signal that asked `volley bench` to stop (SIGINT or SIGTERM), 0 for none.
private let requestedStop = Atomic<Int32>(0)

/// Ctrl-C and SIGTERM outside the measured load, while servers start, are polled and stop.
/// During the load the engine watches SIGINT itself (libuv installs its own handler, and
/// restores the default when it stops watching), so `install()` is called again after it.
public enum BenchInterrupt {
    /// Installs the handlers (again). SIGTERM is turned into SIGINT for the engine's sake.
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            let first = requestedStop.compareExchange(expected: 0, desired: signal, ordering: .relaxed).exchanged
            // A SIGTERM during the load: raise SIGINT, which the engine watches, so the load stops too.
            if signal == SIGTERM && first { kill(getpid(), SIGINT) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// Whether a stop was asked for since the session started.
    public static var requested: Bool { requestedStop.load(ordering: .relaxed) != 0 }

    /// Notes a stop that the engine saw (its own SIGINT watcher caught it).
    static func note() { _ = requestedStop.compareExchange(expected: 0, desired: SIGINT, ordering: .relaxed) }
}
