/// Responses counted by status class.
public struct StatusClassCounts: Codable, Sendable, Equatable {
    /// Statuses outside 100...599.
    public var other: UInt64
    public var informational: UInt64
    public var success: UInt64
    public var redirection: UInt64
    public var clientError: UInt64
    public var serverError: UInt64

    enum CodingKeys: String, CodingKey {
        case other, informational = "1xx", success = "2xx", redirection = "3xx", clientError = "4xx", serverError = "5xx"
    }

    public init(other: UInt64 = 0, informational: UInt64 = 0, success: UInt64 = 0, redirection: UInt64 = 0,
                clientError: UInt64 = 0, serverError: UInt64 = 0) {
        self.other = other; self.informational = informational; self.success = success
        self.redirection = redirection; self.clientError = clientError; self.serverError = serverError
    }

    /// Reads `LoadMeasurement.statusClasses` (index 0 other, 1 for 1xx … 5 for 5xx; missing entries count 0).
    public init(_ classes: [UInt64]) {
        func at(_ i: Int) -> UInt64 { i < classes.count ? classes[i] : 0 }
        self.init(other: at(0), informational: at(1), success: at(2), redirection: at(3),
                  clientError: at(4), serverError: at(5))
    }
}

/// Totals and rates of one variant's run.
public struct RunSummary: Codable, Sendable, Equatable {
    /// Completed responses, any status.
    public var requests: UInt64
    /// Bytes read from the server (wrk's "read").
    public var bytesRead: UInt64
    /// Bytes written to the server.
    public var bytesWritten: UInt64
    /// Wall time of the load, in seconds.
    public var elapsedSeconds: Double
    /// `requests / elapsedSeconds` (0 if no time elapsed).
    public var requestsPerSecond: Double
    /// `bytesRead / elapsedSeconds` (0 if no time elapsed).
    public var bytesPerSecond: Double
    /// Errors by class.
    public var errors: ErrorCounts
    /// Connections reopened after the server closed them or after an error.
    public var reconnects: UInt64
    /// Responses by status class.
    public var statusClasses: StatusClassCounts
    /// https runs: handshakes, resumption, what was negotiated, handshake latency.
    public var tls: TLSSummary?

    public init(requests: UInt64, bytesRead: UInt64, bytesWritten: UInt64, elapsedSeconds: Double,
                requestsPerSecond: Double, bytesPerSecond: Double, errors: ErrorCounts, reconnects: UInt64,
                statusClasses: StatusClassCounts) {
        self.requests = requests; self.bytesRead = bytesRead; self.bytesWritten = bytesWritten
        self.elapsedSeconds = elapsedSeconds; self.requestsPerSecond = requestsPerSecond
        self.bytesPerSecond = bytesPerSecond; self.errors = errors; self.reconnects = reconnects
        self.statusClasses = statusClasses
    }

    /// Sums up a measurement.
    public init(_ measurement: LoadMeasurement) {
        let seconds = Double(measurement.elapsedNanoseconds) / 1e9
        self.init(requests: measurement.requests, bytesRead: measurement.bytesRead,
                  bytesWritten: measurement.bytesWritten, elapsedSeconds: seconds,
                  requestsPerSecond: seconds > 0 ? Double(measurement.requests) / seconds : 0,
                  bytesPerSecond: seconds > 0 ? Double(measurement.bytesRead) / seconds : 0,
                  errors: measurement.errors, reconnects: measurement.reconnects,
                  statusClasses: StatusClassCounts(measurement.statusClasses))
        tls = measurement.tls.map(TLSSummary.init)
    }
}

/// The result of one variant of a run (one server model, one route, one setting…): what
/// was asked, what came back, and the full latency histogram so results can be merged.
public struct VariantResult: Codable, Sendable, Equatable {
    /// Name of the variant, unique within a report ("run" for a plain `volley run`).
    public var name: String
    /// What the load generator was asked to do.
    public var configuration: RunConfiguration
    public var summary: RunSummary
    public var latency: LatencyStats
    public var requestRate: RequestRateStats
    /// The latency histogram in microseconds.
    public var latencyHistogram: EncodedHistogram
    /// Requests and errors in each second of the run.
    public var perSecond: [SecondSlice]
    /// Statistics the server reported about itself (slow callbacks, loop lag…); free-form.
    public var server: [String: JSONValue]?
    /// Names of profile files recorded during this variant (folded stacks, speedscope, SVG).
    public var profiles: [String]?
    /// Remarks about this variant, for people.
    public var notes: [String]?
    /// Constant-throughput runs: latency from the actual send, without coordinated-omission
    /// correction (`latency` is then measured from the intended send).
    public var uncorrectedLatency: LatencyStats?
    /// The uncorrected latency histogram in microseconds.
    public var uncorrectedLatencyHistogram: EncodedHistogram?
    /// Constant-throughput runs: asked and achieved rate, and how late sends were.
    public var pacing: PacingStats?
    /// The generator's own CPU use and loop lag, and whether it limited the run.
    public var generator: GeneratorHealth?
    /// True when a stop (Ctrl-C, SIGTERM) cut this variant short: its figures cover the time it ran.
    public var interrupted: Bool?
    /// Short runs: requests, errors and latency in slices shorter than a second (see `Timeline`).
    public var timeline: Timeline?
    /// Wall-clock time the load started, seconds since 1970: where the server's timestamped events
    /// (slow callbacks) fall on the run's time axis.
    public var startedAtEpochSeconds: Double?
    /// `volley bench --repeat N`: each repeat's own result, in the order run (the figures
    /// above are all repeats merged). Nil for a single run.
    public var repeats: [VariantResult]?
    /// A segment of a run spread over several generators (`--segment i/N`): its id, start and
    /// full histograms, for `volley merge`. Absent otherwise (and in merged files).
    public var segment: SegmentRecord?
    /// A slot of a paired A/B bench (`volley bench --baseline-binary`): which paired run and which
    /// slot, so that `volley compare` can set each slot against the other side's slot next to it
    /// in time. Absent otherwise.
    public var pairing: PairSlot?

