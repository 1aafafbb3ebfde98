import Foundation
import Metrics

/// How one figure moved from a baseline to a new result.
public struct FigureDelta: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable {
        /// Significantly worse (the whole interval on the worse side of zero) and worse than the tolerance.
        case regression
        /// Significantly better and better than the tolerance.
        case improvement
        /// The whole interval within the tolerance either way.
        case noChange = "no change"
        /// Too noisy to tell: the interval reaches beyond the tolerance without settling it.
        case inconclusive
    }

    /// `rps`, `p50`, `p99`, `p99.9` or `errors`.
    public var figure: String
    /// Baseline and new values: requests/sec, latency in µs, or error rate as a fraction for `errors`.
    public var base: Double
    public var new: Double
    /// Error counts, for `errors` only.
    public var baseCount: UInt64?
    public var newCount: UInt64?
    /// Relative change (0.05 is +5%); for `errors`, the change of the error rate in fraction points.
    public var change: Double
    /// The allowed worsening this figure was judged against.
    public var tolerance: Double
    public var verdict: Verdict
    /// Interval of `change` at `Comparison.intervalLevel` (see `ChangeEstimate`); nil for `errors`, judged on counts.
    public var changeLow: Double?
    public var changeHigh: Double?
    /// Relative standard deviation of the figure over each side's repeats; nil for a single run.
    public var baseSpread: Double?
    public var newSpread: Double?
    /// Repeats on each side.
    public var baseRepeats: Int?
    public var newRepeats: Int?
    /// Inconclusive: about how many repeats per side would settle it (nil when more than 100);
    /// for a paired comparison, slot pairs (nil when more than 10,000).
    public var repeatsNeeded: Int?
    /// Judged from this many slot pairs of a paired bench (`volley bench --baseline-binary`);
    /// nil when the sides were measured apart.
    public var pairs: Int?
}

/// The figures of one variant present in both files.
public struct VariantComparison: Codable, Sendable, Equatable {
    public var name: String
    public var figures: [FigureDelta]
    public var hasRegression: Bool { figures.contains { $0.verdict == .regression } }
    public var isInconclusive: Bool { figures.contains { $0.verdict == .inconclusive } }
}

/// A new result compared with a baseline, variant by variant (matched by name).
public struct Comparison: Codable, Sendable, Equatable {
    public var basePath: String
    public var newPath: String
    public var tolerances: RegressionTolerances
    public var variants: [VariantComparison]
    /// Variants in only one of the files; reported, not judged.
    public var onlyInBase: [String]
    public var onlyInNew: [String]
    /// Remarks such as "measured on different hosts".
    public var notes: [String]

    /// Load settings that differ between the two files, by variant (ports picked at start excluded).
    public var configurationChanges: [ConfigurationChange] = []
    /// Confidence of each figure's interval: 95% shared among the figures judged (Bonferroni).
    public var intervalLevel: Double = 0.95

    public var hasRegression: Bool { variants.contains { $0.hasRegression } }
    public var isInconclusive: Bool { variants.contains { $0.isInconclusive } }

    /// Why two files cannot be compared.
    public enum Unusable: Error, CustomStringConvertible {
        case noCommonVariants(base: [String], new: [String])
        public var description: String {
            switch self {
            case .noCommonVariants(let base, let new):
                return "no variant is in both files, so nothing can be compared (base has \(base.joined(separator: ", ")); new has \(new.joined(separator: ", ")))"
            }
        }
    }

