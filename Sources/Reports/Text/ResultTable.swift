import Foundation
import Metrics
import Scenario

/// The side-by-side table of a report's variants, shared by `volley bench`, the Markdown
/// summary and the HTML report.
public enum ResultTable {
    public static let header = ["variant", "req/s", "p50", "p90", "p99", "max", "errors", "gen CPU/req", "srv CPU/req", "slow cb"]

    /// One row per variant, already formatted.
    public static func rows(_ report: RunReport) -> [[String]] {
        report.variants.map { v in
            let errors = v.summary.errors.total
            return [
                v.name,
                String(format: "%.0f", v.summary.requestsPerSecond) + spread(.rps, v),
                Quantity.formatMicros(Threshold.figure(.percentile(50), in: v)) + spread(.percentile(50), v),
                Quantity.formatMicros(Threshold.figure(.percentile(90), in: v)),
                Quantity.formatMicros(Threshold.figure(.percentile(99), in: v)) + spread(.percentile(99), v),
                Quantity.formatMicros(Double(v.latency.max)),
                errors == 0 ? "0" : "\(errors) (\(String(format: "%.2f%%", Threshold.figure(.errorRate, in: v) * 100)))",
                v.generator?.cpuMicrosPerRequest.map { String(format: "%.1fus", $0) } ?? "-",
                v.serverCPUMicrosPerRequest.map { String(format: "%.1fus", $0) } ?? "-",
                ServerStats.slowCallbackCount(v).map(String.init) ?? "-",
            ]
        }
    }

    /// ` ±3.2%`: the figure's relative spread over the variant's repeats (`--repeat`); empty for one run.
    static func spread(_ metric: Threshold.Metric, _ v: VariantResult) -> String {
        ChangeEstimate.relativeSpread(Comparison.samples(metric, v)).map { String(format: " ±%.1f%%", $0 * 100) } ?? ""
    }

    /// The table as aligned text.
    public static func text(_ report: RunReport) -> String {
        TextTable.render(header: header, rows: rows(report), rightAligned: Set(1...9))
    }

    /// The table in Markdown.
    public static func markdown(_ report: RunReport) -> String {
        var out = "| " + header.joined(separator: " | ") + " |\n|---|" + String(repeating: "--:|", count: header.count - 1) + "\n"
        for row in rows(report) { out += "| " + row.map(Markdown.escape).joined(separator: " | ") + " |\n" }
        return out
    }
}

/// Reads what the reference servers report about themselves (`VariantResult.server`, free-form).
public enum ServerStats {
    /// The slow-callback entries (each a JSON object), under `slowCallbacks` or `slow_callbacks`.
    public static func slowCallbacks(_ variant: VariantResult) -> [[String: JSONValue]] {
        guard let server = variant.server else { return [] }
        for key in ["slowCallbacks", "slow_callbacks", "slow"] {
            if case .array(let items)? = server[key] {
                return items.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
            }
            if case .object(let o)? = server[key], case .array(let items)? = o["slowCallbacks"] ?? o["recent"] ?? o["entries"] {
                return items.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
            }
        }
        return []
    }

    /// How many slow callbacks the server counted, if it said.
    public static func slowCallbackCount(_ variant: VariantResult) -> Int? {
        guard let server = variant.server else { return nil }
        for key in ["slowCallbackCount", "slow_callback_count", "slowCallbacksTotal"] {
            if case .integer(let n)? = server[key] { return Int(n) }
        }
        if case .object(let o)? = server["slowCallbacks"] ?? server["slow_callbacks"],
           case .integer(let n)? = o["slowCallbackCount"] ?? o["count"] { return Int(n) }
        let list = slowCallbacks(variant)
        return list.isEmpty && server["slowCallbacks"] == nil && server["slow_callbacks"] == nil ? nil : list.count
    }

    /// A JSON value as short text for tables.
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .integer(let n): return String(n)
        case .double(let d): return (d).trimmed
        case .string(let s): return s
        case .array(let a): return a.map(text).joined(separator: ", ")
        case .object(let o): return o.keys.sorted().map { "\($0): \(text(o[$0]!))" }.joined(separator: ", ")
        }
    }
}
