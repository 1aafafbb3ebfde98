import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// How the servers (`serve`, `fixture`, `mongod`) wait for the end: SIGINT and SIGTERM watched on
/// a small loop of their own, which the main thread runs until one arrives. (Commands that stop
/// gracefully in the middle of work, `run`, `bench` and `probe`, use `ProcessStop` instead.)
final class TerminationSignals {
    let loop: EventLoop
    var watchers: [SignalWatcher] = []

    init() throws {
        loop = try EventLoop(readBufferSize: 64)
        for signal in [SIGINT, SIGTERM] {
            watchers.append(SignalWatcher(loop: loop, signal: signal) { [loop] _ in loop.stop() })
        }
    }

    /// Blocks until one of them arrives.
    func wait() {
        loop.run()
        for watcher in watchers { watcher.close() }
        loop.drain()
    }
}

/// Blocks until SIGINT or SIGTERM arrives.
func waitForTerminationSignal() throws {
    try TerminationSignals().wait()
}
