import Foundation
import Metrics
import Scenario

/// Renders a `Trend` (`volley report results/NAME/`): per variant, a table of every run in
/// time order with its commit and each figure with its spread; in HTML also one chart per figure.
public enum TrendReport {
    static func cell(_ figure: String, _ point: Trend.Point?) -> String {
        guard let point else { return "–" }
        let value = figure == "rps" ? Quantity.formatRate(point.value) : Quantity.formatMicros(point.value)
        return value + (point.spread.map { String(format: " ±%.1f%%", $0 * 100) } ?? "") + (point.repeats > 1 ? " (n=\(point.repeats))" : "")
    }

    static func rows(_ trend: Trend, variant: String) -> [[String]] {
        let series = trend.series.filter { $0.variant == variant }
        return trend.runs.indices.map { i in
            [trend.runs[i].createdAt, trend.runs[i].label] + series.map { cell($0.figure, $0.points[i]) }
        }
    }

    static func variants(_ trend: Trend) -> [String] {
        var names: [String] = []
        for s in trend.series where !names.contains(s.variant) { names.append(s.variant) }
        return names
    }

    static var header: [String] { ["time", "commit"] + Trend.figures.map(\.name) }

    public static func markdown(_ trend: Trend, title: String) -> String {
        var out = "### Volley trend: \(Markdown.escape(title))\n\n\(trend.runs.count) run(s), oldest first; ± is the spread over a run's repeats.\n"
        for variant in variants(trend) {
            out += "\n#### \(Markdown.escape(variant))\n\n| " + header.joined(separator: " | ") + " |\n|---|---|--:|--:|--:|--:|\n"
            for row in rows(trend, variant: variant) { out += "| " + row.map(Markdown.escape).joined(separator: " | ") + " |\n" }
        }
        return out
    }

    /// One offline page in the style of the other reports: the latest run against the one before,
    /// then a page-width chart per figure with every variant across the runs in time order (commit
    /// labels under the axis, a dot per run with its date and value, whiskers for the spread), then
    /// every run's figures as tables.
    public static func html(_ trend: Trend, title: String) -> String {
        let pageTitle = "Volley trend: \(title)"
        var body = "<h1>\(HTML.escape(pageTitle))</h1>\n"
        var meta = "\(trend.runs.count) run(s)"
        if let first = trend.runs.first, let last = trend.runs.last, trend.runs.count > 1 { meta += " from \(first.createdAt) to \(last.createdAt)" }
        body += "<p class=\"meta\">\(HTML.escape(meta)), oldest first, each labelled with the commit it measured; ± is the spread over a run's repeats.</p>\n"
        body += latest(trend)
        body += "<p class=\"meta\">Whiskers: the lowest to the highest repeat of a run measured more than once (<code>--repeat</code>); "
            + "for a single run, the 10th to 90th percentile of the figure over its whole seconds (how steady it was; p99.9 has no per-second figure). "
            + "<code>volley compare</code> judges whether a change is real.</p>\n"
        for figure in Trend.figures {
            body += "<h2>\(HTML.escape(heading(figure.name)))</h2>\n<figure>\(chart(trend, figure: figure.name))</figure>\n"
        }
        body += "<h2>Every run</h2>\n"
        for variant in variants(trend) {
            body += "<h3>\(HTML.escape(variant))</h3>\n" + HTMLPage.table(header, rows(trend, variant: variant), numeric: [2, 3, 4, 5])
        }
        return HTMLPage.wrap(title: pageTitle, body: body)
    }

    static func heading(_ figure: String) -> String { figure == "rps" ? "Requests/sec" : "\(figure) latency" }

    static func isRate(_ figure: String) -> Bool { figure == "rps" }

    /// The figure as drawn: requests/sec, or latency in ms (the stored value is µs).
    static func plotted(_ figure: String, _ value: Double) -> Double { isRate(figure) ? value : value / 1000 }

    static func text(_ figure: String, _ value: Double) -> String { isRate(figure) ? Quantity.formatRate(value) : Quantity.formatMicros(value) }

    /// One figure of every variant across the runs: x is the run's place in time order.
    static func chart(_ trend: Trend, figure: String) -> String {
        let runs = trend.runs
        var series: [LineChart.Series] = []
        for (i, s) in trend.series.filter({ $0.figure == figure }).enumerated() {
            var points: [(x: Double, y: Double)] = [], labels: [String] = []
            var whiskers: [(x: Double, low: Double, high: Double)] = []
            for (run, point) in s.points.enumerated() {
                guard let point else { continue }
                points.append((Double(run), plotted(figure, point.value)))
                var label = "\(s.variant) · \(runs[run].label) · \(runs[run].createdAt): \(text(figure, point.value))"
                if let low = point.low, let high = point.high {
                    whiskers.append((Double(run), plotted(figure, low), plotted(figure, high)))
                    label += " (\(text(figure, low)) – \(text(figure, high))\(point.repeats > 1 ? ", \(point.repeats) repeats" : ""))"
                }
                labels.append(label)
            }
            series.append(LineChart.Series(name: s.variant, points: points, color: i, dotLabels: labels, whiskers: whiskers))
        }
        let top = series.flatMap { $0.points.map(\.y) + $0.whiskers.map(\.high) }.max() ?? 1
        let format: (Double) -> String = isRate(figure) ? { Quantity.formatRate($0) } : { $0.trimmed }
        let (yTicks, yTop) = LineChart.niceTicks(upTo: top * 1.05, format: format)
        // At most about a dozen commit labels fit under the axis; the others are in each dot's tooltip and in the tables.
        let step = max(1, Int((Double(runs.count) / 12).rounded(.up)))
        let xTicks = stride(from: 0, to: runs.count, by: step).map { i in
            LineChart.Tick(value: Double(i), label: String(runs[i].label.prefix(8)), tooltip: "\(runs[i].label), \(runs[i].createdAt)")
        }
        let chart = LineChart(title: "\(heading(figure)) across runs", xLabel: "run, oldest first (commit)",
                              yLabel: isRate(figure) ? "requests/sec" : "latency (ms)", series: series, xTicks: xTicks, yTicks: yTicks,
                              xRange: -0.5...(Double(max(runs.count, 1)) - 0.5), yRange: 0...yTop)
        return chart.svg()
    }

    /// Each variant's figures in the latest run, with their change from the run before.
    static func latest(_ trend: Trend) -> String {
        let count = trend.runs.count
        guard count >= 1 else { return "" }
        var rows: [[String]] = []
        for variant in variants(trend) {
            var row = [variant]
            for figure in Trend.figures {
                let points = trend.series.first { $0.variant == variant && $0.figure == figure.name }?.points ?? []
                guard let now = points.last ?? nil else { row.append("–"); continue }
                var cell = text(figure.name, now.value)
                if count >= 2, let before = points[count - 2], before.value > 0 {
                    cell += String(format: " (%+.1f%%)", 100 * (now.value - before.value) / before.value)
                }
                row.append(cell)
            }
            rows.append(row)
        }
        let heading = count >= 2 ? "Latest run (\(trend.runs[count - 1].label)) against the one before" : "Latest run (\(trend.runs[count - 1].label))"
        return "<h2>\(HTML.escape(heading))</h2>\n" + HTMLPage.table(["variant"] + Trend.figures.map(\.name), rows, numeric: [1, 2, 3, 4])
    }
}
