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

    public static func html(_ trend: Trend, title: String) -> String {
        var body = "<h1>Volley trend: \(HTML.escape(title))</h1>\n<p class=\"meta\">\(trend.runs.count) run(s), oldest first; ± is the spread over a run's repeats.</p>\n"
        let ticks = trend.runs.indices.map { LineChart.Tick(value: Double($0), label: String(trend.runs[$0].label.prefix(8))) }
        for figure in Trend.figures {
            let series = trend.series.filter { $0.figure == figure.name }.map { s in
                LineChart.Series(name: s.variant, points: s.points.enumerated().compactMap { i, p in p.map { (Double(i), $0.value) } })
            }
            let top = series.flatMap { $0.points.map(\.y) }.max() ?? 1
            let y = LineChart.niceTicks(upTo: top * 1.1) { figure.name == "rps" ? Quantity.formatRate($0) : Quantity.formatMicros($0) }
            let chart = LineChart(title: figure.name, xLabel: "run (commit)", yLabel: figure.name == "rps" ? "requests/sec" : "latency",
                                  series: series, xTicks: ticks, yTicks: y.ticks,
                                  xRange: -0.2...Double(max(trend.runs.count - 1, 1)) + 0.2, yRange: 0...y.top)
            body += "<h2>\(HTML.escape(figure.name))</h2>\n<figure>\(chart.svg())</figure>\n"
        }
        for variant in variants(trend) {
            body += "<h2>\(HTML.escape(variant))</h2>\n" + HTMLPage.table(header, rows(trend, variant: variant), numeric: [2, 3, 4, 5])
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Volley trend: \(HTML.escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 12px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#666}figure{margin:8px 0}
        </style></head><body>
        \(body)
        </body></html>

        """
    }
}
