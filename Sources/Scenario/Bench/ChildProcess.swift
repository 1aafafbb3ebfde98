import Clocks
import Foundation
import Profiler
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// A child process started by `volley bench` (a `volley serve` or `volley mongod`), with
/// standard output and error going to a log file that is read for its ready line.
///
/// Cleanup has three layers: the owner stops it (SIGTERM to its process group, SIGKILL after
/// the grace); it runs in a process group of its own, so a terminal's Ctrl-C reaches only
/// `volley bench`, which then stops its children in order; and it is started with
/// `VOLLEY_PARENT_PID` in its environment, which makes `volley` set PR_SET_PDEATHSIG
/// (SIGKILL) on itself at start, so it dies with `volley bench` even when that is SIGKILLed.
final class ChildProcess {
    /// The environment variable that asks a `volley` child to die with its parent.
    static let parentVariable = "VOLLEY_PARENT_PID"

    let pid: pid_t
    let logPath: String
    let name: String
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`, pinned to `cpus` when given. The affinity is set on
    /// the calling thread around the spawn, so the child inherits it before it runs any code
    /// or starts any thread (what `taskset` does, without needing it installed).
    /// `environment` is added to bench's own; `directory` is the child's working folder.
    init(name: String, executable: String, arguments: [String], cpus: [Int]?, logPath: String,
         environment extra: [String: String] = [:], directory: String? = nil) throws(VariantRunError) {
        self.name = name
        self.logPath = logPath
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw VariantRunError("\(name): cannot create the log file \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(logFD) }

        var environment = ProcessInfo.processInfo.environment
        environment[Self.parentVariable] = String(getpid())
        environment.merge(extra) { $1 }
        let envp = environment.map { "\($0.key)=\($0.value)" }

        let restore = CPUAffinity.pin(cpus)
        let started = ChildSpawn.start([executable] + arguments, environment: envp, logFD: logFD, directory: directory)
        CPUAffinity.restore(restore)
        switch started {
        case .success(let child): pid = child
        case .failure(let error) where error.cannotChangeDirectory:
            throw VariantRunError("\(name): cannot set the working folder \(directory!) (posix_spawn_file_actions_addchdir_np missing)")
        case .failure(let error):
            throw VariantRunError("\(name): cannot start \(executable): \(error.reason)")
        }
    }

    deinit { if exitStatus == nil { kill(); } }

    /// The child's exit status once it has ended (reaped here), nil while it runs.
    func exited() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r < 0 && errno == ECHILD) {
            exitStatus = r < 0 ? -1 : ChildSpawn.exitCode(status)
        }
        return exitStatus
    }

    /// What the child has written so far.
    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The last lines of the log, one per line and indented, for an error message that shows a user's server output.
    func logLines(_ lines: Int = 15) -> String {
        let all = log().split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
        let trimmed = all.last?.isEmpty == true ? Array(all.dropLast()) : Array(all.suffix(lines))
        return trimmed.isEmpty ? "  (no output)" : trimmed.map { "  | " + $0 }.joined(separator: "\n")
    }

    /// The last lines of the log, for an error message.
    func logTail(_ lines: Int = 5) -> String {
        let all = log().split(separator: "\n").suffix(lines)
        return all.isEmpty ? "(no output)" : all.joined(separator: " | ")
    }

    /// Waits for a line starting with `prefix` and returns the rest of it. Fails when the child
    /// ends first, after `timeout`, or when `interrupted()` says so.
    func readyLine(prefix: String, timeout: Double, interrupted: () -> Bool) throws(VariantRunError) -> String {
        let deadline = MonotonicClock.seconds() + timeout
        while true {
            for line in log().split(separator: "\n") where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
            if let code = exited() { throw VariantRunError("\(name) exited with status \(code) before it was ready: \(logTail())") }
            if interrupted() { throw VariantRunError("interrupted while starting \(name)", interrupted: true) }
            if MonotonicClock.seconds() > deadline { throw VariantRunError("\(name) was not ready after \(Int(timeout)) s: \(logTail())") }
            usleep(10_000)
        }
    }

    /// SIGTERM to its group, then SIGKILL if it has not ended within `grace` seconds; reaps it.
    /// Returns the exit status.
    @discardableResult
    func stop(grace: Double, signal: Int32 = SIGTERM) -> Int32 {
        if let code = exited() { return code }
        _ = Glibc.kill(-pid, signal)
        let deadline = MonotonicClock.seconds() + grace
        while MonotonicClock.seconds() < deadline {
            if let code = exited() { return code }
            usleep(5_000)
        }
        kill()
        return exitStatus ?? -1
    }

    /// SIGKILL to its group, and reaps it.
    func kill() {
        guard exited() == nil else { return }
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid { exitStatus = 128 + SIGKILL } else { exitStatus = -1 }
    }
}
