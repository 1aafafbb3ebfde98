import Histogram

/// One load thread's use of its CPU over a run.
public struct ThreadLoad: Codable, Sendable, Equatable {
    /// Index of the thread (0-based).
    public var thread: Int
    /// CPU time the thread used (user + system), seconds.
    public var cpuSeconds: Double
    /// Wall time the thread ran its loop, seconds.
    public var wallSeconds: Double
    /// `cpuSeconds / wallSeconds` in percent (100: one CPU fully busy).
    public var cpuPercent: Double
    /// The busiest whole second of the run, in percent of one CPU.
    public var peakCpuPercent: Double
    /// Time the thread was runnable but waited for a CPU (other processes had it), seconds.
    public var runQueueWaitSeconds: Double?
    /// CPU time plus run-queue wait over wall time, in percent: how much of the time the thread
    /// wanted a CPU. Near 100 means saturated, even on a machine too busy to give it a whole CPU.
    public var busyPercent: Double?
    /// `busyPercent` of the busiest whole second.
    public var peakBusyPercent: Double?

    public init(thread: Int, cpuSeconds: Double, wallSeconds: Double, cpuPercent: Double, peakCpuPercent: Double,
                runQueueWaitSeconds: Double? = nil, busyPercent: Double? = nil, peakBusyPercent: Double? = nil) {
        self.thread = thread; self.cpuSeconds = cpuSeconds; self.wallSeconds = wallSeconds
        self.cpuPercent = cpuPercent; self.peakCpuPercent = peakCpuPercent
        self.runQueueWaitSeconds = runQueueWaitSeconds; self.busyPercent = busyPercent; self.peakBusyPercent = peakBusyPercent
    }

    /// The highest of the whole-run and peak-second CPU and busy figures.
    public var demandPercent: Double {
        Swift.max(cpuPercent, peakCpuPercent, busyPercent ?? 0, peakBusyPercent ?? 0)
    }
}

/// A few figures of a delay distribution, in microseconds (schedule lag, loop lag).
public struct LagStats: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50Micros: UInt64
    public var p99Micros: UInt64
    public var p999Micros: UInt64
    public var maxMicros: UInt64
    public var meanMicros: Double

    public init(count: UInt64, p50Micros: UInt64, p99Micros: UInt64, p999Micros: UInt64, maxMicros: UInt64, meanMicros: Double) {
        self.count = count; self.p50Micros = p50Micros; self.p99Micros = p99Micros
        self.p999Micros = p999Micros; self.maxMicros = maxMicros; self.meanMicros = meanMicros
    }

    /// The figures of a histogram in microseconds.
    public init(_ h: Histogram<UInt64>) {
        let empty = h.totalCount == 0
        self.init(count: h.totalCount, p50Micros: empty ? 0 : h.valueAtPercentile(50),
                  p99Micros: empty ? 0 : h.valueAtPercentile(99), p999Micros: empty ? 0 : h.valueAtPercentile(99.9),
                  maxMicros: h.maxRecorded, meanMicros: empty ? 0 : h.mean)
    }
}

/// How well a constant-throughput run kept to its schedule.
public struct PacingStats: Codable, Sendable, Equatable {
    /// Requests the schedule asked for by the end of the run.
    public var askedRequests: UInt64
    /// Asked requests/sec over the run (`askedRequests / elapsed`).
    public var askedRate: Double
    /// Completed requests/sec.
    public var achievedRate: Double
    /// `achievedRate / askedRate` in percent.
    public var achievedPercent: Double
    /// How late sends were against their schedule.
    public var scheduleLag: LagStats

    public init(askedRequests: UInt64, askedRate: Double, achievedRate: Double, achievedPercent: Double, scheduleLag: LagStats) {
        self.askedRequests = askedRequests; self.askedRate = askedRate; self.achievedRate = achievedRate
        self.achievedPercent = achievedPercent; self.scheduleLag = scheduleLag
    }
}

