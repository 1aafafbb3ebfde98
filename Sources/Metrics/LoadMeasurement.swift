import Histogram

/// Errors of a run, by class, as wrk counts them plus `parse`.
public struct ErrorCounts: Codable, Sendable, Equatable, Hashable {
    /// Connection attempts that failed.
    public var connect: UInt64 = 0
    /// Reads that failed, including the server closing a connection before a response was complete.
    public var read: UInt64 = 0
    /// Writes that failed.
    public var write: UInt64 = 0
    /// Requests that got no complete response within the timeout.
    public var timeout: UInt64 = 0
    /// Responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses").
    public var status: UInt64 = 0
    /// Responses that were not valid HTTP/1.1.
    public var parse: UInt64 = 0
    /// TLS handshakes that failed (their reasons are in `RunSummary.tls.failures`).
    public var tls: UInt64 = 0

    public init() {}

    /// Socket-level errors: what wrk prints on its "Socket errors" line, plus parse and TLS errors.
    public var socketErrors: UInt64 { connect + read + write + timeout + parse + tls }
    /// Every error of every class.
    public var total: UInt64 { socketErrors + status }

    /// Adds another set of counters to this one.
    public mutating func add(_ other: ErrorCounts) {
        connect += other.connect; read += other.read; write += other.write
        timeout += other.timeout; status += other.status; parse += other.parse; tls += other.tls
    }
}

extension ErrorCounts {
    enum CodingKeys: String, CodingKey { case connect, read, write, timeout, status, parse, tls }

    /// Result files written before TLS existed have no `tls` count: it reads as 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        connect = try c.decode(UInt64.self, forKey: .connect)
        read = try c.decode(UInt64.self, forKey: .read)
        write = try c.decode(UInt64.self, forKey: .write)
        timeout = try c.decode(UInt64.self, forKey: .timeout)
        status = try c.decode(UInt64.self, forKey: .status)
        parse = try c.decode(UInt64.self, forKey: .parse)
        tls = try c.decodeIfPresent(UInt64.self, forKey: .tls) ?? 0
    }
}

/// Requests and errors completed within one second of a run, and that second's latency.
public struct SecondSlice: Codable, Sendable, Equatable {
    /// Seconds since the start of the run (0 is the first second).
    public var second: Int
    public var requests: UInt64
    public var errors: UInt64
    /// Latency of the responses completed in that second, µs (corrected in constant-rate runs);
    /// absent when no response completed or the engine did not record it.
    public var p50Micros: UInt64?
    public var p99Micros: UInt64?
    public var maxMicros: UInt64?
    /// CPU of the generator's whole process in that second, percent of one core (see `ProcessCPU`).
    public var generatorCpuPercent: Double?
    /// CPU of the server under test in that second, percent of one core; absent when no server process was watched.
    public var serverCpuPercent: Double?

    public init(second: Int, requests: UInt64 = 0, errors: UInt64 = 0, p50Micros: UInt64? = nil,
                p99Micros: UInt64? = nil, maxMicros: UInt64? = nil, generatorCpuPercent: Double? = nil, serverCpuPercent: Double? = nil) {
        self.second = second; self.requests = requests; self.errors = errors
        self.p50Micros = p50Micros; self.p99Micros = p99Micros; self.maxMicros = maxMicros
        self.generatorCpuPercent = generatorCpuPercent; self.serverCpuPercent = serverCpuPercent
    }
}

/// What a load run was asked to do; stored in results so a run can be repeated and compared.
public struct RunConfiguration: Codable, Sendable, Equatable {
    public var url: String
    public var method: String
    public var threads: Int
    public var connections: Int
    /// Planned duration in seconds.
    public var durationSeconds: Double
    public var timeoutSeconds: Double
    /// HTTP/1.1 pipelining depth (1: no pipelining).
    public var pipeline: Int
    /// Extra request headers as given, `Name: value`.
    public var headers: [String]
    /// Size of the request body in bytes.
    public var bodyBytes: Int
    /// Asked requests/sec for constant-rate runs (the start of a ramp); nil for closed-loop runs.
    public var rate: Double?
    /// Asked requests/sec at the end of a ramp (`-R 1000:20000`); nil for a constant rate.
    public var rateEnd: Double?
    /// The Lua script that built the requests (`-s`); nil without one.
    public var script: ScriptReference?

    public init(url: String, method: String = "GET", threads: Int, connections: Int, durationSeconds: Double,
                timeoutSeconds: Double = 2, pipeline: Int = 1, headers: [String] = [], bodyBytes: Int = 0,
                rate: Double? = nil, rateEnd: Double? = nil) {
        self.url = url; self.method = method; self.threads = threads; self.connections = connections
        self.durationSeconds = durationSeconds; self.timeoutSeconds = timeoutSeconds; self.pipeline = pipeline
        self.headers = headers; self.bodyBytes = bodyBytes; self.rate = rate; self.rateEnd = rateEnd
    }
}

