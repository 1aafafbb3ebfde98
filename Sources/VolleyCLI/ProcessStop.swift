import Foundation
import LoadGen
import Synchronization
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// The write end of the pipe the signal handler reports to (-1 when no command listens).
private let signalPipe = Atomic<Int32>(-1)
/// Signals caught since the handlers were installed.
private let caughtSignals = Atomic<Int>(0)

/// The command line owns SIGINT and SIGTERM while a command that stops gracefully runs (`run`,
/// `bench`, `probe`): the first one requests a stop on `token`, which the engine and the bench
/// session watch, so they end early, keep what they measured, and the command prints and writes it
/// and exits 128 + the signal (130, 143). A second signal leaves at once with the same code.
/// The handler only writes the signal's number to a pipe (async-signal-safe); a small thread reads
/// it and requests the stop, so no library code runs in signal context.
final class ProcessStop: Sendable {
    let token = StopToken()
    private let readEnd: Int32
    private let writeEnd: Int32
    private let thread: OSThread
    private let previous: Mutex<[Int32: sigaction]>

    init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { fatalError("pipe: \(String(cString: strerror(errno)))") }
        readEnd = fds[0]; writeEnd = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }   // children (bench's servers) must not hold them
        caughtSignals.store(0, ordering: .relaxed)
        signalPipe.store(writeEnd, ordering: .releasing)
        let token = self.token
        let readEnd = self.readEnd
        thread = OSThread(name: "volley-signals") {
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1, byte != 0 else { return }    // 0: the command is done
                token.request(signal: Int32(byte))
            }
        }
        var saved: [Int32: sigaction] = [:]
        for signal in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                if caughtSignals.add(1, ordering: .relaxed).oldValue > 0 { _exit(128 + signal) }
                var byte = UInt8(truncatingIfNeeded: signal)
                let fd = signalPipe.load(ordering: .acquiring)
                if fd >= 0 { _ = write(fd, &byte, 1) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(signal, &action, &old)
            saved[signal] = old
        }
        previous = Mutex(saved)
    }

    /// The exit code for a stopped command: 128 + the signal (130 for SIGINT, 143 for SIGTERM).
    var exitCode: Int32? { token.signal.map { 128 + $0 } ?? (token.isRequested ? ExitStatus.interrupted : nil) }

    /// Puts the previous handlers back and ends the reader thread.
    func finish() {
        let saved = previous.withLock { saved in
            let copy = saved
            saved = [:]
            return copy
        }
        guard !saved.isEmpty else { return }
        for (signal, var old) in saved { sigaction(signal, &old, nil) }
        signalPipe.store(-1, ordering: .releasing)
        var zero: UInt8 = 0
        _ = write(writeEnd, &zero, 1)
        thread.join()
        close(readEnd); close(writeEnd)
    }

    deinit { finish() }
}
