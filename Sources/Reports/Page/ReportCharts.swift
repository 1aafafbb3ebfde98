import Foundation
import Histogram
import Metrics
import Scenario

/// The charts over time and over percentiles.
enum ReportCharts {
    /// Requests/sec, latency and errors over time, every variant on one time axis from 0.
    static func timelines(_ report: RunReport) -> String {
        let all = report.variants.map { ($0, TimeSeries($0)) }
        guard all.contains(where: { !$0.1.points.isEmpty }) else { return "" }
        let resolution = all.first { !$0.1.points.isEmpty }?.1.resolution ?? "1 s"
        let end = all.map { max($0.0.seriesElapsedSeconds, $0.1.points.last.map { $0.start + $0.length } ?? 0) }.max() ?? 1
        var out = "<h2>Over time</h2>\n"
        let rate = all.enumerated().map { i, pair in
            LineChart.Series(name: pair.0.name, points: pair.1.points.map { ($0.middle, $0.rate) }, color: i)
        }
        out += "<figure>\(timeChart("Requests/sec (\(resolution) slices)", "requests/sec", rate, end: end, format: { Quantity.formatRate($0) }))</figure>\n"
        // p99 of every variant; with few variants their p50 too (dashed), more would be a tangle.
        var latency: [LineChart.Series] = []
        for (i, pair) in all.enumerated() {
            latency.append(LineChart.Series(name: "\(pair.0.name) p99", points: pair.1.points.compactMap { p in p.p99Micros.map { (p.middle, Double($0) / 1000) } }, color: i))
            if all.count <= 3 {
                latency.append(LineChart.Series(name: "\(pair.0.name) p50", points: pair.1.points.compactMap { p in p.p50Micros.map { (p.middle, Double($0) / 1000) } }, color: i, dashed: true))
            }
        }
        var marks: [LineChart.Mark] = []
        var rules: [LineChart.Rule] = []
        if all.count == 1, let v = all.first?.0 {
            marks = ServerSection.slowCallbackMarks(v)
            // The run's total only when the server gave no per-second series (drawn in a chart of its own).
            if ServerSection.perSecond(v, ServerSection.lagP99Key).isEmpty, let lag = ServerSection.loopLag(v) {
                rules.append(LineChart.Rule(y: Double(lag.p99) / 1000, label: "server loop lag p99"))
            }
        }
        if latency.contains(where: { !$0.points.isEmpty }) {
            out += "<figure>\(timeChart("Latency (\(resolution) slices)", "latency (ms)", latency, end: end, format: { $0.trimmed }, marks: marks, rules: rules))</figure>\n"
        }
        if all.count > 1 {
            for (i, pair) in all.enumerated() {
                let marks = ServerSection.slowCallbackMarks(pair.0)
                guard !marks.isEmpty else { continue }
                var rules: [LineChart.Rule] = []
                if ServerSection.perSecond(pair.0, ServerSection.lagP99Key).isEmpty, let lag = ServerSection.loopLag(pair.0) {
                    rules.append(LineChart.Rule(y: Double(lag.p99) / 1000, label: "server loop lag p99"))
                }
                let series = [LineChart.Series(name: "p99", points: pair.1.points.compactMap { p in p.p99Micros.map { (p.middle, Double($0) / 1000) } }, color: i),
                              LineChart.Series(name: "p50", points: pair.1.points.compactMap { p in p.p50Micros.map { (p.middle, Double($0) / 1000) } }, color: i, dashed: true)]
                out += "<figure>\(timeChart("\(pair.0.name): latency and the server's slow callbacks", "latency (ms)", series, end: end, format: { $0.trimmed }, marks: marks, rules: rules))</figure>\n"
            }
        }
        out += server(all, end: end)
        out += cpu(all, end: end, resolution: resolution)
        if all.contains(where: { $0.1.points.contains { $0.errors > 0 } }) {
            let errors = all.enumerated().map { i, pair in
                LineChart.Series(name: pair.0.name, points: pair.1.points.map { ($0.middle, Double($0.errors) / $0.length) }, color: i)
            }
            out += "<figure>\(timeChart("Errors/sec (\(resolution) slices)", "errors/sec", errors, end: end, format: { Quantity.formatRate($0) }))</figure>\n"
        }
        return out
    }

