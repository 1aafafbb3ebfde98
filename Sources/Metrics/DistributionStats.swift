import Histogram

/// One row of a percentile table.
public struct PercentileValue: Codable, Sendable, Equatable {
    /// The percentile, 0 to 100 (99.9 is "p99.9").
    public var percentile: Double
    /// The latency at that percentile, in microseconds: the highest value equivalent to the
    /// bucket holding it (within 0.1% at 3 significant digits), clamped to the recorded maximum.
    public var valueMicros: UInt64

    public init(percentile: Double, valueMicros: UInt64) {
        self.percentile = percentile; self.valueMicros = valueMicros
    }
}

/// Latency of a run, in microseconds, computed from its latency histogram.
public struct LatencyStats: Codable, Sendable, Equatable {
    /// The percentiles every result carries.
    public static let standardPercentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 99.999]

    /// Unit of every value here: always "us" (microseconds).
    public var unit: String
    /// Number of latency samples (completed requests that recorded a latency).
    public var count: UInt64
    /// Smallest latency, exact.
    public var min: UInt64
    /// Largest latency, exact.
    public var max: UInt64
    /// Arithmetic mean.
    public var mean: Double
    /// Sample standard deviation (divides by n − 1, as wrk does; 0 below 2 samples).
    public var stdev: Double
    /// Percentage of samples within mean ± 1 stdev (wrk's "+/- Stdev" column); 0 when there are none.
    public var withinStdevPercent: Double
    /// Latency at `standardPercentiles`.
    public var percentiles: [PercentileValue]

    public init(unit: String = "us", count: UInt64, min: UInt64, max: UInt64, mean: Double, stdev: Double,
                withinStdevPercent: Double, percentiles: [PercentileValue]) {
        self.unit = unit; self.count = count; self.min = min; self.max = max; self.mean = mean
        self.stdev = stdev; self.withinStdevPercent = withinStdevPercent; self.percentiles = percentiles
    }

    /// Computes the statistics of a latency histogram in microseconds.
    public init(_ histogram: Histogram<UInt64>) {
        let moments = Moments(histogram)
        self.init(count: histogram.totalCount, min: histogram.totalCount == 0 ? 0 : histogram.min,
                  max: histogram.maxRecorded, mean: moments.mean, stdev: moments.stdev,
                  withinStdevPercent: moments.withinStdevPercent,
                  percentiles: Self.standardPercentiles.map {
                      PercentileValue(percentile: $0, valueMicros: histogram.valueAtPercentile($0))
                  })
    }

    /// The value at `percentile` if the table has it.
    public func value(atPercentile percentile: Double) -> UInt64? {
        percentiles.first { $0.percentile == percentile }?.valueMicros
    }
}

/// Statistics of the per-thread requests/sec samples (taken every 100 ms; wrk's "Req/Sec").
public struct RequestRateStats: Codable, Sendable, Equatable {
    /// Number of samples.
    public var samples: UInt64
    /// Mean requests/sec of one thread.
    public var mean: Double
    /// Sample standard deviation (n − 1).
    public var stdev: Double
    /// Largest sample.
    public var max: UInt64
    /// Percentage of samples within mean ± 1 stdev; 0 when there are none.
    public var withinStdevPercent: Double

    public init(samples: UInt64, mean: Double, stdev: Double, max: UInt64, withinStdevPercent: Double) {
        self.samples = samples; self.mean = mean; self.stdev = stdev; self.max = max
        self.withinStdevPercent = withinStdevPercent
    }

    /// Computes the statistics of a histogram of requests/sec samples.
    public init(_ histogram: Histogram<UInt64>) {
        let moments = Moments(histogram)
        self.init(samples: histogram.totalCount, mean: moments.mean, stdev: moments.stdev,
                  max: histogram.maxRecorded, withinStdevPercent: moments.withinStdevPercent)
    }
}

/// Mean, standard deviation and share within one standard deviation of a histogram, the
/// way wrk's stats.c computes them (`stats_mean`, `stats_stdev`, `stats_within_stdev`),
/// with each bucket standing for its median equivalent value (HdrHistogram's convention;
/// below 2048 a bucket is a single value, so this is exact there).
struct Moments {
    var mean = 0.0
    var stdev = 0.0
    var withinStdevPercent = 0.0

    init(_ histogram: Histogram<UInt64>) {
        let n = histogram.totalCount
        guard n > 0 else { return }
        var buckets: [(value: Double, count: Double)] = []
        var sum = 0.0
        for item in histogram.recordedValues() {
            let value = Double(histogram.medianEquivalentForValue(item.value))
            buckets.append((value, Double(item.count)))
            sum += value * Double(item.count)
        }
        mean = sum / Double(n)
        if n >= 2 {
            var squares = 0.0
            for bucket in buckets {
                let deviation = bucket.value - mean
                squares += deviation * deviation * bucket.count
            }
            stdev = (squares / Double(n - 1)).squareRoot()
        }
        let lower = mean - stdev, upper = mean + stdev
        var within = 0.0
        for bucket in buckets where bucket.value >= lower && bucket.value <= upper {
            within += bucket.count
        }
        withinStdevPercent = within / Double(n) * 100
    }
}
