import Histogram

/// A compact, portable and mergeable JSON form of a `Histogram<UInt64>`: the layout
/// (lowest discernible value, highest trackable value, significant digits) and the
/// recorded buckets as sparse `[value, count]` pairs, where `value` is the highest value
/// equivalent to the bucket (HdrHistogram's "value iterated to"). Exact `min` and `max`
/// are kept too, so that percentiles of the decoded histogram equal the original's
/// (HdrHistogram clamps them to the recorded minimum and maximum).
///
/// In JSON: `{"lowest":1,"highest":3600000000,"significantDigits":3,"totalCount":3,
/// "min":97,"max":1250,"counts":[[97,1],[212,1],[1250,1]]}`.
public struct EncodedHistogram: Codable, Sendable, Equatable {
    /// The lowest discernible value of the histogram (values below it share bucket 0).
    public var lowest: UInt64
    /// The highest trackable value of the histogram.
    public var highest: UInt64
    /// Decimal digits of precision, 0 to 5 (Volley uses 3: values within 0.1%).
    public var significantDigits: Int
    /// Number of recorded values; the sum of the counts.
    public var totalCount: UInt64
    /// Smallest recorded value, exact (0 when nothing, or a 0, was recorded).
    public var min: UInt64
    /// Largest recorded value, exact (0 when nothing was recorded).
    public var max: UInt64
    /// Non-empty buckets in ascending order, each `[highest equivalent value, count]`.
    public var counts: [[UInt64]]

    /// Encodes `histogram`.
    public init(_ histogram: Histogram<UInt64>) {
        lowest = histogram.lowestDiscernibleValue
        highest = histogram.highestTrackableValue
        significantDigits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        totalCount = histogram.totalCount
        min = histogram.totalCount == 0 ? 0 : histogram.min
        max = histogram.maxRecorded
        counts = histogram.recordedValues().map { [$0.value, UInt64($0.count)] }
    }

    /// Why an encoded histogram could not be decoded.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case invalidLayout(String)
        case invalidPair(index: Int, String)

        public var description: String {
            switch self {
            case .invalidLayout(let why): return "invalid histogram layout: \(why)"
            case .invalidPair(let index, let why): return "invalid histogram bucket #\(index): \(why)"
            }
        }
    }

    /// Rebuilds the histogram. Its bucket counts, total count, minimum, maximum, mean,
    /// standard deviation and percentiles equal the original's; it has `autoResize` on, so
    /// that histograms of other ranges (but the same precision) can be merged into it.
    public func decode() throws -> Histogram<UInt64> {
        guard let digits = SignificantDigits(rawValue: Int8(clamping: significantDigits)) else {
            throw DecodeError.invalidLayout("significantDigits \(significantDigits) is not within 0...5")
        }
        guard lowest >= 1, lowest <= UInt64.max / 2, highest >= 2 * lowest else {
            throw DecodeError.invalidLayout("need 1 <= lowest and 2 * lowest <= highest, got lowest \(lowest), highest \(highest)")
        }
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: lowest, highestTrackableValue: highest,
                                          numberOfSignificantValueDigits: digits)
        var sum: UInt64 = 0
        var previous: UInt64?
        for (index, pair) in counts.enumerated() {
            guard pair.count == 2 else { throw DecodeError.invalidPair(index: index, "expected [value, count], got \(pair.count) numbers") }
            let value = pair[0], count = pair[1]
            guard count > 0 else { throw DecodeError.invalidPair(index: index, "count is 0") }
            if let previous, value <= previous { throw DecodeError.invalidPair(index: index, "values are not ascending") }
            previous = value
            let (newSum, overflow) = sum.addingReportingOverflow(count)
            guard !overflow else { throw DecodeError.invalidPair(index: index, "total count overflows") }
            sum = newSum
            // Record at a value of the bucket such that the histogram's tracked minimum and
            // maximum come out exact: the maximum's bucket records at `max`, the minimum's
            // records one value at `min` (if the minimum is not 0, which has its own bucket).
            var at = Swift.min(value, max)
            var remaining = count
            if min > 0, histogram.valuesAreEquivalent(value, min), min <= at {
                guard histogram.record(min, count: 1) else { throw DecodeError.invalidPair(index: index, "value \(min) is beyond the range") }
                remaining -= 1
                if remaining == 0 { continue }
                at = Swift.max(at, min)
            }
            guard histogram.valuesAreEquivalent(at, value), histogram.record(at, count: remaining) else {
                throw DecodeError.invalidPair(index: index, "value \(value) is beyond the range or inconsistent with max \(max)")
            }
        }
        guard sum == totalCount else {
            throw DecodeError.invalidLayout("totalCount is \(totalCount) but the buckets add up to \(sum)")
        }
        guard counts.isEmpty || histogram.maxRecorded == max else {
            throw DecodeError.invalidLayout("max \(max) is not in the last bucket")
        }
        histogram.autoResize = true
        return histogram
    }
}
