import Foundation
import Metrics

/// The relative change of one metric between two results, with a 95% confidence interval from
/// a two-level (hierarchical) bootstrap: each resample draws repeats with replacement, then, in
/// each drawn repeat, its whole seconds with replacement (a repeat's value is scaled by the
/// ratio of its resampled per-second mean to its own). Repeats carry the run-to-run noise of a
/// shared machine, seconds the noise within a run; a single run still gets an interval, but
/// only from within-run noise, which is why `volley bench --repeat` exists.
/// The interval is taken on a log scale from the bootstrap's standard error, with Student's t
/// for the repeats' degrees of freedom and the sqrt(n/(n−1)) correction of the bootstrap's
/// variance (the reasoning of Hesterberg's expanded percentile interval): with few repeats a
/// plain percentile bootstrap is far too narrow. On a log scale it never reaches −100%.
/// `level` is the interval's confidence; `volley compare` raises it for the number of figures
/// judged at once (Bonferroni), so that one unchanged build fails the gate about 5% of the time
/// at most, not 5% per figure.
public struct ChangeEstimate: Sendable, Equatable {
    /// One repeat's value and the per-second values that stand for its within-run noise.
    public struct Sample: Sendable, Equatable {
        public var value: Double
        public var seconds: [Double]
        public init(value: Double, seconds: [Double] = []) { self.value = value; self.seconds = seconds }
    }

    /// mean(new) / mean(base) − 1 over repeats.
    public var change: Double
    /// Bounds of the interval of `change` (95% unless asked otherwise).
    public var low: Double
    public var high: Double

    public static let resamples = 2000

    /// Estimates the change from `base` to `new` (each one sample per repeat). Deterministic:
    /// the same files always give the same interval.
    public static func estimate(base: [Sample], new: [Sample], level: Double = 0.95) -> ChangeEstimate? {
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
        guard draws.count >= 2 else { return ChangeEstimate(change: change, low: change, high: change) }
        let point = log(newMean / baseMean)
        let drawMean = mean(draws)
        let se = (draws.reduce(0) { $0 + ($1 - drawMean) * ($1 - drawMean) } / Double(draws.count - 1)).squareRoot()
        let half = halfWidthFactor(base.count, new.count, level: level) * se
        return ChangeEstimate(change: change, low: exp(point - half) - 1, high: exp(point + half) - 1)
    }

    /// The change from paired measurements (`volley bench --baseline-binary`): each pair is a slot
    /// of each build run next to each other in time. The change is the geometric mean of the
    /// pairs' ratios, new / base; the interval is Student's t on the mean of the log-ratios, whose
    /// spread already has the machine's slow wandering taken out (both slots of a pair share it).
    /// Nil with fewer than two pairs of positive values.
    public static func paired(_ pairs: [(base: Double, new: Double)], level: Double = 0.95) -> ChangeEstimate? {
        let logs = pairs.compactMap { $0.base > 0 && $0.new > 0 ? log($0.new / $0.base) : nil }
        guard logs.count >= 2 else { return nil }
        let center = mean(logs)
        let variance = logs.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(logs.count - 1)
        let half = tQuantile(1 - (1 - level) / 2, df: logs.count - 1) * (variance / Double(logs.count)).squareRoot()
        return ChangeEstimate(change: exp(center) - 1, low: exp(center - half) - 1, high: exp(center + half) - 1)
    }

    /// Standard errors from the estimate to a bound: sqrt(n/(n−1))·t(df) at the two-sided
    /// `level`, or the normal quantile when both sides are single runs.
    static func halfWidthFactor(_ nb: Int, _ nn: Int, level: Double) -> Double {
        let q = 1 - (1 - level) / 2
        let n = min(nb, nn) >= 2 ? min(nb, nn) : max(nb, nn)
        guard n >= 2 else { return normalQuantile(q) }
        return (Double(n) / Double(n - 1)).squareRoot() * tQuantile(q, df: max(1, nb + nn - 2))
    }

    /// The small-sample widening against a normal interval at 95%: 1 when both sides are single runs.
    static func widening(_ nb: Int, _ nn: Int) -> Double {
        halfWidthFactor(nb, nn, level: 0.95) / normalQuantile(0.975)
    }

    /// Student's t quantile: exact for 1 and 2 degrees of freedom, else the Cornish–Fisher
    /// expansion around the normal quantile (within 0.5% for df ≥ 3 at the levels used here).
    static func tQuantile(_ q: Double, df: Int) -> Double {
        if df == 1 { return tan(Double.pi * (q - 0.5)) }
        if df == 2 { return (2 * q - 1) / (2 * q * (1 - q)).squareRoot() }
        let z = normalQuantile(q), n = Double(df)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n)
            + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * n * n * n * n)
    }

    /// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -normalQuantile(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
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