    /// The server's own per-second series on the same time axis: the worst event loop's lag p99
    /// (with its max dashed, for up to three variants; a lone variant's slow callbacks as marks),
    /// and the mean DB wait per operation where the server has a database.
    static func server(_ all: [(VariantResult, TimeSeries)], end: Double) -> String {
        var lag: [LineChart.Series] = [], db: [LineChart.Series] = []
        func ms(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] { points.map { ($0.x, $0.y / 1000) } }
        for (i, pair) in all.enumerated() {
            let v = pair.0
            let prefix = all.count == 1 ? "" : "\(v.name) "
            lag.append(LineChart.Series(name: prefix + "p99", points: ms(ServerSection.perSecond(v, ServerSection.lagP99Key)), color: i))
            if all.count <= 3 {
                lag.append(LineChart.Series(name: prefix + "max", points: ms(ServerSection.perSecond(v, ServerSection.lagMaxKey)), color: i, dashed: true))
            }
            db.append(LineChart.Series(name: all.count == 1 ? "mean per operation" : v.name, points: ms(ServerSection.perSecond(v, ServerSection.dbWaitKey)), color: i))
        }
        let drawn = { (series: [LineChart.Series]) in series.contains { !$0.points.isEmpty } }
        var out = ""
        if drawn(lag) {
            let marks = all.count == 1 ? ServerSection.slowCallbackMarks(all[0].0) : []
            out += "<figure>\(timeChart("Server event-loop lag, worst loop per second (1 s)", "loop lag (ms)", lag, end: end, format: { $0.trimmed }, marks: marks))</figure>\n"
        }
        if drawn(db) {
            out += "<figure>\(timeChart("Server DB wait per operation, mean per second (1 s)", "DB wait (ms)", db, end: end, format: { $0.trimmed }))</figure>\n"
        }
        if !out.isEmpty {
            out += "<p class=\"meta\">From the server's own per-second series (/debug/stats <code>perSecond</code>): each point is one of the server's seconds, "
                + "placed by wall clock at the middle of its overlap with the run. Loop lag: how late the worst loop's 10 ms timer fired that second (p99 solid; with up to three variants its max dashed). "
                + "DB wait: mean time from a DB request's work being issued to its answer (queue, pool and reads).</p>\n"
        }
        return out
    }

    /// The CPU of the server and of the generator per slice, on the same time axis (100% is one
    /// core). Up to three variants share one chart (server solid, generator dashed, a colour per
    /// variant); more get a chart each for the server and the generator, one line per variant.
    static func cpu(_ all: [(VariantResult, TimeSeries)], end: Double, resolution: String) -> String {
        var server: [LineChart.Series] = [], generator: [LineChart.Series] = []
        for (i, pair) in all.enumerated() {
            let prefix = all.count == 1 ? "" : "\(pair.0.name) "
            // One variant: two colours; several: the variant's colour, the generator dashed.
            server.append(LineChart.Series(name: prefix + "server", points: pair.1.points.compactMap { p in p.serverCpuPercent.map { (p.middle, $0) } },
                                           color: i))
            generator.append(LineChart.Series(name: prefix + "generator", points: pair.1.points.compactMap { p in p.generatorCpuPercent.map { (p.middle, $0) } },
                                              color: all.count == 1 ? 3 : i, dashed: true))
        }
        let drawn = { (series: [LineChart.Series]) in series.contains { !$0.points.isEmpty } }
        guard drawn(server) || drawn(generator) else { return "" }
        let percent: (Double) -> String = { $0.trimmed + "%" }
        let axis = "CPU (% of one core)"
        if all.count <= 3 {
            let both = zip(server, generator).flatMap { [$0, $1] }
            // Without the server's pid (an outside server) only the generator is known.
            let title = drawn(server) ? "CPU: server and generator" : "CPU of the generator"
            return "<figure>\(timeChart("\(title) (\(resolution) slices)", axis, both, end: end, format: percent))</figure>\n"
        }
        var out = ""
        if drawn(server) { out += "<figure>\(timeChart("CPU of the server (\(resolution) slices)", axis, server, end: end, format: percent))</figure>\n" }
        if drawn(generator) {
            let solid = generator.map { var s = $0; s.dashed = false; return s }
            out += "<figure>\(timeChart("CPU of the generator (\(resolution) slices)", axis, solid, end: end, format: percent))</figure>\n"
        }
        return out
    }

    static func timeChart(_ title: String, _ yLabel: String, _ series: [LineChart.Series], end: Double, format: (Double) -> String,
                          marks: [LineChart.Mark] = [], rules: [LineChart.Rule] = []) -> String {
        let series = series.filter { !$0.points.isEmpty }
        let maxY = max(series.flatMap { $0.points.map(\.y) }.max() ?? 1, rules.map(\.y).max() ?? 0)
        let (yTicks, top) = LineChart.niceTicks(upTo: maxY * 1.05, format: format)
        let (xTicks, right) = LineChart.timeTicks(upTo: end)
        var chart = LineChart(title: title, xLabel: "seconds since the load started", yLabel: yLabel, series: series,
                              xTicks: xTicks, yTicks: yTicks, xRange: 0...right, yRange: 0...top)
        chart.marks = marks
        chart.markName = "slow callback (\(marks.count))"
        chart.rules = rules
        return chart.svg()
    }

