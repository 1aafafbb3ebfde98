import Clocks
import Foundation
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

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        if let directory {
            guard SpawnChdir.add(&actions, directory) else {
                throw VariantRunError("\(name): cannot set the working folder \(directory) (posix_spawn_file_actions_addchdir_np missing)")
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group; no signal blocked or ignored, whatever bench (or a test runner) has.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = ProcessInfo.processInfo.environment
        environment[Self.parentVariable] = String(getpid())
        environment.merge(extra) { $1 }
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }

        let restore = CPUAffinity.pin(cpus)
        var child: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in posix_spawn(&child, executable, &actions, &attributes, cArgv, cEnvp) }
        }
        CPUAffinity.restore(restore)
        guard status == 0 else {
            throw VariantRunError("\(name): cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    deinit { if exitStatus == nil { kill(); } }

    /// The child's exit status once it has ended (reaped here), nil while it runs.
    func exited() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r < 0 && errno == ECHILD) {
            // Exit code, or 128 + signal, as a shell reports it.
            let signal = status & 0x7f
            exitStatus = r < 0 ? -1 : (signal == 0 ? (status >> 8) & 0xff : 128 + signal)
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

/// NUL-terminated C string arrays for posix_spawn.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+), which Swift's Glibc module does not
/// declare (it is under _GNU_SOURCE); looked up at run time.
enum SpawnChdir {
    typealias Call = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static func add(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return false }
        let call = unsafeBitCast(symbol, to: Call.self)
        return withUnsafeMutablePointer(to: &actions) { call($0, directory) } == 0
    }
}

