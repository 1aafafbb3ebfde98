#if canImport(Glibc)
import Glibc
#endif

/// CPU time used by a process and every process below it (the program a shell wrapper started, a
/// pre-fork server's workers) since this was created, from `/proc/PID/stat` (user + system).
///
/// Each member's stat file stays open and is re-read with `pread`: one system call per process per
/// reading, and a reused pid cannot be mistaken for the member, since the open file stays bound to
/// the process it was opened for (it reads nothing once that process is gone). `rescan()` looks
/// through `/proc` for new descendants (the kernel here has no `/proc/PID/task/TID/children`);
/// the sampler calls it once a second, so workers started during the run join the tree. A process
/// that ends keeps what it used. Not thread-safe: one thread (the runner's control loop) uses it.
final class ProcessTreeCPU {
    private struct Member {
        var fd: Int32
        var pid: Int32
        /// Ticks it had used when it joined, counted out (0 for a process started after `init`).
        var baseline: UInt64
        var last: UInt64
    }

    let root: Int32
    private var members: [Member] = []
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 8)
    private let nanosPerTick: UInt64
    /// `init`'s time in clock ticks after boot, the unit of `ProcessStat.startTicks`.
    private let createdAtTicks: UInt64

    /// Starts counting for `root` and the descendants it has now; nil when `root` cannot be read.
    init?(root: Int32) {
        self.root = root
        let hz = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        nanosPerTick = 1_000_000_000 / hz
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        createdAtTicks = (UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)) / nanosPerTick
        rescan(joiningAtStart: true)
        guard members.contains(where: { $0.pid == root }) else { return nil }
    }

    deinit {
        for member in members where member.fd >= 0 { close(member.fd) }
        buffer.deallocate()
    }

    /// Processes counted so far, ended ones included.
    var processCount: Int { members.count }

    /// CPU time the tree used since `init`, ns. Resolution: one clock tick (10 ms) per process.
    func cpuNanos() -> UInt64 {
        var ticks: UInt64 = 0
        for i in members.indices {
            if members[i].fd >= 0 {
                if let stat = snapshot(members[i].fd) {
                    members[i].last = max(members[i].last, stat.cpuTicks)
                } else {
                    // Gone (reaped): what it used stays counted.
                    close(members[i].fd)
                    members[i].fd = -1
                }
            }
            ticks &+= members[i].last &- min(members[i].baseline, members[i].last)
        }
        return ticks &* nanosPerTick
    }

    /// Adds the tree's processes not counted yet: every process whose parent chain reaches `root`.
    func rescan() { rescan(joiningAtStart: false) }

    private func rescan(joiningAtStart: Bool) {
        var parents: [(pid: Int32, parent: Int32)] = []
        guard let dir = opendir("/proc") else { return }
        while let entry = readdir(dir) {
            let pid = withUnsafeBytes(of: entry.pointee.d_name) { Self.number($0) }
            guard let pid, let stat = statOf(pid) else { continue }
            parents.append((stat.pid, stat.parent))
        }
        closedir(dir)
        var tree: Set<Int32> = [root]
        var grew = true
        while grew {
            grew = false
            for p in parents where !tree.contains(p.pid) && tree.contains(p.parent) {
                tree.insert(p.pid)
                grew = true
            }
        }
        let known = Set(members.filter { $0.fd >= 0 }.map(\.pid))
        for pid in tree.sorted() where !known.contains(pid) {
            let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            guard let stat = snapshot(fd) else { close(fd); continue }
            // One that started after `init` used all its CPU inside the window; one found late that
            // is older than that (moved into the tree) counts from now.
            let fresh = !joiningAtStart && stat.startTicks >= createdAtTicks
            members.append(Member(fd: fd, pid: pid, baseline: fresh ? 0 : stat.cpuTicks, last: stat.cpuTicks))
        }
    }

    /// Reads an open stat file from its start (a fresh snapshot every time).
    private func snapshot(_ fd: Int32) -> ProcessStat? {
        let n = pread(fd, buffer.baseAddress, buffer.count, 0)
        guard n > 0 else { return nil }
        return ProcessStat.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    private func statOf(_ pid: Int32) -> ProcessStat? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return snapshot(fd)
    }

    /// A directory name that is a pid (all digits), else nil.
    private static func number(_ name: UnsafeRawBufferPointer) -> Int32? {
        var value: Int64 = 0
        var digits = 0
        for byte in name {
            if byte == 0 { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 10 else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 && value <= Int64(Int32.max) ? Int32(value) : nil
    }
}
