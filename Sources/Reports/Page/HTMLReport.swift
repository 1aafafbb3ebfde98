import Foundation
import Histogram
import Metrics
import Scenario

/// One self-contained, offline HTML file for a result. In the order a reader asks: did it pass,
/// which variant won and by how much, how the run went over time (rate, latency, errors, the
/// server's slow callbacks on the same axis), the constant-rate view (corrected against
/// uncorrected latency, asked against achieved rate), the latency spectrum, the server and
/// generator, flame graphs, and every setting that changes the numbers. No script, font or
/// style is fetched.
public enum HTMLReport {
    /// Renders `report`; profile files named in it are looked up relative to `baseDirectory`.
    public static func render(_ report: RunReport, baseDirectory: String = ".") -> String {
        let title = "Volley: \(report.scenario ?? "run")"
        var body = "<h1>\(HTML.escape(title))</h1>\n" + meta(report)
        body += headlines(report)
        body += variantComparison(report)
        body += "<h2>Summary</h2>\n" + HTMLPage.table(ResultTable.header, ResultTable.rows(report), numeric: Set(1...9))
        body += ReportCharts.timelines(report)
        body += ReportCharts.rateRuns(report)
        body += "<h2>Latency by percentile</h2>\n<figure>\(ReportCharts.spectrum(report))</figure>\n"
        body += ServerSection.render(report)
        body += FlameSection.render(report, baseDirectory: baseDirectory)
        body += configuration(report)
        return HTMLPage.wrap(title: title, body: body)
    }

    static func meta(_ report: RunReport) -> String {
        var line = "\(report.createdAt) · \(report.host.cpuModel), \(report.host.logicalCores) CPUs · \(report.host.kernel) · volley \(report.tool.version)"
        if let commit = report.tool.gitCommit { line += " (\(commit.prefix(12)))" }
        var out = "<p class=\"meta\">\(HTML.escape(line))</p>\n"
        if let command = report.command, !command.isEmpty {
            out += "<p class=\"meta\"><code>\(HTML.escape(command.joined(separator: " ")))</code></p>\n"
        }
        return out
    }

