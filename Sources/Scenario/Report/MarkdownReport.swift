import Foundation
import Metrics

/// A Markdown summary of a result file, fit for a CI job page or a pull-request comment.
public enum MarkdownReport {
    public static func render(_ report: RunReport) -> String {
        var out = "## Volley: \(report.scenario ?? "run")\n\n"
        out += "\(report.createdAt) · \(report.host.cpuModel), \(report.host.logicalCores) CPUs · \(report.host.kernel) · volley \(report.tool.version)"
        if let commit = report.tool.gitCommit { out += " (\(commit.prefix(12)))" }
        out += "\n\n"
        if let interrupted = report.interruptionNote { out += "**\(Markdown.escape(interrupted))**\n\n" }
        out += ResultTable.markdown(report)
        out += "\n"
        let configs = report.variants.map { v -> String in
            let c = v.configuration
            return "- `\(Markdown.escape(v.name))`: \(c.method) \(c.url), \(c.threads) threads, \(c.connections) connections, \(Quantity.trim(c.durationSeconds))s"
                + (c.pipeline > 1 ? ", pipeline \(c.pipeline)" : "")
        }
        out += "<details><summary>configuration</summary>\n\n" + configs.joined(separator: "\n") + "\n\n</details>\n"
        let notes = (report.notes ?? []) + report.variants.flatMap { v in (v.notes ?? []).map { "\(v.name): \($0)" } }
        if !notes.isEmpty {
            out += "\n" + notes.map { "- " + Markdown.escape($0) }.joined(separator: "\n") + "\n"
        }
        return out
    }
}
