import Foundation
import Metrics

/// A variant's figures over time, from its 100 ms timeline when the run was short, else from its
/// per-second series. Each point sits at the middle of its slice, time counted from the start of
/// the load; rates are divided by the slice's true length, so the last, partial slice shows no
/// false drop.
struct TimeSeries {
    struct Point {
        var start: Double
        var length: Double
        var requests: UInt64
        var errors: UInt64
        var p50Micros: UInt64?
        var p99Micros: UInt64?
        var askedRequests: UInt64?
        /// CPU over the slice, percent of one core: the generator's process, the server's processes.
        var generatorCpuPercent: Double?
        var serverCpuPercent: Double?
        var middle: Double { start + length / 2 }
        var rate: Double { Double(requests) / length }
    }

    /// Slice length in seconds (0.1 or 1).
    var sliceSeconds: Double
    var points: [Point]

    init(_ v: VariantResult) {
        let elapsed = v.seriesElapsedSeconds
        if let timeline = v.timeline, timeline.sliceMillis > 0, !timeline.slices.isEmpty {
            sliceSeconds = Double(timeline.sliceMillis) / 1000
            points = timeline.slices.map { s in
                Point(start: Double(s.slice) * Double(timeline.sliceMillis) / 1000, length: 0, requests: s.requests, errors: s.errors,
                      p50Micros: s.p50Micros, p99Micros: s.p99Micros, askedRequests: s.askedRequests,
                      generatorCpuPercent: s.generatorCpuPercent, serverCpuPercent: s.serverCpuPercent)
            }
        } else {
            sliceSeconds = 1
            points = v.perSecond.map { s in
                Point(start: Double(s.second), length: 0, requests: s.requests, errors: s.errors, p50Micros: s.p50Micros, p99Micros: s.p99Micros,
                      generatorCpuPercent: s.generatorCpuPercent, serverCpuPercent: s.serverCpuPercent)
            }
        }
        let length = sliceSeconds
        // A slice that starts at or after the end held nothing measured; a partial last slice keeps its true length.
        points = points.filter { elapsed <= 0 || $0.start < elapsed - 0.001 }.map { p in
            var p = p
            p.length = elapsed > 0 ? min(length, max(elapsed - p.start, 0.001)) : length
            return p
        }
        // A sliver (under a fifth of a slice) is too short for a rate worth plotting.
        if let last = points.last, last.length < length / 5, points.count > 1 { points.removeLast() }
    }

    /// "100 ms" or "1 s", for chart titles.
    var resolution: String { sliceSeconds < 1 ? "\(Int((sliceSeconds * 1000).rounded())) ms" : "1 s" }

    /// Spread of the per-slice request rate: (low, high) = 10th and 90th percentile of the slices.
    var rateSpread: (low: Double, high: Double)? {
        Self.spread(points.filter { $0.length >= sliceSeconds * 0.5 }.map(\.rate))
    }

    /// Spread of a per-slice latency percentile, µs.
    func latencySpread(_ key: KeyPath<Point, UInt64?>) -> (low: Double, high: Double)? {
        Self.spread(points.compactMap { $0[keyPath: key] }.map { Double($0) })
    }

    static func spread(_ values: [Double]) -> (low: Double, high: Double)? {
        guard values.count >= 3 else { return nil }
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count - 1)).rounded())))] }
        return (at(0.1), at(0.9))
    }
}

extension VariantResult {
    /// How long the run lasted whose per-second series, timeline and server figures the variant
    /// carries: with `--repeat` those come from the median repeat (`RepeatMerge`), while
    /// `summary.elapsedSeconds` adds up every repeat.
    var seriesElapsedSeconds: Double {
        guard let repeats, repeats.count > 1 else { return summary.elapsedSeconds }
        let source = repeats.first { $0.perSecond == perSecond && $0.timeline == timeline }
        return source?.summary.elapsedSeconds ?? summary.elapsedSeconds / Double(repeats.count)
    }
}

