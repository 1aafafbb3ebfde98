import Foundation
import Metrics

/// How one figure moved from a baseline to a new result.
public struct FigureDelta: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable {
        /// Better beyond the tolerance.
        case better
        /// Within the tolerance either way.
        case ok
        /// Worse beyond the tolerance.
        case regression
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
}

/// The figures of one variant present in both files.
public struct VariantComparison: Codable, Sendable, Equatable {
    public var name: String
    public var figures: [FigureDelta]
    public var hasRegression: Bool { figures.contains { $0.verdict == .regression } }
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

    public var hasRegression: Bool { variants.contains { $0.hasRegression } }

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
        for b in base.variants {
            guard let n = new.variant(named: b.name) else { continue }
            variants.append(VariantComparison(name: b.name, figures: figures(base: b, new: n, tolerances: tolerances)))
        }
        guard !variants.isEmpty else {
            throw .noCommonVariants(base: base.variants.map(\.name), new: new.variants.map(\.name))
        }
        var notes: [String] = []
        if base.host.cpuModel != new.host.cpuModel || base.host.logicalCores != new.host.logicalCores {
            notes.append("measured on different hosts (\(base.host.cpuModel), \(base.host.logicalCores) CPUs vs \(new.host.cpuModel), \(new.host.logicalCores) CPUs): differences may be the machine's")
        }
        for b in base.variants where new.variant(named: b.name).map({ $0.configuration != b.configuration }) == true {
            notes.append("variant `\(b.name)` ran with a different configuration")
        }
        return Comparison(basePath: basePath, newPath: newPath, tolerances: tolerances, variants: variants,
                          onlyInBase: base.variants.map(\.name).filter { !newNames.contains($0) },
                          onlyInNew: new.variants.map(\.name).filter { !baseNames.contains($0) }, notes: notes)
    }

    static func figures(base: VariantResult, new: VariantResult, tolerances t: RegressionTolerances) -> [FigureDelta] {
        var result: [FigureDelta] = []
        func relative(_ figure: String, _ metric: Threshold.Metric, _ tolerance: Double, higherIsBetter: Bool) {
            let b = Threshold.figure(metric, in: base), n = Threshold.figure(metric, in: new)
            let change = b == 0 ? (n == 0 ? 0 : .infinity) : (n - b) / b
            let worse = higherIsBetter ? -change : change
            let verdict: FigureDelta.Verdict = worse > tolerance ? .regression : (-worse > tolerance ? .better : .ok)
            result.append(FigureDelta(figure: figure, base: b, new: n, change: change, tolerance: tolerance, verdict: verdict))
        }
        relative("rps", .rps, t.rps, higherIsBetter: true)
        relative("p50", .percentile(50), t.p50, higherIsBetter: false)
        relative("p99", .percentile(99), t.p99, higherIsBetter: false)
        relative("p99.9", .percentile(99.9), t.p999, higherIsBetter: false)
        let b = Threshold.figure(.errorRate, in: base), n = Threshold.figure(.errorRate, in: new)
        let change = n - b
        // Equal rates are never a regression, even with no tolerance at all.
        let verdict: FigureDelta.Verdict = change > t.errors ? .regression : (-change > t.errors && change < 0 ? .better : .ok)
        result.append(FigureDelta(figure: "errors", base: b, new: n, baseCount: base.summary.errors.total,
                                  newCount: new.summary.errors.total, change: change, tolerance: t.errors, verdict: verdict))
        return result
    }
}
