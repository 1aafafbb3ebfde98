import Clocks
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// Reads the CPU time of the generator's own process (`getrusage`: every thread, user and system)
/// and of the server under test (`ProcessTreeCPU`) at each slice boundary of the run, on the
/// runner's control loop: a few system calls ten times a second (once a second in long runs),
/// nothing on the load threads and nothing per request. The readings become each slice's and
/// each second's CPU% (`CPUTrace`).
final class CPUSampler {
    private(set) var trace = CPUTrace()
    private let server: ProcessTreeCPU?
    private var timer: PreciseTimer?
    private var start: UInt64 = 0
    private var sliceNanos: UInt64 = 1_000_000_000
    private var nextSlice: UInt64 = 1
    private var rescannedSecond: UInt64 = 0

    /// Prepares to watch `serverProcess` (and the processes under it) beside the generator; call
    /// before the load's clock starts, since finding the server's processes reads all of `/proc`.
    init(serverProcess: Int32?, expectedReadings: Int) {
        server = serverProcess.flatMap { ProcessTreeCPU(root: $0) }
        trace.readings.reserveCapacity(expectedReadings + 2)
    }

    /// Processes the server's figure adds up; nil when no server is watched.
    var serverProcesses: Int? { server?.processCount }

    /// Takes the first reading at `start` (the load's zero) and one at every `sliceNanos` after it on `loop`.
    func start(loop: EventLoop, at start: UInt64, sliceNanos: UInt64) {
        self.start = start
        self.sliceNanos = max(sliceNanos, 1_000_000)
        read(offset: 0)
        do {
            timer = try PreciseTimer(loop: loop) { [unowned self] in self.tick() }
        } catch {
            // No timer: the first and last readings still give the run's totals.
            return
        }
        timer?.unref()
        timer?.arm(at: start + self.sliceNanos)
    }

    /// The last reading, when the load is over (`now` on the monotonic clock).
    func finish(at now: UInt64) {
        timer?.disarm()
        let offset = now &- min(now, start)
        // The server's clock counts 10 ms ticks: across a few ms, one tick more would read as
        // several cores. A slice reading that close to the end gives way to the final one.
        if trace.readings.count > 1, let last = trace.readings.last, offset &- min(offset, last.offsetNanos) < sliceNanos / 2 {
            trace.readings.removeLast()
        }
        read(offset: offset)
    }

    private func tick() {
        // Once a second the server's tree is looked over again, so workers it started join it.
        let second = (MonotonicClock.nanoseconds() &- start) / 1_000_000_000
        if second > rescannedSecond {
            rescannedSecond = second
            server?.rescan()
        }
        let offset = MonotonicClock.nanoseconds() &- start
        read(offset: offset)
        nextSlice = max(nextSlice + 1, offset / sliceNanos + 1)
        timer?.arm(at: start + nextSlice * sliceNanos)
    }

    private func read(offset: UInt64) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func micros(_ t: timeval) -> UInt64 { UInt64(max(0, t.tv_sec)) * 1_000_000 + UInt64(max(0, t.tv_usec)) }
        trace.readings.append(CPUTrace.Reading(offsetNanos: offset, userMicros: micros(usage.ru_utime), systemMicros: micros(usage.ru_stime),
                                               serverNanos: server?.cpuNanos()))
    }
}
