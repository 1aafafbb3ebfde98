import Foundation
import Metrics

/// The relative change of one metric between two results, with a 95% confidence interval from
/// a two-level (hierarchical) bootstrap: each resample draws repeats with replacement, then, in
/// each drawn repeat, its whole seconds with replacement (a repeat's value is scaled by the
/// ratio of its resampled per-second mean to its own). Repeats carry the run-to-run noise of a
/// shared machine, seconds the noise within a run; a single run still gets an interval, but
/// only from within-run noise, which is why `volley bench --repeat` exists.
/// With few repeats a percentile bootstrap is too narrow, so the interval is widened around
/// the estimate by sqrt(n/(n−1))·t(df)/1.96 (in the spirit of Hesterberg's expanded percentile
/// interval). Ratios are resampled and widened on a log scale, so an interval never reaches −100%.
public struct ChangeEstimate: Sendable, Equatable {
    /// One repeat's value and the per-second values that stand for its within-run noise.
    public struct Sample: Sendable, Equatable {
        public var value: Double
        public var seconds: [Double]
        public init(value: Double, seconds: [Double] = []) { self.value = value; self.seconds = seconds }
    }

    /// mean(new) / mean(base) − 1 over repeats.
    public var change: Double
    /// Bounds of the 95% interval of `change`.
    public var low: Double
    public var high: Double

    public static let resamples = 2000

    /// Estimates the change from `base` to `new` (each one sample per repeat). Deterministic:
    /// the same files always give the same interval.
    public static func estimate(base: [Sample], new: [Sample]) -> ChangeEstimate? {
        guard !base.isEmpty, !new.isEmpty else { return nil }
        let baseMean = mean(base.map(\.value)), newMean = mean(new.map(\.value))
        guard baseMean > 0 else { return nil }
        let change = newMean / baseMean - 1
        var random = SplitMix64(seed: 0x5EED_0F_C0_4DA2E)
        guard newMean > 0 else { return ChangeEstimate(change: change, low: change, high: change) }
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let b = resampledMean(base, &random), n = resampledMean(new, &random)
            if b > 0 && n > 0 { draws.append(log(n / b)) }
        }
        draws.sort()
        guard !draws.isEmpty else { return ChangeEstimate(change: change, low: change, high: change) }
        let point = log(newMean / baseMean)
        let lowQ = quantile(draws, 0.025), highQ = quantile(draws, 0.975)
        let k = widening(base.count, new.count)
        return ChangeEstimate(change: change, low: exp(point - k * max(0, point - lowQ)) - 1,
                              high: exp(point + k * max(0, highQ - point)) - 1)
    }

    /// The small-sample widening of the percentile interval: 1 when both sides are single runs.
    static func widening(_ nb: Int, _ nn: Int) -> Double {
        let n = min(nb, nn) >= 2 ? min(nb, nn) : max(nb, nn)
        guard n >= 2 else { return 1 }
        let df = max(1, nb + nn - 2)
        return (Double(n) / Double(n - 1)).squareRoot() * tQuantile975(df) / 1.959964
    }

    /// Student's t 97.5% quantile.
    static func tQuantile975(_ df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086]
        if df <= table.count { return table[max(1, df) - 1] }
        if df <= 30 { return 2.042 + (2.086 - 2.042) * Double(30 - df) / 10 }
        if df <= 60 { return 2.000 + (2.042 - 2.000) * Double(60 - df) / 30 }
        return 1.96 + 0.04 * 60 / Double(df)
    }

    static func resampledMean(_ samples: [Sample], _ random: inout SplitMix64) -> Double {
        var total = 0.0
        for _ in 0..<samples.count {
            let s = samples[random.below(samples.count)]
            total += s.value * withinRunFactor(s.seconds, &random)
        }
        return total / Double(samples.count)
    }

    /// Mean of the seconds resampled, over their mean: 1 when there are too few seconds to say.
    static func withinRunFactor(_ seconds: [Double], _ random: inout SplitMix64) -> Double {
        guard seconds.count >= 2 else { return 1 }
        let m = mean(seconds)
        guard m > 0 else { return 1 }
        var total = 0.0
        for _ in 0..<seconds.count { total += seconds[random.below(seconds.count)] }
        return total / Double(seconds.count) / m
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let i = Int(position), fraction = position - Double(i)
        return i + 1 < sorted.count ? sorted[i] + fraction * (sorted[i + 1] - sorted[i]) : sorted[i]
    }

    /// Relative standard deviation of per-repeat values; nil for fewer than two repeats.
    public static func relativeSpread(_ samples: [Sample]) -> Double? {
        guard samples.count >= 2 else { return nil }
        let values = samples.map(\.value), m = mean(values)
        guard m > 0 else { return nil }
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
        return variance.squareRoot() / m
    }
}

/// A small, fast, seedable generator (Steele et al.'s SplitMix64), so bootstrap intervals are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