    /// Compares two reports; throws when they share no variant name.
    public static func compare(base: RunReport, new: RunReport, tolerances: RegressionTolerances = .standard,
                               basePath: String = "base", newPath: String = "new") throws(Unusable) -> Comparison {
        let newNames = Set(new.variants.map(\.name)), baseNames = Set(base.variants.map(\.name))
        var variants: [VariantComparison] = []
        let common = base.variants.filter { new.variant(named: $0.name) != nil }.count
        // The gate fails when any judged figure regresses: share the 5% among them (Bonferroni).
        let level = 1 - familyErrorRate / Double(max(1, common * 4))
        for b in base.variants {
            guard let n = new.variant(named: b.name) else { continue }
            variants.append(VariantComparison(name: b.name, figures: figures(base: b, new: n, tolerances: tolerances, level: level)))
        }
        guard !variants.isEmpty else {
            throw .noCommonVariants(base: base.variants.map(\.name), new: new.variants.map(\.name))
        }
        var notes: [String] = []
        if base.host.cpuModel != new.host.cpuModel || base.host.logicalCores != new.host.logicalCores {
            notes.append("measured on different hosts (\(base.host.cpuModel), \(base.host.logicalCores) CPUs vs \(new.host.cpuModel), \(new.host.logicalCores) CPUs): differences may be the machine's")
        }
        var changes: [ConfigurationChange] = []
        for b in base.variants {
            guard let n = new.variant(named: b.name) else { continue }
            changes += ConfigurationChange.between(b.configuration, n.configuration, variant: b.name)
        }
        if let pairs = variants.lazy.compactMap({ $0.figures.first?.pairs }).first {
            notes.append("paired: each figure judged from the ratios of \(pairs) slot pairs run side by side (volley bench --baseline-binary), in which the machine's drift cancels")
        } else if variants.contains(where: { $0.figures.contains { $0.baseRepeats == 1 || $0.newRepeats == 1 } }) {
            notes.append("a side with a single run: run-to-run noise is unknown, so a change beyond the tolerance is inconclusive rather than a regression; measure repeats (`volley bench --repeat`, or a folder of alternated runs)")
        }
        var comparison = Comparison(basePath: basePath, newPath: newPath, tolerances: tolerances, variants: variants,
                                    onlyInBase: base.variants.map(\.name).filter { !newNames.contains($0) },
                                    onlyInNew: new.variants.map(\.name).filter { !baseNames.contains($0) }, notes: notes)
        comparison.configurationChanges = changes
        comparison.intervalLevel = level
        return comparison
    }

    /// The chance, at most, that comparing a build with itself reports a regression in any figure.
    public static let familyErrorRate = 0.05

