import Foundation
import Metrics
import Scenario

/// A Markdown summary of a result file, fit for a CI job page or a pull-request comment: the
/// verdict in the first line, then the table, the thresholds, warnings, and the configuration
/// folded away.
public enum MarkdownReport {
    public static func render(_ report: RunReport) -> String {
        let checks = Thresholds.checks(report)
        let failed = checks.filter { !$0.passed }
        var out = "## Volley: \(report.scenario ?? "run")"
        if !checks.isEmpty {
            out += failed.isEmpty ? " — ✅ PASS" : " — ❌ FAIL (\(failed.count) of \(checks.count) thresholds)"
        }
        out += "\n\n"
        out += "\(report.createdAt) · \(report.host.cpuModel), \(report.host.logicalCores) CPUs · \(report.host.kernel) · volley \(report.tool.version)"
        if let commit = report.tool.gitCommit { out += " (\(commit.prefix(12)))" }
        out += "\n\n"
        for note in Interruption.notes(report) { out += "> ⚠️ \(Markdown.escape(note))\n\n" }
        for v in report.variants {
            for warning in GeneratorAdvice.lines(v.generator) { out += "> ⚠️ `\(Markdown.escape(v.name))`: \(Markdown.escape(warning))\n\n" }
        }
        if report.variants.count > 1,
           let best = report.variants.max(by: { $0.summary.requestsPerSecond < $1.summary.requestsPerSecond }),
           let slowest = report.variants.min(by: { $0.summary.requestsPerSecond < $1.summary.requestsPerSecond }),
           slowest.summary.requestsPerSecond > 0 {
            out += "Most requests/sec: **\(Markdown.escape(best.name))**, \(Quantity.formatRate(best.summary.requestsPerSecond)) req/s "
                + "(\(String(format: "%.1f", best.summary.requestsPerSecond / slowest.summary.requestsPerSecond))× `\(Markdown.escape(slowest.name))`).\n\n"
        }
        out += ResultTable.markdown(report)
        out += "\n"
        if !checks.isEmpty {
            out += "| | variant | threshold | measured |\n|---|---|---|---|\n"
            for check in checks {
                out += "| \(check.passed ? "✅ PASS" : "❌ **FAIL**") | \(Markdown.escape(check.variant)) | `\(Markdown.escape(check.rule))` | \(Markdown.escape(check.measured)) |\n"
            }
            out += "\n"
        }
        let paced = report.variants.filter { $0.pacing != nil }
        if !paced.isEmpty {
            out += "| variant | asked req/s | achieved | schedule lag p99 |\n|---|--:|--:|--:|\n"
            for v in paced {
                let p = v.pacing!
                out += "| \(Markdown.escape(v.name)) | \(Quantity.formatRate(p.askedRate)) | \(Quantity.formatRate(p.achievedRate)) (\(String(format: "%.1f%%", p.achievedPercent))) | \(Quantity.formatMicros(Double(p.scheduleLag.p99Micros))) |\n"
            }
            out += "\n"
        }
        let configs = report.variants.map { v -> String in
            let c = v.configuration
            var line = "- `\(Markdown.escape(v.name))`: \(c.method) \(c.url), \(c.threads) threads, \(c.connections) connections, \(c.durationSeconds.trimmed)s"
            if c.pipeline > 1 { line += ", pipeline \(c.pipeline)" }
            if let rate = c.rate { line += ", rate \(Quantity.formatRate(rate))" + (c.rateEnd.map { "→\(Quantity.formatRate($0))" } ?? "") + " req/s" }
            return line
        }
        out += "<details><summary>configuration</summary>\n\n" + configs.joined(separator: "\n") + "\n\n</details>\n"
        let notes = (report.notes ?? []).filter { !$0.hasPrefix("threshold ") && !$0.hasPrefix("interrupted") }
            + report.variants.flatMap { v in (v.notes ?? []).map { "\(v.name): \($0)" } }
        if !notes.isEmpty {
            out += "\n" + notes.map { "- " + Markdown.escape($0) }.joined(separator: "\n") + "\n"
        }
        return out
    }
}