    public init(name: String, configuration: RunConfiguration, summary: RunSummary, latency: LatencyStats,
                requestRate: RequestRateStats, latencyHistogram: EncodedHistogram, perSecond: [SecondSlice],
                server: [String: JSONValue]? = nil, profiles: [String]? = nil, notes: [String]? = nil,
                uncorrectedLatency: LatencyStats? = nil, uncorrectedLatencyHistogram: EncodedHistogram? = nil,
                pacing: PacingStats? = nil, generator: GeneratorHealth? = nil) {
        self.name = name; self.configuration = configuration; self.summary = summary; self.latency = latency
        self.requestRate = requestRate; self.latencyHistogram = latencyHistogram; self.perSecond = perSecond
        self.server = server; self.profiles = profiles; self.notes = notes
        self.uncorrectedLatency = uncorrectedLatency; self.uncorrectedLatencyHistogram = uncorrectedLatencyHistogram
        self.pacing = pacing; self.generator = generator
    }

    /// Computes every figure of a variant from the engine's merged measurement.
    public init(name: String, configuration: RunConfiguration, measurement m: LoadMeasurement) {
        let summary = RunSummary(m)
        var pacing: PacingStats?
        if let asked = m.askedRequests {
            let seconds = summary.elapsedSeconds
            let askedRate = seconds > 0 ? Double(asked) / seconds : 0
            pacing = PacingStats(askedRequests: asked, askedRate: askedRate, achievedRate: summary.requestsPerSecond,
                                 achievedPercent: askedRate > 0 ? 100 * summary.requestsPerSecond / askedRate : 0,
                                 scheduleLag: LagStats(m.scheduleLag ?? LoadMeasurement.makeLatencyHistogram()))
        }
        var generator: GeneratorHealth?
        if !m.threads.isEmpty || m.loopLag != nil {
            generator = GeneratorHealth(threads: m.threads, loopLag: LagStats(m.loopLag ?? LoadMeasurement.makeLatencyHistogram()),
                                        pacing: pacing, connections: configuration.connections)
        }
        self.init(name: name, configuration: configuration, summary: summary,
                  latency: LatencyStats(m.latency), requestRate: RequestRateStats(m.requestRate),
                  latencyHistogram: EncodedHistogram(m.latency), perSecond: m.perSecond,
                  uncorrectedLatency: m.askedRequests == nil ? nil : m.uncorrectedLatency.map(LatencyStats.init),
                  uncorrectedLatencyHistogram: m.askedRequests == nil ? nil : m.uncorrectedLatency.map(EncodedHistogram.init),
                  pacing: pacing, generator: generator)
        self.timeline = m.timeline
        self.startedAtEpochSeconds = m.startedAtEpochSeconds
        if let cpu = m.cpu {
            self.generator?.setProcessCPU(userSeconds: cpu.generatorUserSeconds, systemSeconds: cpu.generatorSystemSeconds,
                                          requests: m.requests)
            if let seconds = cpu.serverSeconds { setServerCPU(seconds: seconds, processes: cpu.serverProcesses, requests: m.requests) }
        }
    }
}

/// One slot of a paired A/B bench: the baseline's and the new build's servers run side by side
/// and the load alternates between them in short slots (A B, then B A, …), so that the two
/// slots of a pair see the same state of the machine. Slot `slot` of one side is paired with
/// slot `slot` of the other side of the same `run`.
public struct PairSlot: Codable, Sendable, Equatable, Hashable {
    /// Identifies one paired run of a variant (both servers started once), shared by both sides' files.
    public var run: String
    /// The slot's place in the run, 0-based; equal on both sides for the two slots of a pair.
    public var slot: Int
    /// `base` or `new`.
    public var side: String

    public init(run: String, slot: Int, side: String) { self.run = run; self.slot = slot; self.side = side }
}
