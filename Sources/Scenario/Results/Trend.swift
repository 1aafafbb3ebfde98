import Foundation
import Metrics

/// Each figure of each variant across the result files of a folder (`results/NAME/`), in time
/// order, labelled with the commit each was measured on, with its spread over repeats.
public struct Trend: Sendable {
    public struct Run: Sendable, Equatable {
        public var path: String
        public var createdAt: String
        /// `a1b2c3d4 (main)`, or `?` when the result records no source.
        public var label: String
    }

    public struct Point: Sendable, Equatable {
        public var value: Double
        /// Relative standard deviation over the run's repeats; nil for a single run.
        public var spread: Double?
        public var repeats: Int
        /// The range a chart's whisker spans: the lowest to the highest repeat when there are
        /// several, else the 10th to 90th percentile of the figure over the run's whole seconds
        /// (how steady it was); nil when neither is known (p99.9 has no per-second figure).
        public var low: Double?
        public var high: Double?
    }

    /// One figure of one variant: a point per run, nil where the run lacks the variant.
    public struct Series: Sendable {
        public var variant: String
        public var figure: String
        public var points: [Point?]
    }

    public var runs: [Run]
    public var series: [Series]
    public static let figures: [(name: String, metric: Threshold.Metric)] = [("rps", .rps), ("p50", .percentile(50)), ("p99", .percentile(99)), ("p99.9", .percentile(99.9))]

    /// Reads every result file of `directory`; a file that cannot be read is an error that names it.
    public static func load(directory: String) throws -> Trend {
        let reports = try ResultPool.files(in: directory).map { path in (path, try RunReport.load(from: path)) }
        return build(reports)
    }

    /// Orders runs by `createdAt` (then path) and collects every figure.
    public static func build(_ reports: [(path: String, report: RunReport)]) -> Trend {
        let sorted = reports.sorted { ($0.report.createdAt, $0.path) < ($1.report.createdAt, $1.path) }
        let runs = sorted.map { Run(path: $0.path, createdAt: $0.report.createdAt, label: $0.report.source?.label ?? "?") }
        var names: [String] = []
        for (_, report) in sorted { for v in report.variants where !names.contains(v.name) { names.append(v.name) } }
        var series: [Series] = []
        for name in names {
            for figure in figures {
                let points = sorted.map { entry -> Point? in
                    guard let v = entry.report.variant(named: name) else { return nil }
                    let samples = Comparison.samples(figure.metric, v)
                    let range = samples.count >= 2 ? (samples.map(\.value).min()!, samples.map(\.value).max()!)
                                                   : steadiness(samples.first?.seconds ?? [])
                    return Point(value: ChangeEstimate.mean(samples.map(\.value)), spread: ChangeEstimate.relativeSpread(samples),
                                 repeats: samples.count, low: range?.0, high: range?.1)
                }
                series.append(Series(variant: name, figure: figure.name, points: points))
            }
        }
        return Trend(runs: runs, series: series)
    }

    /// The 10th and 90th percentile of per-second figures; nil for fewer than three seconds.
    static func steadiness(_ seconds: [Double]) -> (Double, Double)? {
        guard seconds.count >= 3 else { return nil }
        let sorted = seconds.sorted()
        func at(_ q: Double) -> Double { sorted[Int((q * Double(sorted.count - 1)).rounded())] }
        return (at(0.1), at(0.9))
    }
}