    /// Constant-rate runs: asked against achieved rate over time, corrected against uncorrected
    /// latency by percentile, schedule lag, and the bottleneck warning.
    static func rateRuns(_ report: RunReport) -> String {
        var out = ""
        for (i, v) in report.variants.enumerated() {
            guard let pacing = v.pacing else { continue }
            let series = TimeSeries(v)
            out += "<h3>\(HTML.escape(v.name)): constant rate</h3>\n"
            let lag = pacing.scheduleLag
            out += HTMLPage.table(["asked req/s", "achieved req/s", "achieved", "schedule lag p50", "p99", "max", "bottleneck"],
                                  [[Quantity.formatRate(pacing.askedRate), Quantity.formatRate(pacing.achievedRate), String(format: "%.1f%%", pacing.achievedPercent),
                                    Quantity.formatMicros(Double(lag.p50Micros)), Quantity.formatMicros(Double(lag.p99Micros)), Quantity.formatMicros(Double(lag.maxMicros)),
                                    v.generator?.bottleneck == true ? "the generator" : "no"]],
                                  numeric: [0, 1, 2, 3, 4, 5], cellClass: { _, c in c == 2 && pacing.achievedPercent < 90 ? "regression" : nil })
            var rate = [LineChart.Series(name: "achieved", points: series.points.map { ($0.middle, $0.rate) }, color: i)]
            let asked = series.points.compactMap { p in p.askedRequests.map { (p.middle, Double($0) / p.length) } }
            if !asked.isEmpty {
                rate.append(LineChart.Series(name: "asked", points: asked, color: 8, dashed: true))
            } else if let last = series.points.last {
                rate.append(LineChart.Series(name: "asked (mean)", points: [(0, pacing.askedRate), (last.start + last.length, pacing.askedRate)], color: 8, dashed: true))
            }
            if !series.points.isEmpty {
                let end = max(v.seriesElapsedSeconds, 0.1)
                out += "<figure>\(timeChart("Asked vs achieved requests/sec (\(series.resolution) slices)", "requests/sec", rate, end: end, format: { Quantity.formatRate($0) }))</figure>\n"
            }
            var curves: [(String, Histogram<UInt64>, Bool)] = []
            if let h = try? v.latencyHistogram.decode() { curves.append(("corrected", h, false)) }
            if let h = try? v.uncorrectedLatencyHistogram?.decode() { curves.append(("uncorrected", h, true)) }
            if curves.count == 2 {
                out += "<figure>\(spectrum(curves.map { ($0.0, $0.1, i, $0.2) }, title: "Corrected and uncorrected latency by percentile"))</figure>\n"
                out += "<p class=\"meta\">Corrected: latency from when each request should have been sent (the schedule); uncorrected: from when it was sent. The gap is the time requests waited behind slow ones (coordinated omission).</p>\n"
            }
        }
        return out.isEmpty ? "" : "<h2>Constant-rate runs</h2>\n" + out
    }

    /// The latency at each percentile on a log 1/(1-p) axis, one line per variant, from the stored histograms.
    static func spectrum(_ report: RunReport) -> String {
        spectrum(report.variants.enumerated().compactMap { i, v in (try? v.latencyHistogram.decode()).map { (v.name, $0, i, false) } },
                 title: "Latency by percentile distribution")
    }

    static func spectrum(_ curves: [(name: String, histogram: Histogram<UInt64>, color: Int, dashed: Bool)], title: String) -> String {
        var series: [LineChart.Series] = []
        var maxX = 2.0, maxY = 0.0
        for curve in curves {
            let h = curve.histogram
            guard h.totalCount > 0 else { continue }
            let reach = min(6, max(2, log10(Double(h.totalCount))))
            maxX = max(maxX, reach)
            let steps = 160
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
            series.append(LineChart.Series(name: curve.name, points: points, color: curve.color, dashed: curve.dashed))
        }
        let labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"]
        let xTicks = (0...Int(maxX.rounded(.up))).map { LineChart.Tick(value: Double($0), label: $0 < labels.count ? labels[$0] : "") }
        // The plotter's linear latency axis hides fast variants under a slow one's tail; past a
        // 100× spread the axis turns logarithmic (decades of milliseconds).
        let minY = series.compactMap { $0.points.first?.y }.filter { $0 > 0 }.min() ?? maxY
        if maxY > 0, minY > 0, maxY / minY > 100 {
            let low = floor(log10(max(minY, 0.001))), high = ceil(log10(maxY))
            let ticks = stride(from: low, through: high, by: 1).map { LineChart.Tick(value: $0, label: pow(10, $0).trimmed) }
            let logSeries = series.map { s in
                LineChart.Series(name: s.name, points: s.points.map { ($0.x, log10(max($0.y, pow(10, low)))) }, color: s.color, dashed: s.dashed)
            }
            return LineChart(title: title, xLabel: "percentile (log scale of 1/(1-p))", yLabel: "latency (ms, log scale)", series: logSeries,
                             xTicks: xTicks, yTicks: ticks, xRange: 0...maxX.rounded(.up), yRange: low...high).svg()
        }
        let (yTicks, top) = LineChart.niceTicks(upTo: maxY * 1.05, format: { $0.trimmed })
        return LineChart(title: title, xLabel: "percentile (log scale of 1/(1-p))", yLabel: "latency (ms)", series: series,
                         xTicks: xTicks, yTicks: yTicks, xRange: 0...maxX.rounded(.up), yRange: 0...top).svg()
    }
}
