internal import CSampler
import Clocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which sampler profiles another process.
public enum ProcessProfilerKind: String, Sendable, CaseIterable {
    /// perf_event_open (native code: C, C++, Rust, Go, Swift, JITs with a perf map).
    case perf
    /// py-spy, which reads the Python interpreter's own frames.
    case pySpy = "py-spy"
}

/// Why another process could not be profiled. The run goes on without the profile.
public struct ProcessProfilerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The system refused (perf_event_paranoid, no CAP_PERFMON, ptrace denied).
    public var notPermitted: Bool
    public init(_ message: String, notPermitted: Bool = false) { self.message = message; self.notPermitted = notPermitted }
    public var description: String { message }
}

/// A CPU profile of another process, from `start` to `stop`: the server under test, whatever
/// started it. `stop` must be called while the process still runs (its symbols are read then).
public final class ProcessProfile: @unchecked Sendable {
    public let pid: Int32
    public let kind: ProcessProfilerKind
    public let hz: Int
    /// Samples whose stack was unwound from a copy with DWARF CFI (frame pointers missing), after `stop`.
    public private(set) var dwarfUnwound: UInt64 = 0
    private var perf: OpaquePointer?
    private var pySpy: PySpyRecorder?
    private let startNanos: UInt64

    /// Starts sampling `pid` (when `kind` is nil: py-spy for a Python process, else perf).
    /// `pySpyPath` is the py-spy executable (see `PySpyRecorder.locate`).
    public init(pid: Int32, kind requested: ProcessProfilerKind?, hz: Int, pySpyPath: String?) throws(ProcessProfilerError) {
        guard (1...10_000).contains(hz) else { throw ProcessProfilerError("invalid sampling rate \(hz) Hz (1...10000)") }
        let target = ProcessTree.profiledProcess(pid)
        self.pid = target
        self.hz = hz
        let kind = requested ?? (ProcessTree.isPython(target) ? .pySpy : .perf)
        self.kind = kind
        startNanos = MonotonicClock.nanoseconds()
        switch kind {
        case .perf:
            var session: OpaquePointer?
            let status = perf_session_open(target, Int32(hz), &session)
            guard status == 0, let session else {
                let denied = status == EACCES || status == EPERM
                let why = denied
                    ? "not permitted (kernel.perf_event_paranoid is \(ProcessTree.paranoid() ?? "?"); run as root, grant CAP_PERFMON, or lower it)"
                    : String(cString: strerror(status))
                throw ProcessProfilerError("perf_event_open on process \(target): \(why)", notPermitted: denied)
            }
            let started = perf_session_start(session)
            guard started == 0 else {
                perf_session_close(session)
                throw ProcessProfilerError("perf sampler: \(String(cString: strerror(started)))")
            }
            perf = session
        case .pySpy:
            guard let pySpyPath else {
                throw ProcessProfilerError("py-spy is not installed (run `make deps`, which puts it in .build/pyenv, or set VOLLEY_PY_SPY)")
            }
            pySpy = try PySpyRecorder(pid: target, hz: hz, executable: pySpyPath)
        }
    }

    /// The py-spy to use: `$VOLLEY_PY_SPY`, the one `make deps` puts in `.build/pyenv` (found from
    /// the volley binary at `executable`, or the current folder), else one on PATH; nil if none.
    public static func pySpyPath(near executable: String?) -> String? { PySpyRecorder.locate(executable: executable) }

    deinit {
        if let perf { perf_session_close(perf) }
        pySpy?.abandon()
    }

    /// Stops sampling and returns the profile with names (symbols read from the live process).
    public func stop() throws(ProcessProfilerError) -> NamedProfile {
        let duration = MonotonicClock.nanoseconds() - startNanos
        if let pySpy {
            self.pySpy = nil
            var profile = try pySpy.stop()
            profile.durationNanos = duration
            return profile
        }
        guard let session = perf else { throw ProcessProfilerError("the profile was already stopped") }
        perf = nil
        defer { perf_session_close(session) }
        perf_session_stop(session)
        var counts: [Profile.Stack: Int] = [:]
        withUnsafeMutablePointer(to: &counts) { pointer in
            _ = perf_session_drain(session, { context, tid, _, _, weight, frames, depth in
                let counts = context!.assumingMemoryBound(to: [Profile.Stack: Int].self)
                let stack = Profile.Stack(thread: tid, frames: Array(UnsafeBufferPointer(start: frames, count: Int(depth))))
                counts.pointee[stack, default: 0] += Int(weight)
            }, pointer)
        }
        var samples: UInt64 = 0, lost: UInt64 = 0, dwarf: UInt64 = 0
        var threads: Int32 = 0
        perf_session_counts(session, &samples, &lost, &threads, &dwarf)
        dwarfUnwound = dwarf
        var names: [Int32: String] = [:]
        for tid in Set(counts.keys.map(\.thread)) {
            names[tid] = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let raw = Profile(hz: hz, durationNanos: duration, counts: counts, threadNames: names, dropped: lost)
        return raw.symbolized(symbolizer: RemoteSymbolizer(pid: pid))
    }
}

/// Names addresses of another process: its ELF files through libdwfl (/proc/PID/maps), then its perf map.
final class RemoteSymbolizer: SymbolNaming {
    let pid: Int32
    init(pid: Int32) { self.pid = pid }

    func names(for addresses: [UInt]) -> [UInt: String] {
        let table = sampler_symbols_open_pid(pid)
        defer { sampler_symbols_close(table) }
        let map = PerfMap.load(pid: pid)
        var result: [UInt: String] = [:]
        for address in addresses {
            let name = Symbolizer.resolve(address, in: table)
            if let map, name == "?" || name.contains("+0x"), let jitted = map.name(for: address) { result[address] = jitted }
            else { result[address] = name }
        }
        return result
    }
}

/// Reads /proc to find the process worth profiling and what it runs.
enum ProcessTree {
    static let shells: Set<String> = ["sh", "dash", "bash", "zsh", "env", "timeout", "taskset"]

    static func executableName(_ pid: Int32) -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else { return nil }
        return (path as NSString).lastPathComponent
    }

    static func children(_ pid: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `pid`, or, while it is a shell (or `env`) with exactly one child, that child: `/bin/sh -c
    /// "python3 app.py"` profiles python3, not the shell waiting for it.
    static func profiledProcess(_ pid: Int32) -> Int32 {
        var current = pid
        for _ in 0..<8 {
            guard let name = executableName(current), shells.contains(name) else { return current }
            let kids = children(current)
            guard kids.count == 1 else { return current }
            current = kids[0]
        }
        return current
    }

    /// A Python interpreter: its executable is `python…`, or it maps libpython.
    static func isPython(_ pid: Int32) -> Bool {
        if let name = executableName(pid), name.hasPrefix("python") { return true }
        guard let maps = try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8) else { return false }
        return maps.contains("/libpython")
    }

    static func paranoid() -> String? {
        (try? String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
