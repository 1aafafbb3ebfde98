import Histogram
import Metrics

/// A class of error, as counted in `ErrorCounts`.
public enum ErrorClass: Sendable, Equatable {
    case connect, read, write, timeout, status, parse, tls
}

/// One worker thread's measurements. Only its own thread touches it; the runner merges
/// the recorders of all threads once they are joined, so nothing on the hot path is shared.
public struct Recorder {
    /// The monotonic time (ns) the thread started its load.
    public let start: UInt64
    public private(set) var latency = LoadMeasurement.makeLatencyHistogram()
    public private(set) var requestRate = LoadMeasurement.makeRateHistogram()
    public private(set) var requests: UInt64 = 0
    public var bytesRead: UInt64 = 0
    public var bytesWritten: UInt64 = 0
    public private(set) var errors = ErrorCounts()
    public var reconnects: UInt64 = 0
    public private(set) var statusClasses: [UInt64] = Array(repeating: 0, count: 6)
    public private(set) var perSecond: [SecondSlice]
    /// Paced runs: latency from the actual send (the corrected one, from the intended send, is `latency`).
    public private(set) var uncorrectedLatency = LoadMeasurement.makeLatencyHistogram()
    /// Paced runs: how late each send was against its schedule, in microseconds.
    public private(set) var scheduleLag = LoadMeasurement.makeLatencyHistogram()
    /// This thread's CPU use and loop lag, set when its loop ends.
    public var threadLoad: ThreadLoad?
    public var loopLag = LoadMeasurement.makeLatencyHistogram()
    /// https runs: handshakes and their failures (nil for plain HTTP).
    public var tls: TLSMeasurement?
    /// Latencies of the current second only, handed to `intervals` when the second is over.
    private var interval = LoadMeasurement.makeLatencyHistogram()
    private var intervalSecond = 0
    /// Short runs: requests and errors per slice (`sliceNanos` long); empty when slices are seconds.
    public private(set) var perSlice: [TimeSlice] = []
    /// Length of a slice: 100 ms in short runs (`IntervalCollector.sliceNanos(forDuration:)`), else a second (no slices).
    public let sliceNanos: UInt64
    /// Short runs: latencies of the current slice (two significant digits), handed to `intervals` when the slice is over.
    private var sliceLatency: Histogram<UInt64>?
    /// The slice of the latest `slot` call.
    private var currentSlice = 0
    private let intervals: IntervalCollector?
    private var requestsAtLastSample: UInt64 = 0
    private var lastSampleTime: UInt64

    /// Creates a recorder for a run starting at `start`; `expectedSeconds` sizes the per-second series up front.
    /// `intervals` receives each second's latency histogram (per-second percentiles, `--hlog`).
    public init(start: UInt64, expectedSeconds: Int, intervals: IntervalCollector? = nil, sliceNanos: UInt64 = 1_000_000_000) {
        self.start = start
        self.sliceNanos = max(1_000_000, min(sliceNanos, 1_000_000_000))
        self.lastSampleTime = start
        self.intervals = intervals
        perSecond = []
        perSecond.reserveCapacity(expectedSeconds + 2)
        if self.sliceNanos < 1_000_000_000 {
            perSlice.reserveCapacity((expectedSeconds + 2) * Int(1_000_000_000 / self.sliceNanos))
            sliceLatency = IntervalCollector.makeSliceHistogram()
        }
    }

    /// Records one complete response; `latencyNanos` is the latency histograms' figure (in
    /// paced runs, from the intended send), `uncorrectedNanos` the one from the actual send.
    @inline(__always)
    public mutating func recordResponse(status: Int, latencyNanos: UInt64, uncorrectedNanos: UInt64? = nil, now: UInt64) {
        requests &+= 1
        let second = slot(now)
        let micros = min(max(latencyNanos / 1000, 1), latency.highestTrackableValue)
        _ = latency.record(micros)
        _ = interval.record(micros)
        if sliceLatency != nil {
            _ = sliceLatency!.record(micros)
            perSlice[currentSlice].requests &+= 1
            if status > 399 { perSlice[currentSlice].errors &+= 1 }
        }
        if let uncorrectedNanos {
            _ = uncorrectedLatency.record(min(max(uncorrectedNanos / 1000, 1), latency.highestTrackableValue))
        }
        let statusClass = status / 100
        statusClasses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0] &+= 1
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
        case .tls: errors.tls &+= count
        }
        perSecond[slot(now)].errors &+= count
        if sliceLatency != nil { perSlice[currentSlice].errors &+= count }
    }

    /// Records how late a paced send was against its schedule.
    @inline(__always)
    public mutating func recordScheduleLag(_ nanos: UInt64) {
        _ = scheduleLag.record(min(nanos / 1000, scheduleLag.highestTrackableValue))
    }

    /// Samples this thread's request rate since the last sample (wrk does this every 100 ms),
    /// and hands over the last second's latencies if a second has passed.
    public mutating func sampleRate(now: UInt64) {
        _ = slot(now)
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
            // Once a second at most: grows the series to reach the current second.
            while perSecond.count <= second { perSecond.append(SecondSlice(second: perSecond.count)) }
        }
        if second > intervalSecond { rollInterval(to: second) }
        if sliceLatency != nil { nextSlice(offset: now > start ? now - start : 0) }
        return second
    }

    /// Short runs: keeps `perSlice` reaching the current slice, handing the finished slice's latencies over (ten times a second).
    @inline(__always)
    private mutating func nextSlice(offset: UInt64) {
        let slice = Int(offset / sliceNanos)
        if slice >= perSlice.count {
            while perSlice.count <= slice { perSlice.append(TimeSlice(slice: perSlice.count)) }
        }
        if slice > currentSlice {
            intervals?.submitSlice(currentSlice, sliceLatency!)
            sliceLatency!.reset()
            currentSlice = slice
        }
    }

    /// A second (or more) is over: its histogram goes to the collector and is reused.
    private mutating func rollInterval(to second: Int) {
        intervals?.submit(second: intervalSecond, interval)
        interval.reset()
        for quiet in (intervalSecond + 1)..<second { intervals?.submit(second: quiet, nil) }
        intervalSecond = second
    }

    /// The run is over: hands over the last, partial second.
    public mutating func finishIntervals() {
        if sliceLatency != nil {
            intervals?.submitSlice(currentSlice, sliceLatency!)
            sliceLatency!.reset()
        }
        intervals?.submit(second: intervalSecond, interval, last: true)
        interval.reset()
        intervalSecond = Int.max
    }

    /// This thread's figures as a `LoadMeasurement` for merging.
    public func measurement(end: UInt64) -> LoadMeasurement {
        var m = LoadMeasurement(elapsedNanoseconds: end > start ? end - start : 0)
        m.requests = requests
        m.bytesRead = bytesRead
        m.bytesWritten = bytesWritten
        m.errors = errors
        m.reconnects = reconnects
        m.statusClasses = statusClasses
        m.latency = latency
        m.requestRate = requestRate
        m.perSecond = perSecond
        if sliceNanos < 1_000_000_000 {
            m.timeline = Timeline(sliceMillis: Int(sliceNanos / 1_000_000), slices: perSlice)
        }
        if uncorrectedLatency.totalCount > 0 || scheduleLag.totalCount > 0 {
            m.uncorrectedLatency = uncorrectedLatency
            m.scheduleLag = scheduleLag
        }
        m.loopLag = loopLag
        if let threadLoad { m.threads = [threadLoad] }
        m.tls = tls
        return m
    }
}
