import Histogram
import Metrics

/// The HdrHistogram percentile distribution text (`.hgrm`): what HdrHistogram's
/// `outputPercentileDistribution` and HistogramLogProcessor write, what wrk2 prints under
/// "Detailed Percentile spectrum", and what the HdrHistogram plotter reads.
///
/// ```
///        Value     Percentile TotalCount 1/(1-Percentile)
///
///        0.097 0.000000000000          1           1.00
///        …
///       12.071 1.000000000000     999862
/// #[Mean    =        1.078, StdDeviation   =        0.688]
/// #[Max     =       12.071, Total count    =       999862]
/// #[Buckets =           22, SubBuckets     =         2048]
/// ```
///
/// Rows step through percentiles with `ticksPerHalfDistance` ticks in each half of the
/// remaining distance to 100% (0, 10, 20 … 50, 55 … 75, 77.5 …), and end with a row at
/// percentile 1.0. Values are divided by `outputValueUnitScalingRatio` (1000: microseconds
/// to milliseconds) and printed with as many decimals as the histogram has significant digits.
///
/// hdrhistogram-swift's own `outputPercentileDistribution` has this layout but prints
/// counts with `%d`, which wraps above 2³¹ − 1 (a long run at high rates gets there), so
/// the text is produced here, through C `printf`, from the package's percentile iterator.
public enum HgrmPrinter {
    /// Which implementation's layout to reproduce. The values in the rows are the same.
    public enum Style: Sendable, Equatable {
        /// HdrHistogram Java (`AbstractHistogram.outputPercentileDistribution`, used by
        /// HistogramLogProcessor): header `%12s %14s %10s %14s`, rows
        /// `%12.Nf %2.12f %10d %14.2f`, and a last row with no `1/(1-Percentile)` column.
        case hdrHistogram
        /// HdrHistogram_c's `hdr_percentiles_print`, as bundled in wrk2: header
        /// `%12s %12s %12s %12s`, rows `%12.Nf %12f %12d %12.2f`, the last row's
        /// `1/(1-Percentile)` printed as `inf`, and `Max` as the lowest value of the
        /// maximum's bucket.
        case wrk2
    }

    /// The distribution of `histogram` as .hgrm text.
    public static func text(_ histogram: Histogram<UInt64>, style: Style = .hdrHistogram,
                            ticksPerHalfDistance: Int = 5, outputValueUnitScalingRatio: Double = 1000) -> String {
        let digits = Int32(histogram.numberOfSignificantValueDigits.rawValue)
        let ratio = outputValueUnitScalingRatio
        var out = ""
        switch style {
        case .hdrHistogram:
            out += "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
        case .wrk2:
            out += "       Value   Percentile   TotalCount 1/(1-Percentile)\n\n"
        }

        for item in histogram.percentiles(ticksPerHalfDistance: ticksPerHalfDistance) {
            let value = Double(item.value) / ratio
            let percentile = item.percentileLevelIteratedTo / 100.0
            let count = item.totalCountToThisValue
            switch style {
            case .hdrHistogram:
                if item.percentileLevelIteratedTo != 100.0 {
                    out += CFormat.string("%12.*f %2.12f %10llu %14.2f\n", digits, value, percentile, count,
                                          1.0 / (1.0 - percentile))
                } else {
                    out += CFormat.string("%12.*f %2.12f %10llu\n", digits, value, percentile, count)
                }
            case .wrk2:
                out += CFormat.string("%12.*f %12f %12llu %12.2f\n", digits, value, percentile, count,
                                      1.0 / (1.0 - percentile))
            }
        }

        let layout = BucketLayout(histogram, style: style)
        switch style {
        case .hdrHistogram:
            out += CFormat.string("#[Mean    = %12.*f, StdDeviation   = %12.*f]\n",
                                  digits, histogram.mean / ratio, digits, histogram.stdDeviation / ratio)
            out += CFormat.string("#[Max     = %12.*f, Total count    = %12llu]\n",
                                  digits, Double(histogram.max) / ratio, histogram.totalCount)
        case .wrk2:
            // hdr_mean divides by the total count even when it is 0 (NaN, printed "-nan").
            let empty = histogram.totalCount == 0
            let mean = empty ? -Double.nan : histogram.mean / ratio
            let stdev = empty ? -Double.nan : histogram.stdDeviation / ratio
            let max = histogram.maxRecorded == 0 ? 0 : histogram.lowestEquivalentForValue(histogram.maxRecorded)
            out += CFormat.string("#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean, stdev)
            out += CFormat.string("#[Max     = %12.3f, Total count    = %12llu]\n", Double(max) / ratio,
                                  histogram.totalCount)
        }
        out += CFormat.string("#[Buckets = %12d, SubBuckets     = %12d]\n", Int32(layout.bucketCount),
                              Int32(layout.subBucketCount))
        return out
    }

    /// The latency distribution of a variant as .hgrm text, in milliseconds.
    public static func text(_ result: VariantResult, style: Style = .hdrHistogram,
                            ticksPerHalfDistance: Int = 5) throws -> String {
        text(try result.latencyHistogram.decode(), style: style, ticksPerHalfDistance: ticksPerHalfDistance,
             outputValueUnitScalingRatio: 1000)
    }
}

/// The bucket structure of a histogram, which hdrhistogram-swift keeps internal: sub-buckets
/// per bucket and number of buckets, computed as the implementation being imitated does.
struct BucketLayout {
    var subBucketCount: Int
    var bucketCount: Int

    init(_ histogram: Histogram<UInt64>, style: HgrmPrinter.Style) {
        let digits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        var largestSingleUnit: UInt64 = 2
        for _ in 0..<digits { largestSingleUnit *= 10 }
        let subBucketCountMagnitude = Int(Double.log2(Double(largestSingleUnit)).rounded(.up))
        let subBucketHalfCountMagnitude = Swift.max(subBucketCountMagnitude, 1) - 1
        subBucketCount = 1 << (subBucketHalfCountMagnitude + 1)
        let unitMagnitude = UInt64.bitWidth - 1 - histogram.lowestDiscernibleValue.leadingZeroBitCount
        let highest = histogram.highestTrackableValue
        var buckets = 1
        switch style {
        case .hdrHistogram:
            // Java's getBucketsNeededToCoverValue (and hdrhistogram-swift's).
            var smallestUntrackable = UInt64(subBucketCount) << unitMagnitude
            while smallestUntrackable <= highest {
                if smallestUntrackable > UInt64.max / 2 { buckets += 1; break }
                smallestUntrackable <<= 1
                buckets += 1
            }
        case .wrk2:
            // wrk2's hdr_init: grow from the sub-bucket mask while it is below the highest value.
            var trackable = UInt64(subBucketCount - 1) << unitMagnitude
            while trackable < highest {
                if trackable > UInt64.max / 2 { buckets += 1; break }
                trackable <<= 1
                buckets += 1
            }
        }
        bucketCount = buckets
    }
}
