import Histogram
import Metrics

/// A class of error, as counted in `ErrorCounts`.
public enum ErrorClass: Sendable, Equatable {
    case connect, read, write, timeout, status, parse
}

/// One worker thread's measurements. Only its own thread touches it; the runner merges
/// the recorders of all threads once they are joined, so nothing on the hot path is shared.
public struct Recorder {
    /// The monotonic time (ns) the thread started its load.
    public let start: UInt64
    public private(set) var latency = Measurement.makeLatencyHistogram()
    public private(set) var requestRate = Measurement.makeRateHistogram()
    public private(set) var requests: UInt64 = 0
    public var bytesRead: UInt64 = 0
    public var bytesWritten: UInt64 = 0
    public private(set) var errors = ErrorCounts()
    public var reconnects: UInt64 = 0
    public private(set) var statusClasses: [UInt64] = Array(repeating: 0, count: 6)
    public private(set) var perSecond: [SecondSlice]
    /// Latency of the current second; its buckets move to `perSecondLatency` when the second ends.
    private var secondLatency = Measurement.makeSecondLatencyHistogram()
    public private(set) var perSecondLatency: [[LatencyBucket]] = []
    private var requestsAtLastSample: UInt64 = 0
    private var lastSampleTime: UInt64

    /// Creates a recorder for a run starting at `start`; `expectedSeconds` sizes the per-second series up front.
    public init(start: UInt64, expectedSeconds: Int) {
        self.start = start
        self.lastSampleTime = start
        perSecond = []
        perSecond.reserveCapacity(expectedSeconds + 2)
    }

    /// Records one complete response.
    @inline(__always)
    public mutating func recordResponse(status: Int, latencyNanos: UInt64, now: UInt64) {
        requests &+= 1
        let micros = min(max(latencyNanos / 1000, 1), latency.highestTrackableValue)
        _ = latency.record(micros)
        let statusClass = status / 100
        statusClasses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0] &+= 1
        let second = slot(now)
        _ = secondLatency.record(micros)
        perSecond[second].requests &+= 1
        if status > 399 {
            errors.status &+= 1
            perSecond[second].errors &+= 1
        }
    }

    /// Records `count` errors of one class.
    public mutating func recordError(_ kind: ErrorClass, count: UInt64 = 1, now: UInt64) {
        switch kind {
        case .connect: errors.connect &+= count
        case .read: errors.read &+= count
        case .write: errors.write &+= count
        case .timeout: errors.timeout &+= count
        case .status: errors.status &+= count
        case .parse: errors.parse &+= count
        }
        perSecond[slot(now)].errors &+= count
    }

    /// Samples this thread's request rate since the last sample (wrk does this every 100 ms).
    public mutating func sampleRate(now: UInt64) {
        let elapsed = now &- lastSampleTime
        guard elapsed > 0 else { return }
        let done = requests &- requestsAtLastSample
        let perSecond = UInt64((Double(done) * 1e9 / Double(elapsed)).rounded())
        _ = requestRate.record(min(perSecond, requestRate.highestTrackableValue))
        requestsAtLastSample = requests
        lastSampleTime = now
    }

    @inline(__always)
    private mutating func slot(_ now: UInt64) -> Int {
        let second = now > start ? Int((now - start) / 1_000_000_000) : 0
        if second >= perSecond.count {
            // Once a second at most: closes the second that ended and grows the series.
            if !perSecond.isEmpty { closeSecondLatency(perSecond.count - 1) }
            while perSecond.count <= second { perSecond.append(SecondSlice(second: perSecond.count)) }
        }
        return second
    }

    /// Moves the current second's latency buckets to `perSecondLatency[second]` and clears it.
    private mutating func closeSecondLatency(_ second: Int) {
        guard secondLatency.totalCount > 0 else { return }
        while perSecondLatency.count <= second { perSecondLatency.append([]) }
        perSecondLatency[second] = Self.buckets(secondLatency)
        secondLatency.reset()
    }

    static func buckets(_ histogram: Histogram<UInt64>) -> [LatencyBucket] {
        histogram.recordedValues().map { LatencyBucket(value: $0.value, count: UInt64($0.count)) }
    }

    /// This thread's figures as a `Measurement` for merging.
    public func measurement(end: UInt64) -> Measurement {
        var m = Measurement(elapsedNanoseconds: end > start ? end - start : 0)
        m.requests = requests
        m.bytesRead = bytesRead
        m.bytesWritten = bytesWritten
        m.errors = errors
        m.reconnects = reconnects
        m.statusClasses = statusClasses
        m.latency = latency
        m.requestRate = requestRate
        m.perSecond = perSecond
        m.perSecondLatency = perSecondLatency
        if secondLatency.totalCount > 0, !perSecond.isEmpty {
            // The last second is still open.
            while m.perSecondLatency.count < perSecond.count { m.perSecondLatency.append([]) }
            m.perSecondLatency[perSecond.count - 1] = Self.buckets(secondLatency)
        }
        return m
    }
}
