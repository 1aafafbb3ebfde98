import Clocks
import Metrics
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// A load thread watching itself: a precise wake-up every 100 ms measures how late its loop
/// gets to run a due callback (loop lag), and the thread's CPU clock gives its CPU use over
/// the run and in its busiest second. It also reads how long the thread waited on the run
/// queue (`/proc/thread-self/schedstat`): CPU time plus that wait is how much of the time the
/// thread *wanted* a CPU, which tells a saturated generator from one merely sharing a busy
/// machine. Runs on the worker's own thread.
final class GeneratorMonitor {
    static let periodNanos: UInt64 = 100_000_000
    private(set) var loopLag = LoadMeasurement.makeLatencyHistogram()
    private var timer: PreciseTimer?
    private let startWall: UInt64
    private let startCPU: UInt64
    private var expected: UInt64
    private var windowWall: UInt64
    private var windowCPU: UInt64
    private var peakPercent = 0.0
    private let startWait: UInt64
    private var windowWait: UInt64
    private var peakBusyPercent = 0.0

    /// Starts watching; call on the worker's thread, before its loop runs.
    init(loop: EventLoop) {
        startWall = MonotonicClock.nanoseconds()
        startCPU = threadCPUNanoseconds()
        windowWall = startWall
        windowCPU = startCPU
        startWait = Self.runQueueWaitNanos()
        windowWait = startWait
        expected = startWall + Self.periodNanos
        timer = try? PreciseTimer(loop: loop) { [unowned self] in self.tick() }
        timer?.unref()
        timer?.arm(at: expected)
    }

    private func tick() {
        let now = MonotonicClock.nanoseconds()
        _ = loopLag.record(min((now &- min(now, expected)) / 1000, loopLag.highestTrackableValue))
        if now &- windowWall >= 1_000_000_000 {
            let cpu = threadCPUNanoseconds()
            let wait = Self.runQueueWaitNanos()
            let wall = Double(now &- windowWall)
            peakPercent = max(peakPercent, 100 * Double(cpu &- windowCPU) / wall)
            peakBusyPercent = max(peakBusyPercent, 100 * Double((cpu &- windowCPU) &+ (wait &- windowWait)) / wall)
            windowWall = now
            windowCPU = cpu
            windowWait = wait
        }
        expected += Self.periodNanos
        if expected <= now { expected = now + Self.periodNanos }
        timer?.arm(at: expected)
    }

    /// The thread's CPU use from the start until now; call on the worker's thread.
    func finish(thread: Int) -> ThreadLoad {
        let wall = Double(MonotonicClock.nanoseconds() &- startWall) / 1e9
        let cpu = Double(threadCPUNanoseconds() &- startCPU) / 1e9
        let wait = Double(Self.runQueueWaitNanos() &- startWait) / 1e9
        let percent = wall > 0 ? 100 * cpu / wall : 0
        let busy = wall > 0 ? 100 * (cpu + wait) / wall : 0
        return ThreadLoad(thread: thread, cpuSeconds: cpu, wallSeconds: wall, cpuPercent: percent,
                          peakCpuPercent: max(peakPercent, wall < 1 ? percent : 0),
                          runQueueWaitSeconds: wait, busyPercent: busy,
                          peakBusyPercent: max(peakBusyPercent, wall < 1 ? busy : 0))
    }

    /// Time this thread spent runnable but waiting for a CPU, ns (0 where the kernel does not say).
    static func runQueueWaitNanos() -> UInt64 {
        let fd = open("/proc/thread-self/schedstat", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw -> UInt64 in
            let n = read(fd, raw.baseAddress, raw.count)
            guard n > 0 else { return 0 }
            // "run_ns wait_ns slices": the second field.
            var field = 0, value: UInt64 = 0
            for byte in raw.prefix(n) {
                if byte == UInt8(ascii: " ") {
                    if field == 1 { return value }
                    field += 1; value = 0
                } else if byte >= 48 && byte <= 57 {
                    value = value &* 10 &+ UInt64(byte - 48)
                }
            }
            return field == 1 ? value : 0
        }
    }
}
