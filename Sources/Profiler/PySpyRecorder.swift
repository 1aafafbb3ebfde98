import Clocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Drives `py-spy record` against a Python process: started with the window, stopped with
/// SIGINT (py-spy then writes what it has), its folded output read back as a profile.
final class PySpyRecorder {
    let pid: pid_t
    let outputPath: String
    let logPath: String
    let hz: Int
    private var finished = false

    /// The py-spy to use: `$VOLLEY_PY_SPY`, else the one `make deps` installs in `.build/pyenv`
    /// (found from the running volley binary in `.build/<config>/`, or the current folder), else PATH.
    static func locate(executable: String? = nil) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["VOLLEY_PY_SPY"], !explicit.isEmpty { return explicit }
        var candidates: [String] = []
        if let executable {
            // .build/debug/volley or .build/x86_64-unknown-linux-gnu/debug/volley
            var dir = (executable as NSString).deletingLastPathComponent
            for _ in 0..<3 {
                dir = (dir as NSString).deletingLastPathComponent
                candidates.append((dir as NSString).appendingPathComponent("pyenv/bin/py-spy"))
            }
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/pyenv/bin/py-spy")
        for dir in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/py-spy") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(pid: pid_t, hz: Int, executable: String) throws(ProcessProfilerError) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("volley-py-spy-\(getpid())-\(pid)-\(UInt32.random(in: 0...UInt32.max))").path
        outputPath = base + ".folded"
        logPath = base + ".log"
        self.pid = pid
        self.hz = hz
        // --nonblocking: read the interpreter's memory without pausing it (py-spy's lower-overhead mode).
        let argv = [executable, "record", "--pid", String(pid), "--rate", String(hz), "--format", "raw",
                    "--output", outputPath, "--nolineno", "--nonblocking"]
        let spawned = try Self.spawn(argv, logPath: logPath)
        self.pidOfRecorder = spawned
    }

    private(set) var pidOfRecorder: pid_t = 0

    private static func spawn(_ argv: [String], logPath: String) throws(ProcessProfilerError) -> pid_t {
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ProcessProfilerError("py-spy: cannot create \(logPath)") }
        defer { close(fd) }
        switch ChildSpawn.start(argv, logFD: fd) {
        case .success(let child): return child
        case .failure(let error): throw ProcessProfilerError("cannot start py-spy (\(argv[0])): \(error.reason)")
        }
    }

    /// Waits up to `seconds` for py-spy to end; its exit status, or nil if it still runs.
    private func wait(seconds: Double) -> Int32? {
        let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        while true {
            var status: Int32 = 0
            let r = waitpid(pidOfRecorder, &status, WNOHANG)
            if r == pidOfRecorder { finished = true; return ChildSpawn.exitCode(status) }
            if r < 0 { finished = true; return -1 }
            if MonotonicClock.nanoseconds() > deadline { return nil }
            usleep(10_000)
        }
    }

    /// Stops py-spy and reads its folded stacks.
    func stop() throws(ProcessProfilerError) -> NamedProfile {
        defer {
            if ProcessInfo.processInfo.environment["VOLLEY_KEEP_PY_SPY"] == nil {
                try? FileManager.default.removeItem(atPath: outputPath); try? FileManager.default.removeItem(atPath: logPath)
            }
        }
        // Ended already: attaching failed (permission, not a Python process).
        let early = wait(seconds: 0)
        if early == nil { kill(pidOfRecorder, SIGINT) }
        var status = early ?? wait(seconds: 15)
        if status == nil { abandon(); status = -1 }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        guard let text = try? String(contentsOfFile: outputPath, encoding: .utf8), let stacks = Self.parse(text) else {
            let lastLines = log.split(separator: "\n").suffix(3).joined(separator: " | ")
            let denied = log.lowercased().contains("permission denied") || log.contains("Operation not permitted")
            throw ProcessProfilerError("py-spy on process \(pid) wrote no profile (status \(status ?? -1)): \(lastLines.isEmpty ? "no output" : lastLines)",
                                       notPermitted: denied)
        }
        let named = stacks.map { NamedProfile.Stack(thread: "python (\(pid))", frames: $0.frames, count: $0.count) }
        return NamedProfile(hz: hz, stacks: named)
    }

    /// py-spy's raw output: folded stacks, leniently (a malformed line is skipped, an empty frame
    /// name becomes `?`); nil only when nothing could be read.
    static func parse(_ text: String) -> [(frames: [String], count: Int)]? {
        var stacks: [(frames: [String], count: Int)] = []
        for line in text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]), count > 0 else { continue }
            guard space > line.startIndex else { continue }   // py-spy counts failed samples under an empty stack
            let frames = line[..<space].split(separator: ";", omittingEmptySubsequences: false).map { $0.isEmpty ? "?" : String($0) }
            if !frames.isEmpty { stacks.append((frames, count)) }
        }
        return stacks.isEmpty && !text.isEmpty ? nil : stacks
    }

    /// Kills py-spy if it still runs (an abandoned window).
    func abandon() {
        guard !finished, pidOfRecorder > 0 else { return }
        kill(pidOfRecorder, SIGKILL)
        var status: Int32 = 0
        waitpid(pidOfRecorder, &status, 0)
        finished = true
    }
}