/// The raw, merged measurement of one load run as the engine hands it over: per-thread
/// recorders are merged into one of these after the threads are joined. Printers and
/// reports never read it directly; they read the `VariantResult` built from it.
public struct LoadMeasurement: Sendable {
    /// Wall time from the start of the load to its end, in nanoseconds.
    public var elapsedNanoseconds: UInt64
    /// Completed responses (any status).
    public var requests: UInt64 = 0
    public var bytesRead: UInt64 = 0
    public var bytesWritten: UInt64 = 0
    public var errors = ErrorCounts()
    /// Connections reopened after the server closed them or after an error.
    public var reconnects: UInt64 = 0
    /// Responses by status class: index 1 is 1xx … index 5 is 5xx, index 0 anything else.
    public var statusClasses: [UInt64] = Array(repeating: 0, count: 6)
    /// Latency from first byte written to last byte read, in microseconds.
    public var latency: Histogram<UInt64>
    /// Each thread's requests/sec, sampled every 100 ms (wrk's "Req/Sec" thread statistic).
    public var requestRate: Histogram<UInt64>
    /// Requests and errors per second of the run.
    public var perSecond: [SecondSlice] = []
    /// Short runs: the same figures in slices shorter than a second (nil otherwise).
    public var timeline: Timeline?
    /// Wall-clock time the load started, seconds since 1970 (places server events on the run's time axis).
    public var startedAtEpochSeconds: Double?
    /// Paced runs: latency from the actual send, µs (`latency` is then from the intended send).
    public var uncorrectedLatency: Histogram<UInt64>?
    /// Paced runs: how late sends were against the schedule, µs.
    public var scheduleLag: Histogram<UInt64>?
    /// Paced runs: requests the schedule asked for by the end of the run.
    public var askedRequests: UInt64?
    /// How late the generator's own 100 ms wake-ups ran, µs (its event loops' lag).
    public var loopLag: Histogram<UInt64>?
    /// CPU use of each load thread.
    public var threads: [ThreadLoad] = []
    /// https runs: handshakes, resumption and what was negotiated.
    public var tls: TLSMeasurement?
    /// CPU time of the generator's process and of the server under test over the run, set by the
    /// runner once the threads are merged (per-thread measurements have none).
    public var cpu: ProcessCPU?

    public init(elapsedNanoseconds: UInt64 = 0) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.latency = LoadMeasurement.makeLatencyHistogram()
        self.requestRate = LoadMeasurement.makeRateHistogram()
    }

    /// A latency histogram with Volley's standard range: 1 µs to 1 hour, 3 significant digits.
    public static func makeLatencyHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// A histogram for requests/sec samples: up to 100 M requests/sec, 3 significant digits.
    public static func makeRateHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Adds another measurement taken over the same period (another thread's) to this one.
    public mutating func merge(_ other: LoadMeasurement) {
        elapsedNanoseconds = max(elapsedNanoseconds, other.elapsedNanoseconds)
        requests += other.requests; bytesRead += other.bytesRead; bytesWritten += other.bytesWritten
        errors.add(other.errors); reconnects += other.reconnects
        for i in 0..<statusClasses.count { statusClasses[i] += other.statusClasses[i] }
        latency.add(other.latency)
        requestRate.add(other.requestRate)
        Self.add(other.uncorrectedLatency, to: &uncorrectedLatency)
        Self.add(other.scheduleLag, to: &scheduleLag)
        Self.add(other.loopLag, to: &loopLag)
        if let asked = other.askedRequests { askedRequests = (askedRequests ?? 0) + asked }
        threads += other.threads
        if let theirs = other.startedAtEpochSeconds { startedAtEpochSeconds = min(startedAtEpochSeconds ?? theirs, theirs) }
        if let theirs = other.timeline {
            if timeline == nil { timeline = Timeline(sliceMillis: theirs.sliceMillis) }
            timeline!.merge(theirs)
        }
        if let theirs = other.tls { if tls == nil { tls = theirs } else { tls!.merge(theirs) } }
        for slice in other.perSecond {
            while perSecond.count <= slice.second { perSecond.append(SecondSlice(second: perSecond.count)) }
            perSecond[slice.second].requests += slice.requests
            perSecond[slice.second].errors += slice.errors
        }
    }

    private static func add(_ other: Histogram<UInt64>?, to mine: inout Histogram<UInt64>?) {
        guard let other else { return }
        if mine == nil { mine = other } else { mine!.add(other) }
    }
}