    /// PASS/FAIL of the thresholds, an interrupted run, and the generator's bottleneck warnings, first.
    static func headlines(_ report: RunReport) -> String {
        var out = ""
        let checks = Thresholds.checks(report)
        if !checks.isEmpty {
            let failed = checks.filter { !$0.passed }
            out += failed.isEmpty
                ? "<div class=\"headline pass\">PASS — all \(checks.count) thresholds hold</div>\n"
                : "<div class=\"headline fail\">FAIL — \(failed.count) of \(checks.count) thresholds failed: \(HTML.escape(failed.map { "\($0.variant) \($0.rule)" }.joined(separator: "; ")))</div>\n"
            out += HTMLPage.table(["", "variant", "threshold", "measured"], checks.map { [$0.passed ? "PASS" : "FAIL", $0.variant, $0.rule, $0.measured] },
                                  numeric: [], rowClass: { checks[$0].passed ? "PASS" : "FAIL" }, cellClass: { _, i in i == 0 ? "verdict" : nil })
        }
        for note in Interruption.notes(report) { out += "<div class=\"headline warn\">\(HTML.escape(note))</div>\n" }
        for v in report.variants {
            for warning in GeneratorAdvice.lines(v.generator) {
                out += "<div class=\"headline warn\">\(HTML.escape(v.name)): \(HTML.escape(warning))</div>\n"
            }
        }
        let other = (report.notes ?? []).filter { !$0.hasPrefix("threshold ") && !$0.hasPrefix("interrupted") }
        if !other.isEmpty { out += "<ul class=\"notes\">" + other.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n" }
        return out
    }

    /// The variants side by side: requests/sec, p50 and p99 as bars with their spread over the
    /// run's slices, the best one marked. One variant gets cards instead.
    static func variantComparison(_ report: RunReport) -> String {
        let variants = report.variants
        guard !variants.isEmpty else { return "<p>This result has no variants.</p>\n" }
        if variants.count == 1 {
            let v = variants[0]
            let cards: [(String, String)] = [
                (Quantity.formatRate(v.summary.requestsPerSecond), "requests/sec"),
                (Quantity.formatMicros(Threshold.figure(.percentile(50), in: v)), "p50 latency"),
                (Quantity.formatMicros(Threshold.figure(.percentile(99), in: v)), "p99 latency"),
                (Quantity.formatMicros(Double(v.latency.max)), "max latency"),
                ("\(v.summary.errors.total)", "errors"),
                ("\(v.summary.requests)", "requests in \(v.summary.elapsedSeconds.trimmed) s"),
            ]
            return "<div class=\"cards\">" + cards.map { "<div class=\"card\"><b>\(HTML.escape($0.0))</b><span>\(HTML.escape($0.1))</span></div>" }.joined() + "</div>\n"
        }
        let series = variants.map(TimeSeries.init)
        var out = "<h2>Variants compared</h2>\n"
        let rps = BarChart(title: "Requests/sec", bars: variants.enumerated().map { i, v in
            let spread = repeatRange(v) { $0.summary.requestsPerSecond } ?? series[i].rateSpread
            return BarChart.Bar(name: v.name, value: v.summary.requestsPerSecond, low: spread?.low, high: spread?.high,
                                label: Quantity.formatRate(v.summary.requestsPerSecond), color: i)
        }, higherIsBetter: true, unit: "req/s", format: { Quantity.formatRate($0) })
        if let best = rps.best, let slowest = variants.indices.min(by: { variants[$0].summary.requestsPerSecond < variants[$1].summary.requestsPerSecond }),
           variants[slowest].summary.requestsPerSecond > 0 {
            let ratio = variants[best].summary.requestsPerSecond / variants[slowest].summary.requestsPerSecond
            out += "<div class=\"headline info\">Most requests/sec: <b>\(HTML.escape(variants[best].name))</b> — \(Quantity.formatRate(variants[best].summary.requestsPerSecond)) req/s, \(String(format: "%.1f", ratio))× <b>\(HTML.escape(variants[slowest].name))</b></div>\n"
        }
        out += "<figure>\(rps.svg())</figure>\n"
        for (p, key) in [(50.0, \TimeSeries.Point.p50Micros), (99.0, \TimeSeries.Point.p99Micros)] {
            let chart = BarChart(title: "p\(Int(p)) latency", bars: variants.enumerated().map { i, v in
                let value = Threshold.figure(.percentile(p), in: v) / 1000
                let spread = repeatRange(v) { Threshold.figure(.percentile(p), in: $0) } ?? series[i].latencySpread(key)
                return BarChart.Bar(name: v.name, value: value, low: spread.map { $0.low / 1000 }, high: spread.map { $0.high / 1000 },
                                    label: Quantity.formatMicros(value * 1000), color: i)
            }, higherIsBetter: false, unit: "ms", format: { $0.trimmed + "ms" })
            out += "<figure>\(chart.svg())</figure>\n"
        }
        let resolution = series.first?.resolution ?? "1 s"
        let repeated = variants.filter { repeatRange($0, { $0.summary.requestsPerSecond }) != nil }.count
        if repeated == variants.count {
            out += "<p class=\"meta\">Whiskers: the lowest to the highest of each variant's repeats (<code>--repeat</code>), the runs whose spread <code>volley compare</code> judges.</p>\n"
        } else if repeated > 0 {
            out += "<p class=\"meta\">Whiskers: the lowest to the highest of the repeats for variants measured more than once (<code>--repeat</code>); for the others, the 10th to 90th percentile over the run's \(resolution) slices.</p>\n"
        } else {
            out += "<p class=\"meta\">Whiskers: the 10th to 90th percentile of the figure over the run's \(resolution) slices (how steady it was), not a confidence interval.</p>\n"
        }
        return out
    }

    /// The lowest and highest of a figure over a variant's repeats (`volley bench --repeat`): the
    /// spread that matters between runs. Nil for a variant measured once.
    static func repeatRange(_ variant: VariantResult, _ figure: (VariantResult) -> Double) -> (low: Double, high: Double)? {
        guard let repeats = variant.repeats, repeats.count >= 2 else { return nil }
        let values = repeats.map(figure)
        return (values.min()!, values.max()!)
    }

    /// Every setting that changes the numbers, one row per variant.
    static func configuration(_ report: RunReport) -> String {
        let header = ["variant", "method", "url", "threads", "connections", "duration", "timeout", "pipeline", "rate (req/s)", "headers", "body"]
        let rows = report.variants.map { v -> [String] in
            let c = v.configuration
            var rate = "-"
            if let start = c.rate { rate = c.rateEnd.map { "\(Quantity.formatRate(start)) → \(Quantity.formatRate($0)) (ramp)" } ?? Quantity.formatRate(start) }
            return [v.name, c.method, c.url, "\(c.threads)", "\(c.connections)", c.durationSeconds.trimmed + "s", c.timeoutSeconds.trimmed + "s",
                    "\(c.pipeline)", rate, c.headers.isEmpty ? "-" : c.headers.joined(separator: "; "), c.bodyBytes == 0 ? "-" : "\(c.bodyBytes) B"]
        }
        var out = "<h2>Configuration</h2>\n" + HTMLPage.table(header, rows, numeric: [3, 4, 5, 6, 7, 8])
        let notes = report.variants.flatMap { v in (v.notes ?? []).map { "\(v.name): \($0)" } }
        if !notes.isEmpty { out += "<ul class=\"meta\">" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n" }
        return out
    }
}

/// Threshold results as written into a result's notes by `volley bench` (`threshold PASS  variant  rule  (figure = value)`).
enum Thresholds {
    struct Check { var passed: Bool; var variant: String; var rule: String; var measured: String }

    static func checks(_ report: RunReport) -> [Check] {
        (report.notes ?? []).compactMap { note in
            guard note.hasPrefix("threshold ") else { return nil }
            let parts = note.dropFirst("threshold ".count).components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard let verdict = parts.first, verdict == "PASS" || verdict == "FAIL" else { return nil }
            let measured = parts.count > 3 ? parts[3].trimmingCharacters(in: CharacterSet(charactersIn: "()")) : ""
            return Check(passed: verdict == "PASS", variant: parts.count > 1 ? parts[1] : "", rule: parts.count > 2 ? parts[2] : "", measured: measured)
        }
    }
}

/// Whether a run was cut short: bench's `interrupted: …` note, or an `interrupted` flag on a
/// variant (read by name, so that the flag renders as soon as the result model has one).
enum Interruption {
    static func notes(_ report: RunReport) -> [String] {
        var out = (report.notes ?? []).filter { $0.hasPrefix("interrupted") }.map { "Interrupted: " + $0.dropFirst("interrupted".count).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) }
        for v in report.variants where flag(v) {
            out.append("Interrupted: \(v.name) was cut short after \(v.summary.elapsedSeconds.trimmed) s of \(v.configuration.durationSeconds.trimmed) s")
        }
        return out
    }

    static func flag(_ value: Any) -> Bool {
        for child in Mirror(reflecting: value).children where child.label == "interrupted" {
            if let b = child.value as? Bool { return b }
            if let b = child.value as? Bool?, let b { return b }
        }
        return false
    }
}
