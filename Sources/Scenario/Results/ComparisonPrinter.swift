import Foundation
import Metrics

/// Renders a `Comparison` as aligned text, Markdown or JSON.
public enum ComparisonPrinter {
    public enum Format: String, CaseIterable, Sendable { case text, md, json }

    public static func render(_ comparison: Comparison, format: Format) -> String {
        switch format {
        case .text: return text(comparison)
        case .md: return markdown(comparison)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // Infinite changes (from zero) are not JSON; write them as strings.
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return (try? String(decoding: encoder.encode(comparison), as: UTF8.self) + "\n") ?? "{}\n"
        }
    }

    static func value(_ delta: FigureDelta, _ v: Double, count: UInt64?) -> String {
        switch delta.figure {
        case "rps": return Quantity.formatRate(v)
        case "errors": return "\(count ?? 0) (\(String(format: "%.2f%%", v * 100)))"
        default: return Quantity.formatMicros(v)
        }
    }

    static func change(_ delta: FigureDelta) -> String {
        if delta.figure == "errors" { return String(format: "%+.2f pts", delta.change * 100) }
        if delta.change.isInfinite { return "new" }
        return String(format: "%+.1f%%", delta.change * 100)
    }

    static func verdict(_ delta: FigureDelta) -> String {
        switch delta.verdict {
        case .better: return "better"
        case .ok: return "ok"
        case .regression: return "REGRESSION"
        }
    }

    static func rows(_ comparison: Comparison) -> [[String]] {
        var rows: [[String]] = []
        for variant in comparison.variants {
            for delta in variant.figures {
                rows.append([variant.name, delta.figure, value(delta, delta.base, count: delta.baseCount),
                             value(delta, delta.new, count: delta.newCount), change(delta),
                             delta.figure == "errors" ? String(format: "%.2f pts", delta.tolerance * 100) : String(format: "%.0f%%", delta.tolerance * 100),
                             verdict(delta)])
            }
        }
        return rows
    }

    static let header = ["variant", "figure", "base", "new", "change", "allowed", "verdict"]

    static func summary(_ comparison: Comparison) -> String {
        let regressions = comparison.variants.flatMap { v in v.figures.filter { $0.verdict == .regression }.map { "\(v.name) \($0.figure)" } }
        return regressions.isEmpty ? "verdict: ok (no regression in \(comparison.variants.count) variant(s))"
            : "verdict: REGRESSION in \(regressions.joined(separator: ", "))"
    }

    static func text(_ comparison: Comparison) -> String {
        var out = "base: \(comparison.basePath)\nnew:  \(comparison.newPath)\n\n"
        out += TextTable.render(header: header, rows: rows(comparison), rightAligned: [2, 3, 4, 5])
        out += "\n"
        for name in comparison.onlyInBase { out += "only in base: \(name)\n" }
        for name in comparison.onlyInNew { out += "only in new:  \(name)\n" }
        for note in comparison.notes { out += "note: \(note)\n" }
        return out + summary(comparison) + "\n"
    }

    static func markdown(_ comparison: Comparison) -> String {
        var out = "### Volley comparison\n\n`\(comparison.basePath)` → `\(comparison.newPath)`\n\n"
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