    static func figures(base: VariantResult, new: VariantResult, tolerances t: RegressionTolerances, level: Double = 0.95) -> [FigureDelta] {
        var result: [FigureDelta] = []
        let slotPairs = pairedSlots(base: base, new: new)
        func relative(_ figure: String, _ metric: Threshold.Metric, _ tolerance: Double, higherIsBetter: Bool) {
            let bs = samples(metric, base), ns = samples(metric, new)
            let b = ChangeEstimate.mean(bs.map(\.value)), n = ChangeEstimate.mean(ns.map(\.value))
            var delta = FigureDelta(figure: figure, base: b, new: n, change: 0, tolerance: tolerance, verdict: .noChange,
                                    baseSpread: ChangeEstimate.relativeSpread(bs), newSpread: ChangeEstimate.relativeSpread(ns),
                                    baseRepeats: bs.count, newRepeats: ns.count)
            if let slotPairs, let estimate = ChangeEstimate.paired(slotPairs.map { (Threshold.figure(metric, in: $0.base), Threshold.figure(metric, in: $0.new)) },
                                                                   level: level) {
                delta.change = estimate.change; delta.changeLow = estimate.low; delta.changeHigh = estimate.high
                delta.pairs = slotPairs.count
                let judged = Judgement.judge(estimate, tolerance: tolerance, higherIsBetter: higherIsBetter, repeats: slotPairs.count,
                                             limit: Judgement.pairLimit)
                delta.verdict = judged.verdict; delta.repeatsNeeded = judged.repeatsNeeded
            } else if let estimate = ChangeEstimate.estimate(base: bs, new: ns, level: level) {
                delta.change = estimate.change; delta.changeLow = estimate.low; delta.changeHigh = estimate.high
                var judged = Judgement.judge(estimate, tolerance: tolerance, higherIsBetter: higherIsBetter, repeats: min(bs.count, ns.count))
                // A single run says nothing about run-to-run noise, by far the larger part on a
                // shared machine (BENCHMARKS.md): it can show "no change" but not prove a change.
                if min(bs.count, ns.count) < 2 && (judged.verdict == .regression || judged.verdict == .improvement) {
                    judged = (.inconclusive, Judgement.minimumRepeats)
                }
                delta.verdict = judged.verdict; delta.repeatsNeeded = judged.repeatsNeeded
            } else {
                // From zero: any value is new; zero to zero is no change.
                delta.change = n == 0 ? 0 : .infinity
                delta.verdict = n == 0 ? .noChange : (higherIsBetter ? .improvement : .regression)
            }
            result.append(delta)
        }
        relative("rps", .rps, t.rps, higherIsBetter: true)
        relative("p50", .percentile(50), t.p50, higherIsBetter: false)
        relative("p99", .percentile(99), t.p99, higherIsBetter: false)
        relative("p99.9", .percentile(99.9), t.p999, higherIsBetter: false)
        let b = Threshold.figure(.errorRate, in: base), n = Threshold.figure(.errorRate, in: new)
        let change = n - b
        // Equal rates are never a regression, even with no tolerance at all. Errors are counts,
        // judged on the merged totals rather than by an interval.
        let verdict: FigureDelta.Verdict = change > t.errors ? .regression : (-change > t.errors && change < 0 ? .improvement : .noChange)
        result.append(FigureDelta(figure: "errors", base: b, new: n, baseCount: base.summary.errors.total,
                                  newCount: new.summary.errors.total, change: change, tolerance: t.errors, verdict: verdict,
                                  baseRepeats: base.repeats?.count ?? 1, newRepeats: new.repeats?.count ?? 1))
        return result
    }

    /// The slots of a paired bench, matched across the two sides by run and slot; nil unless every
    /// repeat of both sides is such a slot and each has its partner (then the pairs are judged,
    /// not the sides apart).
    public static func pairedSlots(base: VariantResult, new: VariantResult) -> [(base: VariantResult, new: VariantResult)]? {
        guard let baseSlots = base.repeats, let newSlots = new.repeats, baseSlots.count == newSlots.count, baseSlots.count >= 2 else { return nil }
        var byKey: [String: VariantResult] = [:]
        for slot in baseSlots {
            guard let p = slot.pairing else { return nil }
            byKey["\(p.run)/\(p.slot)"] = slot
        }
        var pairs: [(base: VariantResult, new: VariantResult)] = []
        for slot in newSlots {
            guard let p = slot.pairing, let partner = byKey.removeValue(forKey: "\(p.run)/\(p.slot)") else { return nil }
            pairs.append((partner, slot))
        }
        return pairs
    }

    /// One sample per repeat (the variant itself for a single run): the figure, and its
    /// per-second stand-ins (req/s per whole second; the per-second p50 and p99 for latency).
    public static func samples(_ metric: Threshold.Metric, _ variant: VariantResult) -> [ChangeEstimate.Sample] {
        (variant.repeats ?? [variant]).map { r in
            let whole = Int(r.summary.elapsedSeconds)
            let slices = r.perSecond.filter { $0.second < whole }
            var seconds: [Double] = []
            switch metric {
            case .rps: seconds = slices.map { Double($0.requests) }
            case .percentile(50): seconds = slices.compactMap { $0.p50Micros.map(Double.init) }
            case .percentile(99): seconds = slices.compactMap { $0.p99Micros.map(Double.init) }
            default: break
            }
            return ChangeEstimate.Sample(value: Threshold.figure(metric, in: r), seconds: seconds)
        }
    }
}
