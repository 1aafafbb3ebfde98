import Foundation
import Histogram
import Metrics
import Scenario

/// `volley report BASE.json NEW.json`: one offline page comparing two results — the verdict
/// first, the figures side by side with their change, base against new as bars and as latency
/// spectra, and a differential flame graph for each variant profiled in both.
public enum ComparisonPage {
    public static func render(base: RunReport, new: RunReport, comparison: Comparison,
                              baseDirectory: String = ".", newDirectory: String = ".") -> String {
        let title = "Volley: \(new.scenario ?? "run") compared"
        var body = "<h1>\(HTML.escape(title))</h1>\n"
        body += "<p class=\"meta\">base <code>\(HTML.escape(comparison.basePath))</code> · \(HTML.escape(base.createdAt)) · volley \(HTML.escape(base.tool.version))<br>"
            + "new <code>\(HTML.escape(comparison.newPath))</code> · \(HTML.escape(new.createdAt)) · volley \(HTML.escape(new.tool.version))</p>\n"
        let regressions = comparison.variants.flatMap { v in v.figures.filter { $0.verdict == .regression }.map { "\(v.name) \($0.figure)" } }
        body += regressions.isEmpty
            ? "<div class=\"headline pass\">PASS — no regression in \(comparison.variants.count) variant(s)</div>\n"
            : "<div class=\"headline fail\">FAIL — regression in \(HTML.escape(regressions.joined(separator: ", ")))</div>\n"
        for note in comparison.notes { body += "<div class=\"headline warn\">\(HTML.escape(note))</div>\n" }
        for note in Interruption.notes(base) { body += "<div class=\"headline warn\">base: \(HTML.escape(note))</div>\n" }
        for note in Interruption.notes(new) { body += "<div class=\"headline warn\">new: \(HTML.escape(note))</div>\n" }
        body += figuresTable(comparison)
        if !comparison.onlyInBase.isEmpty || !comparison.onlyInNew.isEmpty {
            body += "<ul class=\"meta\">" + comparison.onlyInBase.map { "<li>only in base: \(HTML.escape($0))</li>" }.joined()
                + comparison.onlyInNew.map { "<li>only in new: \(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        let pairs = comparison.variants.compactMap { c -> (VariantResult, VariantResult)? in
            guard let b = base.variant(named: c.name), let n = new.variant(named: c.name) else { return nil }
            return (b, n)
        }
        body += "<h2>Base against new</h2>\n"
        body += "<figure>\(sideBySide(pairs, title: "Requests/sec", higherIsBetter: true, value: { $0.summary.requestsPerSecond }, format: { Quantity.formatRate($0) }))</figure>\n"
        body += "<figure>\(sideBySide(pairs, title: "p99 latency", higherIsBetter: false, value: { Threshold.figure(.percentile(99), in: $0) / 1000 }, format: { Quantity.formatMicros($0 * 1000) }))</figure>\n"
        var curves: [(name: String, histogram: Histogram<UInt64>, color: Int, dashed: Bool)] = []
        for (i, (b, n)) in pairs.enumerated() {
            if let h = try? b.latencyHistogram.decode() { curves.append(("\(b.name) base", h, i, true)) }
            if let h = try? n.latencyHistogram.decode() { curves.append(("\(n.name) new", h, i, false)) }
        }
        if !curves.isEmpty {
            body += "<figure>\(ReportCharts.spectrum(curves, title: "Latency by percentile: base dashed, new solid"))</figure>\n"
        }
        body += FlameSection.differential(base: base, baseDirectory: baseDirectory, new: new, newDirectory: newDirectory)
        return HTMLPage.wrap(title: title, body: body)
    }

    /// The comparison's figures with their verdicts coloured; fields the model gains later
    /// (confidence intervals, p-values…) are shown as extra columns as they come.
    static func figuresTable(_ comparison: Comparison) -> String {
        var rows = ComparisonPrinter.rows(comparison)
        var header = ComparisonPrinter.header
        let known: Set<String> = ["figure", "base", "new", "baseCount", "newCount", "change", "tolerance", "verdict"]
        let deltas = comparison.variants.flatMap(\.figures)
        let encoded = deltas.map(extraFields)
        let extraKeys = Array(Set(encoded.flatMap(\.keys))).filter { !known.contains($0) }.sorted()
        if !extraKeys.isEmpty {
            header += extraKeys
            for i in rows.indices where i < encoded.count { rows[i] += extraKeys.map { encoded[i][$0] ?? "" } }
        }
        let verdictColumn = ComparisonPrinter.header.firstIndex(of: "verdict") ?? 6
        return "<h2>Figures</h2>\n" + HTMLPage.table(header, rows, numeric: [2, 3, 4, 5], cellClass: { r, c in
            guard c == verdictColumn || c == 4, r < deltas.count else { return nil }
            switch deltas[r].verdict {
            case .regression: return "regression"
            case .improvement: return "better"
            default: return nil
            }
        })
    }

    /// A figure's fields as short text, from its JSON form (so new fields need no change here).
    static func extraFields(_ delta: FigureDelta) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(delta), let value = try? JSONDecoder().decode([String: JSONValue].self, from: data) else { return [:] }
        return value.mapValues(ServerStats.text)
    }

    /// Two bars per variant, base (pale) above new.
    static func sideBySide(_ pairs: [(VariantResult, VariantResult)], title: String, higherIsBetter: Bool,
                           value: (VariantResult) -> Double, format: @escaping (Double) -> String) -> String {
        var bars: [BarChart.Bar] = []
        for (b, n) in pairs {
            bars.append(BarChart.Bar(name: "\(b.name) base", value: value(b), label: format(value(b)), color: 7))
            bars.append(BarChart.Bar(name: "\(n.name) new", value: value(n), label: format(value(n)), color: 0))
        }
        var chart = BarChart(title: title, bars: bars, higherIsBetter: higherIsBetter, unit: "", format: format)
        chart.markBest = false
        return chart.svg()
    }
}
