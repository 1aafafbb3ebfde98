import Foundation
import Histogram
import Metrics

/// One self-contained, offline HTML file for a result: the summary table, the latency
/// percentile spectrum (HdrHistogram plotter style), requests/sec over time, and, when the
/// result has them, slow callbacks and flame graphs. No script, font or style is fetched.
public enum HTMLReport {
    /// Renders `report`; profile files named in it are looked up relative to `baseDirectory`.
    public static func render(_ report: RunReport, baseDirectory: String = ".") -> String {
        let title = "Volley: \(report.scenario ?? "run")"
        var body = "<h1>\(HTML.escape(title))</h1>\n"
        body += "<p class=\"meta\">\(HTML.escape(report.createdAt)) · \(HTML.escape(report.host.cpuModel)), \(report.host.logicalCores) CPUs · \(HTML.escape(report.host.kernel)) · volley \(HTML.escape(report.tool.version))</p>\n"
        if let interrupted = report.interruptionNote { body += "<p class=\"interrupted\"><strong>\(HTML.escape(interrupted))</strong></p>\n" }
        body += "<h2>Summary</h2>\n" + table(ResultTable.header, ResultTable.rows(report), numeric: Set(1...8))
        if let notes = report.notes, !notes.isEmpty {
            body += "<ul class=\"notes\">" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        body += "<h2>Latency by percentile</h2>\n<figure>\(spectrum(report))</figure>\n"
        if let chart = rateOverTime(report) { body += "<h2>Requests/sec over time</h2>\n<figure>\(chart)</figure>\n" }
        if let chart = p99OverTime(report) { body += "<h2>p99 latency over time</h2>\n<figure>\(chart)</figure>\n" }
        if let chart = errorsOverTime(report) { body += "<h2>Errors per second</h2>\n<figure>\(chart)</figure>\n" }
        body += slowCallbacks(report)
        body += flameGraphs(report, baseDirectory: baseDirectory)
        body += "<h2>Configuration</h2>\n" + table(["variant", "method", "url", "threads", "connections", "duration", "pipeline"],
            report.variants.map { v in
                let c = v.configuration
                return [v.name, c.method, c.url, "\(c.threads)", "\(c.connections)", Quantity.trim(c.durationSeconds) + "s", "\(c.pipeline)"]
            }, numeric: [3, 4, 5, 6])
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 12px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#666}figure{margin:8px 0}
        iframe.flame{display:block}
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int>) -> String {
        func cell(_ tag: String, _ i: Int, _ text: String) -> String {
            "<\(tag)\(numeric.contains(i) ? " class=\"n\"" : "")>\(HTML.escape(text))</\(tag)>"
        }
        var out = "<table><thead><tr>" + header.enumerated().map { cell("th", $0, $1) }.joined() + "</tr></thead><tbody>\n"
        for row in rows { out += "<tr>" + row.enumerated().map { cell("td", $0, $1) }.joined() + "</tr>\n" }
        return out + "</tbody></table>\n"
    }

    /// The latency at each percentile on a log 1/(1-p) axis, one line per variant, from the stored histograms.
    static func spectrum(_ report: RunReport) -> String {
        var series: [LineChart.Series] = []
        var maxX = 2.0, maxY = 0.0
        for v in report.variants {
            guard let h = try? v.latencyHistogram.decode(), h.totalCount > 0 else { continue }
            let reach = min(6, max(2, log10(Double(h.totalCount))))
            maxX = max(maxX, reach)
            let steps = 240
            var points: [(x: Double, y: Double)] = []
            for k in 0...steps {
                let x = reach * Double(k) / Double(steps)
                let percentile = min(100, 100 * (1 - pow(10, -x)))
                let ms = Double(h.valueAtPercentile(percentile)) / 1000
                points.append((x, ms))
                maxY = max(maxY, ms)
            }
            points.append((reach, Double(h.max) / 1000))
            maxY = max(maxY, Double(h.max) / 1000)
            series.append(LineChart.Series(name: v.name, points: points))
        }
        let labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"]
        let xTicks = (0...Int(maxX.rounded(.up))).map { LineChart.Tick(value: Double($0), label: $0 < labels.count ? labels[$0] : "") }
        // The plotter's linear latency axis hides fast variants under a slow one's tail; past a
        // 100× spread the axis turns logarithmic (decades of milliseconds).
        let minY = series.compactMap { $0.points.first?.y }.filter { $0 > 0 }.min() ?? maxY
        if maxY > 0, minY > 0, maxY / minY > 100 {
            let low = floor(log10(max(minY, 0.001))), high = ceil(log10(maxY))
            let ticks = stride(from: low, through: high, by: 1).map { LineChart.Tick(value: $0, label: Quantity.trim(pow(10, $0))) }
            let logSeries = series.map { LineChart.Series(name: $0.name, points: $0.points.map { ($0.x, log10(max($0.y, pow(10, low)))) }) }
            return LineChart(title: "Latency by percentile distribution", xLabel: "percentile (log scale of 1/(1-p))",
                             yLabel: "latency (ms, log scale)", series: logSeries, xTicks: xTicks, yTicks: ticks,
                             xRange: 0...maxX.rounded(.up), yRange: low...high).svg()
        }
        let (yTicks, top) = LineChart.niceTicks(upTo: maxY * 1.05, format: { Quantity.trim($0) })
        return LineChart(title: "Latency by percentile distribution", xLabel: "percentile (log scale of 1/(1-p))",
                         yLabel: "latency (ms)", series: series, xTicks: xTicks, yTicks: yTicks,
                         xRange: 0...maxX.rounded(.up), yRange: 0...top).svg()
    }

