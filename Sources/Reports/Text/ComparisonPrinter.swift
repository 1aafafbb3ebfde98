import Foundation
import Metrics
import Scenario

/// Renders a `Comparison` as aligned text, Markdown or JSON.
public enum ComparisonPrinter {
    public enum Format: String, CaseIterable, Sendable { case text, md, json, html }

    public static func render(_ comparison: Comparison, format: Format) -> String {
        switch format {
        case .text: return text(comparison)
        case .md: return markdown(comparison)
        case .html: return html(comparison)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // Infinite changes (from zero) are not JSON; write them as strings.
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return (try? String(decoding: encoder.encode(comparison), as: UTF8.self) + "\n") ?? "{}\n"
        }
    }

    /// The value with its spread over repeats: `12.3k ±2.1% (n=5)`, or `(1 run)`.
    static func value(_ delta: FigureDelta, _ v: Double, count: UInt64?, spread: Double?, repeats: Int?) -> String {
        let shown: String
        switch delta.figure {
        case "rps": shown = Quantity.formatRate(v)
        case "errors": return "\(count ?? 0) (\(String(format: "%.2f%%", v * 100)))"
        default: shown = Quantity.formatMicros(v)
        }
        if let spread, let repeats { return shown + String(format: " ±%.1f%% (n=%d)", spread * 100, repeats) }
        return shown + " (1 run)"
    }

    /// The change and its interval: `-10.2% [-14.0%, -6.1%]`.
    static func change(_ delta: FigureDelta) -> String {
        if delta.figure == "errors" { return String(format: "%+.2f pts", delta.change * 100) }
        if delta.change.isInfinite { return "new" }
        let point = String(format: "%+.1f%%", delta.change * 100)
        guard let low = delta.changeLow, let high = delta.changeHigh else { return point }
        // Intervals from two or three noisy repeats can span orders of magnitude; past ×10 the digits say nothing.
        func bound(_ v: Double) -> String { v >= 9.99 ? ">+999%" : String(format: "%+.1f%%", v * 100) }
        return point + " [\(bound(low)), \(bound(high))]"
    }

    static func verdict(_ delta: FigureDelta) -> String {
        switch delta.verdict {
        case .improvement: return "improvement"
        case .noChange: return "no change"
        case .regression: return "REGRESSION"
        case .inconclusive:
            if delta.pairs != nil { return "inconclusive" + (delta.repeatsNeeded.map { " (~\($0) slot pairs)" } ?? " (>\(Judgement.pairLimit) slot pairs)") }
            return "inconclusive" + (delta.repeatsNeeded.map { " (~\($0) repeats)" } ?? " (>\(Judgement.repeatLimit) repeats)")
        }
    }

    static func rows(_ comparison: Comparison) -> [[String]] {
        var rows: [[String]] = []
        for variant in comparison.variants {
            for delta in variant.figures {
                rows.append([variant.name, delta.figure,
                             value(delta, delta.base, count: delta.baseCount, spread: delta.baseSpread, repeats: delta.baseRepeats),
                             value(delta, delta.new, count: delta.newCount, spread: delta.newSpread, repeats: delta.newRepeats), change(delta),
                             delta.figure == "errors" ? String(format: "%.2f pts", delta.tolerance * 100) : String(format: "%.0f%%", delta.tolerance * 100),
                             verdict(delta)])
            }
        }
        return rows
    }

    static let header = ["variant", "figure", "base", "new", "change [interval]", "allowed", "verdict"]

    /// What the intervals and spreads mean, in one line.
    static func levelLine(_ comparison: Comparison) -> String {
        let paired = comparison.variants.contains { $0.figures.contains { $0.pairs != nil } }
        let spread = paired ? "each side's slots (the machine's drift included; the pairs cancel it)" : "repeats"
        return String(format: "intervals: %.2f%% (95%% over all %d figures judged); ± is the spread over ",
                      comparison.intervalLevel * 100, comparison.variants.count * 4) + spread
    }

