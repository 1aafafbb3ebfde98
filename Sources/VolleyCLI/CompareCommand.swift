import ArgumentParser
import Foundation
import Metrics
import Reports
import Scenario

/// `volley compare`: a new result against a baseline, with an exit code CI can act on.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two result files variant by variant (req/s, p50, p99, p99.9, errors).",
        discussion: """
        Each figure gets a 95% interval of its relative change (a bootstrap over repeats and seconds, docs/ci.md)
        and a verdict: regression, improvement, no change, or inconclusive (with the repeats that would settle it).
        Exit codes: 0 no regression (inconclusive figures warn), 1 a figure regressed beyond its tolerance (or, with
        --strict, is inconclusive), 2 the files cannot be compared (unreadable, another schema version, no variant in
        common, or load settings differ without --allow-config-change).
        """
    )

    @Argument(help: "Baseline result file, or a folder whose result files are pooled as repeats (alternated CI runs).")
    var base: String

    @Argument(help: "New result file, or a folder pooled the same way.")
    var new: String

    @Option(name: .long, help: "Allowed regression: 5% for every figure, or e.g. rps=3%,p99=10%,errors=0.1%.")
    var maxRegression: String?

    @Option(name: .long, help: "Take the tolerances from this scenario's `max_regression`.")
    var scenario: String?

    @Option(name: .long, help: "Output format: text, md, json or html.")
    var format: String = "text"

    @Flag(name: .long, help: "Fail (exit 1) on an inconclusive figure too, not only on a regression.")
    var strict = false

    @Flag(name: .long, help: "Compare even when the load settings differ (the differences are still listed).")
    var allowConfigChange = false

    func run() throws {
        guard let format = ComparisonPrinter.Format(rawValue: format) else {
            throw usageError("unknown format '\(self.format)' (text, md, json, html)")
        }
        var tolerances = RegressionTolerances.standard
        if let scenario {
            do {
                if let t = try ScenarioParser.load(path: scenario).maxRegression { tolerances = t }
            } catch {
                printError(error.description)
                throw CommandExit(ExitStatus.badInput)
            }
        }
        if let maxRegression {
            guard let t = RegressionTolerances.parse(maxRegression) else {
                throw usageError("invalid --max-regression '\(maxRegression)' (examples: 5%, rps=3%,p99=10%)")
            }
            tolerances = t
        }
        let baseReport: RunReport, newReport: RunReport
        do {
            baseReport = try ResultPool.load(base)
            newReport = try ResultPool.load(new)
        } catch {
            throw usageError("cannot compare: \(error)")
        }
        let comparison: Comparison
        do {
            comparison = try Comparison.compare(base: baseReport, new: newReport, tolerances: tolerances, basePath: base, newPath: new)
        } catch {
            throw usageError("cannot compare: \(error)")
        }
        if !comparison.configurationChanges.isEmpty && !allowConfigChange {
            for change in comparison.configurationChanges { printError("volley: configuration changed: \(change.line)") }
            throw usageError("cannot compare: the load settings differ (listed above); pass --allow-config-change to compare anyway")
        }
        print(ComparisonPrinter.render(comparison, format: format), terminator: "")
        if comparison.hasRegression { throw CommandExit(ExitStatus.failed) }
        if comparison.isInconclusive {
            printError("volley: warning: some figures are inconclusive (too noisy to tell); measure more repeats (volley bench --repeat)")
            if strict { throw CommandExit(ExitStatus.failed) }
        }
    }
}
