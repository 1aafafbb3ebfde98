import Metrics
import UVKit

/// A load thread watching itself: a precise wake-up every 100 ms measures how late its loop
/// gets to run a due callback (loop lag), and the thread's CPU clock gives its CPU use over
/// the run and in its busiest second. Runs on the worker's own thread.
final class GeneratorMonitor {
    static let periodNanos: UInt64 = 100_000_000
    private(set) var loopLag = Measurement.makeLatencyHistogram()
    private var timer: PreciseTimer?
    private let startWall: UInt64
    private let startCPU: UInt64
    private var expected: UInt64
    private var windowWall: UInt64
    private var windowCPU: UInt64
    private var peakPercent = 0.0

    /// Starts watching; call on the worker's thread, before its loop runs.
    init(loop: EventLoop) {
        startWall = EventLoop.hrtime()
        startCPU = threadCPUNanoseconds()
        windowWall = startWall
        windowCPU = startCPU
        expected = startWall + Self.periodNanos
        timer = try? PreciseTimer(loop: loop) { [unowned self] in self.tick() }
        timer?.unref()
        timer?.arm(at: expected)
    }

    private func tick() {
        let now = EventLoop.hrtime()
        _ = loopLag.record(min((now &- min(now, expected)) / 1000, loopLag.highestTrackableValue))
        if now &- windowWall >= 1_000_000_000 {
            let cpu = threadCPUNanoseconds()
            peakPercent = max(peakPercent, 100 * Double(cpu &- windowCPU) / Double(now &- windowWall))
            windowWall = now
            windowCPU = cpu
        }
        expected += Self.periodNanos
        if expected <= now { expected = now + Self.periodNanos }
        timer?.arm(at: expected)
    }

    /// The thread's CPU use from the start until now; call on the worker's thread.
    func finish(thread: Int) -> ThreadLoad {
        let wall = Double(EventLoop.hrtime() &- startWall) / 1e9
        let cpu = Double(threadCPUNanoseconds() &- startCPU) / 1e9
        let percent = wall > 0 ? 100 * cpu / wall : 0
        return ThreadLoad(thread: thread, cpuSeconds: cpu, wallSeconds: wall, cpuPercent: percent,
                          peakCpuPercent: max(peakPercent, wall < 1 ? percent : 0))
    }
}