/// The load generator watching itself: its threads' CPU, its loops' lag, and whether it,
/// rather than the server, was the limit of the run.
public struct GeneratorHealth: Codable, Sendable, Equatable {
    public var threads: [ThreadLoad]
    /// How late the loops' 100 ms wake-ups ran.
    public var loopLag: LagStats
    /// True when the figures show the generator limited the run; `warnings` says why.
    public var bottleneck: Bool
    /// What the figures show went wrong, one finding per entry, as plain words without advice
    /// (printers add what to do: `GeneratorAdvice` in Reports); empty in a healthy run.
    public var warnings: [String]
    /// Whole-process CPU time over the measured run (user + system, from `getrusage`, read by the
    /// engine at the load's start and end), so that a generator's cost per request can be compared.
    public var userSeconds: Double?
    /// System (kernel) part of the process CPU time, seconds.
    public var systemSeconds: Double?
    /// `(userSeconds + systemSeconds) / requests` in microseconds (0 when no request completed).
    public var cpuMicrosPerRequest: Double?

    public init(threads: [ThreadLoad], loopLag: LagStats, bottleneck: Bool, warnings: [String]) {
        self.threads = threads; self.loopLag = loopLag; self.bottleneck = bottleneck; self.warnings = warnings
    }

    /// Adds the process CPU time spent over a run that completed `requests` requests.
    public mutating func setProcessCPU(userSeconds: Double, systemSeconds: Double, requests: UInt64) {
        self.userSeconds = userSeconds; self.systemSeconds = systemSeconds
        cpuMicrosPerRequest = requests == 0 ? 0 : (userSeconds + systemSeconds) * 1e6 / Double(requests)
    }

    /// A thread this busy counts as saturated.
    public static let busyPercent = 90.0
    /// A paced run below this share of its asked rate fell behind.
    public static let behindPercent = 90.0
    /// Loop lag at p99 beyond this (µs) means the loop itself stalled.
    public static let stalledLoopMicros: UInt64 = 20_000

    /// Judges a run. A paced run that achieved clearly less than asked while a thread was
    /// saturated (or its loop stalled) was limited by the generator: the server may have
    /// been able to do more, and the latencies include the generator's own queueing.
    /// `connections` requests may be in flight when the run ends; a shortfall no larger than
    /// that is not falling behind (it matters at low rates, where a few requests are many percent).
    public init(threads: [ThreadLoad], loopLag: LagStats, pacing: PacingStats?, connections: Int = 0) {
        var warnings: [String] = []
        let busiest = threads.max { $0.demandPercent < $1.demandPercent }
        let busiestPercent = busiest?.demandPercent ?? 0
        let completed = pacing.map { $0.askedRate > 0 ? Double($0.askedRequests) * $0.achievedRate / $0.askedRate : 0 } ?? 0
        let shortfall = pacing.map { Double($0.askedRequests) - completed } ?? 0
        if let pacing, pacing.achievedPercent < Self.behindPercent, shortfall > Double(connections) {
            let saturated = busiestPercent >= Self.busyPercent
            let stalled = loopLag.p99Micros >= Self.stalledLoopMicros
            if saturated || stalled {
                var why: [String] = []
                if saturated, let busiest {
                    why.append("thread \(busiest.thread) wanted a CPU \(Int(Swift.min(100, busiestPercent).rounded()))% of the time "
                               + "(used \(Int(busiest.cpuPercent.rounded()))%)")
                }
                if stalled { why.append("its event loop ran \(Self.millis(loopLag.p99Micros)) late at p99") }
                why.append("sends fell up to \(Self.millis(pacing.scheduleLag.maxMicros)) behind schedule")
                // The finding only: what to do about it is the printers' to say (`GeneratorAdvice` in Reports).
                warnings.append("the load generator, not the server, limited this run: asked "
                    + "\(Int(pacing.askedRate.rounded())) req/s, achieved \(Int(pacing.achievedRate.rounded())) "
                    + "(\(Int(pacing.achievedPercent.rounded()))%); " + why.joined(separator: ", "))
            }
        }
        self.init(threads: threads, loopLag: loopLag, bottleneck: !warnings.isEmpty, warnings: warnings)
    }

    private static func millis(_ micros: UInt64) -> String {
        micros >= 1000 ? "\(Double(micros / 10) / 100) ms" : "\(micros) µs"
    }
}