    /// Complete seconds only: the last, partial second would show a false drop.
    static func fullSeconds(_ v: VariantResult) -> [SecondSlice] {
        let whole = Int(v.summary.elapsedSeconds.rounded())
        return v.perSecond.filter { $0.second < max(whole, 1) }
    }

    static func rateOverTime(_ report: RunReport) -> String? {
        let series = report.variants.map { v in
            LineChart.Series(name: v.name, points: fullSeconds(v).map { (Double($0.second + 1), Double($0.requests)) })
        }
        guard series.contains(where: { !$0.points.isEmpty }) else { return nil }
        return timeChart("Requests per second", "requests/sec", series)
    }

    /// Each second's p99, where the result has per-second latency (files from older engines do not).
    static func p99OverTime(_ report: RunReport) -> String? {
        let series = report.variants.map { v in
            LineChart.Series(name: v.name, points: fullSeconds(v).compactMap { s in s.p99Micros.map { (Double(s.second + 1), Double($0) / 1000) } })
        }
        guard series.contains(where: { !$0.points.isEmpty }) else { return nil }
        let maxX = max(2, series.flatMap { $0.points.map(\.x) }.max() ?? 1)
        let maxY = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        let (yTicks, top) = LineChart.niceTicks(upTo: maxY * 1.05, format: { Quantity.trim($0) })
        let (xTicks, right) = LineChart.niceTicks(upTo: maxX, format: { "\(Int($0))s" })
        return LineChart(title: "p99 latency per second", xLabel: "seconds into the run", yLabel: "p99 latency (ms)",
                         series: series, xTicks: xTicks, yTicks: yTicks, xRange: 0...right, yRange: 0...top).svg()
    }

    static func errorsOverTime(_ report: RunReport) -> String? {
        guard report.variants.contains(where: { $0.perSecond.contains { $0.errors > 0 } }) else { return nil }
        let series = report.variants.map { v in
            LineChart.Series(name: v.name, points: fullSeconds(v).map { (Double($0.second + 1), Double($0.errors)) })
        }
        return timeChart("Errors per second", "errors/sec", series)
    }

    static func timeChart(_ title: String, _ yLabel: String, _ series: [LineChart.Series]) -> String {
        let maxX = max(2, series.flatMap { $0.points.map(\.x) }.max() ?? 1)
        let maxY = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        let (yTicks, top) = LineChart.niceTicks(upTo: maxY * 1.05, format: { Quantity.formatRate($0) })
        let (xTicks, right) = LineChart.niceTicks(upTo: maxX, format: { "\(Int($0))s" })
        return LineChart(title: title, xLabel: "seconds into the run", yLabel: yLabel, series: series,
                         xTicks: xTicks, yTicks: yTicks, xRange: 0...right, yRange: 0...top).svg()
    }

    static func slowCallbacks(_ report: RunReport) -> String {
        var out = ""
        for v in report.variants {
            let entries = ServerStats.slowCallbacks(v)
            guard !entries.isEmpty else { continue }
            let keys = Array(Set(entries.flatMap(\.keys))).sorted()
            out += "<h3>\(HTML.escape(v.name)) (\(ServerStats.slowCallbackCount(v) ?? entries.count))</h3>\n"
            out += table(keys, entries.prefix(50).map { e in keys.map { e[$0].map(ServerStats.text) ?? "" } }, numeric: [])
        }
        return out.isEmpty ? "" : "<h2>Slow callbacks</h2>\n" + out
    }

    /// Each profiled variant's SVG flame graph, embedded as a data URL in an iframe: the page stays
    /// one offline file, and each graph keeps its own zoom script and element ids (inlining several
    /// flame graphs into one page would make their ids and scripts collide).
    static func flameGraphs(_ report: RunReport, baseDirectory: String) -> String {
        var out = ""
        for v in report.variants {
            for name in v.profiles ?? [] where name.hasSuffix(".svg") {
                let path = name.hasPrefix("/") ? name : (baseDirectory as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path),
                      let text = String(data: data, encoding: .utf8), text.contains("<svg") else {
                    out += "<p>\(HTML.escape(v.name)): flame graph \(HTML.escape(name)) not found</p>\n"
                    continue
                }
                let height = svgHeight(text).map { min(max($0 + 8, 120), 2000) } ?? 600
                out += "<h3>\(HTML.escape(v.name))</h3>\n<iframe class=\"flame\" title=\"flame graph of \(HTML.escape(v.name))\" "
                    + "style=\"width:100%;height:\(Int(height))px;border:1px solid #ddd\" "
                    + "src=\"data:image/svg+xml;base64,\(data.base64EncodedString())\"></iframe>\n"
            }
        }
        return out.isEmpty ? "" : "<h2>Flame graphs</h2>\n" + out
    }

    /// The `height` attribute of the root `<svg>` element, in pixels, if it has a plain number.
    static func svgHeight(_ text: String) -> Double? {
        guard let start = text.range(of: "<svg"), let end = text[start.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = text[start.upperBound..<end]
        guard let attribute = tag.range(of: " height=\"") else { return nil }
        let value = tag[attribute.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(value)
    }
}
