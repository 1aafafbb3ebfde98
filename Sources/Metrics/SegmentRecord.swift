import Foundation
import Histogram

/// A histogram in HdrHistogram's compressed V2 encoding (base64, the `HISTF…` text interval
/// logs carry, readable by every HdrHistogram implementation), plus the exact minimum and
/// maximum, which the V2 encoding rounds to their buckets and which clamp the percentiles.
/// Decoding gives back a histogram with the same buckets, count, minimum, maximum and
/// percentiles as the one encoded, so histograms from several files add up losslessly.
public struct PortableHistogram: Codable, Sendable, Equatable {
    /// HdrHistogram V2, compressed (cookie 0x1c849314), base64.
    public var hdr: String
    /// Number of recorded values (a check on the decoded histogram).
    public var totalCount: UInt64
    /// Smallest recorded value, exact (0 when nothing was recorded).
    public var min: UInt64
    /// Largest recorded value, exact (0 when nothing was recorded).
    public var max: UInt64

    /// Encodes `histogram`.
    public init(_ histogram: Histogram<UInt64>) {
        hdr = Data(HistogramCodec.encodeCompressed(histogram)).base64EncodedString()
        totalCount = histogram.totalCount
        min = histogram.totalCount == 0 ? 0 : histogram.min
        max = histogram.maxRecorded
    }

    /// Decodes the histogram, with its exact minimum and maximum.
    public func decode() throws -> Histogram<UInt64> {
        let rounded: Histogram<UInt64>
        do { rounded = try HistogramCodec.decode(base64: hdr) } catch {
            throw EncodedHistogram.DecodeError.invalidLayout("not an HdrHistogram V2 encoding: \(error)")
        }
        // The V2 form keeps bucket counts only; EncodedHistogram puts the exact extremes back.
        var exact = EncodedHistogram(rounded)
        guard exact.totalCount == totalCount else {
            throw EncodedHistogram.DecodeError.invalidLayout("totalCount is \(totalCount) but the encoded histogram holds \(exact.totalCount)")
        }
        if totalCount > 0 {
            guard rounded.valuesAreEquivalent(min, rounded.min), rounded.valuesAreEquivalent(max, rounded.maxRecorded) else {
                throw EncodedHistogram.DecodeError.invalidLayout("min \(min) or max \(max) is not in the first or last bucket")
            }
            exact.min = min
            exact.max = max
        }
        return try exact.decode()
    }
}

/// One second of a segment's run: the latency histogram of the responses completed in it.
public struct SegmentInterval: Codable, Sendable, Equatable {
    /// Seconds since the segment's start (`startEpochMicros`).
    public var second: Int
    /// Length of the interval in seconds (1, or less for the last one).
    public var lengthSeconds: Double
    public var latency: PortableHistogram

    public init(second: Int, lengthSeconds: Double, latency: PortableHistogram) {
        self.second = second; self.lengthSeconds = lengthSeconds; self.latency = latency
    }
}

/// What one segment of a run spread over several generators (`--segment i/N`) keeps so that
/// `volley merge` can rebuild the whole run exactly: its id, its start on the wall clock, and
/// every histogram in full. Counters stay in the variant's `summary`; per-second requests and
/// errors in its `perSecond`, counted from `startEpochMicros`.
public struct SegmentRecord: Codable, Sendable, Equatable {
    /// 0-based index of the segment.
    public var index: Int
    /// Number of segments of the run.
    public var count: Int
    /// Wall-clock start of this segment's load, µs since the Unix epoch (its second 0).
    public var startEpochMicros: UInt64
    /// The `--start-at` instant all segments were asked to start at, ms since the Unix epoch.
    public var startAtEpochMillis: UInt64?
    /// How late this segment started against `startAtEpochMillis`, in seconds (absent: on time
    /// or no `--start-at`). A late segment still ran its whole duration.
    public var lateSeconds: Double?
    /// Exact length of the load, µs (the summary's `elapsedSeconds` is this rounded to a double).
    public var elapsedMicros: UInt64
    /// False when the segment was interrupted before its duration was over: `merge` refuses it.
    public var completed: Bool
    /// Constant-rate runs: the requests of the whole run's schedule that fell to this segment by its end.
    public var askedRequests: UInt64?
    /// Latency (corrected in constant-rate runs), µs.
    public var latency: PortableHistogram
    /// Constant-rate runs: latency from the actual send, µs.
    public var uncorrectedLatency: PortableHistogram?
    /// Constant-rate runs: how late sends were against the schedule, µs.
    public var scheduleLag: PortableHistogram?
    /// Per-thread requests/sec samples (every 100 ms).
    public var requestRate: PortableHistogram
    /// The generator's own loop lag, µs.
    public var loopLag: PortableHistogram?
    /// Per-second latency histograms, in order, seconds counted from `startEpochMicros`.
    public var intervals: [SegmentInterval]

    public init(index: Int, count: Int, startEpochMicros: UInt64, startAtEpochMillis: UInt64? = nil,
                lateSeconds: Double? = nil, elapsedMicros: UInt64, completed: Bool, askedRequests: UInt64? = nil,
                latency: PortableHistogram, uncorrectedLatency: PortableHistogram? = nil,
                scheduleLag: PortableHistogram? = nil, requestRate: PortableHistogram, loopLag: PortableHistogram? = nil,
                intervals: [SegmentInterval]) {
        self.index = index; self.count = count; self.startEpochMicros = startEpochMicros
        self.startAtEpochMillis = startAtEpochMillis; self.lateSeconds = lateSeconds; self.elapsedMicros = elapsedMicros
        self.completed = completed; self.askedRequests = askedRequests; self.latency = latency
        self.uncorrectedLatency = uncorrectedLatency; self.scheduleLag = scheduleLag; self.requestRate = requestRate
        self.loopLag = loopLag; self.intervals = intervals
    }

    /// The record of segment `index` of `count` from the engine's measurement and its per-second histograms.
    public init(index: Int, count: Int, startEpochNanos: UInt64, startAtEpochNanos: UInt64? = nil, lateNanos: UInt64 = 0,
                measurement m: LoadMeasurement, intervals: [SegmentInterval], completed: Bool) {
        self.init(index: index, count: count, startEpochMicros: startEpochNanos / 1000,
                  startAtEpochMillis: startAtEpochNanos.map { $0 / 1_000_000 },
                  lateSeconds: lateNanos > 0 ? Double(lateNanos) / 1e9 : nil,
                  elapsedMicros: m.elapsedNanoseconds / 1000, completed: completed, askedRequests: m.askedRequests,
                  latency: PortableHistogram(m.latency),
                  uncorrectedLatency: m.askedRequests == nil ? nil : m.uncorrectedLatency.map(PortableHistogram.init),
                  scheduleLag: m.askedRequests == nil ? nil : m.scheduleLag.map(PortableHistogram.init),
                  requestRate: PortableHistogram(m.requestRate), loopLag: m.loopLag.map(PortableHistogram.init),
                  intervals: intervals)
    }
}