    static func summary(_ comparison: Comparison) -> String {
        func named(_ verdict: FigureDelta.Verdict) -> [String] {
            comparison.variants.flatMap { v in v.figures.filter { $0.verdict == verdict }.map { "\(v.name) \($0.figure)" } }
        }
        let regressions = named(.regression), unsettled = named(.inconclusive)
        if !regressions.isEmpty { return "verdict: REGRESSION in \(regressions.joined(separator: ", "))" }
        if !unsettled.isEmpty {
            return "verdict: no regression found, but inconclusive (too noisy to tell) in \(unsettled.joined(separator: ", ")): more repeats would settle it"
        }
        return "verdict: ok (no regression in \(comparison.variants.count) variant(s))"
    }

    static func text(_ comparison: Comparison) -> String {
        var out = "base: \(comparison.basePath)\nnew:  \(comparison.newPath)\n" + levelLine(comparison) + "\n\n"
        out += TextTable.render(header: header, rows: rows(comparison), rightAligned: [2, 3, 4, 5])
        out += "\n"
        for name in comparison.onlyInBase { out += "only in base: \(name)\n" }
        for name in comparison.onlyInNew { out += "only in new:  \(name)\n" }
        for change in comparison.configurationChanges { out += "configuration changed: \(change.line)\n" }
        for note in comparison.notes { out += "note: \(note)\n" }
        return out + summary(comparison) + "\n"
    }

    /// One offline HTML page: the same table as Markdown, through the report's table code.
    static func html(_ comparison: Comparison) -> String {
        var body = "<h1>Volley comparison</h1>\n<p class=\"meta\">\(HTML.escape(comparison.basePath)) → \(HTML.escape(comparison.newPath))<br>\(HTML.escape(levelLine(comparison)))</p>\n"
        body += HTMLPage.table(header, rows(comparison), numeric: [2, 3, 4, 5])
        let notes = comparison.onlyInBase.map { "only in base: \($0)" } + comparison.onlyInNew.map { "only in new: \($0)" }
            + comparison.configurationChanges.map { "configuration changed: \($0.line)" } + comparison.notes.map { "note: \($0)" }
        if !notes.isEmpty { body += "<ul>" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n" }
        body += "<p><strong>\(HTML.escape(summary(comparison)))</strong></p>\n"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Volley comparison</title>
        <style>body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 12px}
        table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#666}</style></head><body>
        \(body)</body></html>

        """
    }

    static func markdown(_ comparison: Comparison) -> String {
        var out = "### Volley comparison\n\n`\(comparison.basePath)` → `\(comparison.newPath)`\n\n" + levelLine(comparison) + "\n\n"
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|---|---|--:|--:|--:|--:|---|\n"
        for row in rows(comparison) {
            var cells = row
            if cells[6] == "REGRESSION" { cells[6] = "**REGRESSION**" }
            out += "| " + cells.map(Markdown.escape).joined(separator: " | ") + " |\n"
        }
        out += "\n"
        for name in comparison.onlyInBase { out += "- only in base: `\(name)`\n" }
        for name in comparison.onlyInNew { out += "- only in new: `\(name)`\n" }
        for change in comparison.configurationChanges { out += "- configuration changed: \(Markdown.escape(change.line))\n" }
        for note in comparison.notes { out += "- note: \(note)\n" }
        return out + "\n**" + summary(comparison) + "**\n"
    }
}

/// Column-aligned plain-text tables.
public enum TextTable {
    /// Pads every column to its widest cell; columns in `rightAligned` are right-aligned.
    public static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in all {
            var line = ""
            for (i, cell) in row.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += (i == 0 ? "" : "  ") + (rightAligned.contains(i) ? pad + cell : cell + pad)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

/// Markdown helpers.
public enum Markdown {
    /// Escapes characters that would break a table cell.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
