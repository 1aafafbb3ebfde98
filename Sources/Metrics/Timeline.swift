/// A run's figures in slices shorter than a second, for short runs whose per-second series
/// would be a handful of points (a 2 s run has two seconds, but twenty 100 ms slices).
/// Absent in long runs (the per-second series is enough) and in files from older engines.
public struct Timeline: Codable, Sendable, Equatable {
    /// Length of one slice in milliseconds (100 for runs shorter than 20 s).
    public var sliceMillis: Int
    /// Slice `i` covers `[i × sliceMillis, (i + 1) × sliceMillis)` ms after the start; the last one may be partial.
    public var slices: [TimeSlice]

    public init(sliceMillis: Int, slices: [TimeSlice] = []) {
        self.sliceMillis = sliceMillis; self.slices = slices
    }

    /// Adds another thread's counts over the same slices (percentiles cannot be added; the
    /// engine fills them from the merged histograms afterwards).
    public mutating func merge(_ other: Timeline) {
        guard other.sliceMillis == sliceMillis else { return }
        for slice in other.slices {
            while slices.count <= slice.slice { slices.append(TimeSlice(slice: slices.count)) }
            slices[slice.slice].requests += slice.requests
            slices[slice.slice].errors += slice.errors
            if let asked = slice.askedRequests { slices[slice.slice].askedRequests = (slices[slice.slice].askedRequests ?? 0) + asked }
        }
    }
}

/// Requests, errors and latency of one slice of a run.
public struct TimeSlice: Codable, Sendable, Equatable {
    /// Index of the slice from the start of the run (0 is the first).
    public var slice: Int
    public var requests: UInt64
    public var errors: UInt64
    /// Latency of the responses completed in the slice, µs (corrected in constant-rate runs).
    public var p50Micros: UInt64?
    public var p99Micros: UInt64?
    public var maxMicros: UInt64?
    /// Constant-rate runs: requests the schedule asked for within the slice.
    public var askedRequests: UInt64?
    /// CPU of the generator's whole process over the slice, percent of one core (see `ProcessCPU`).
    public var generatorCpuPercent: Double?
    /// CPU of the server under test (its process and their children) over the slice, percent of
    /// one core; absent when no server process was watched.
    public var serverCpuPercent: Double?

    public init(slice: Int, requests: UInt64 = 0, errors: UInt64 = 0, p50Micros: UInt64? = nil, p99Micros: UInt64? = nil,
                maxMicros: UInt64? = nil, askedRequests: UInt64? = nil, generatorCpuPercent: Double? = nil, serverCpuPercent: Double? = nil) {
        self.slice = slice; self.requests = requests; self.errors = errors
        self.p50Micros = p50Micros; self.p99Micros = p99Micros; self.maxMicros = maxMicros; self.askedRequests = askedRequests
        self.generatorCpuPercent = generatorCpuPercent; self.serverCpuPercent = serverCpuPercent
    }
}
