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
        Exit codes: 0 no regression, 1 a figure regressed beyond its tolerance, 2 the files cannot be compared
        (unreadable, another schema version, or no variant in common).
        """
    )

    @Argument(help: "Baseline result file.")
    var base: String

    @Argument(help: "New result file.")
    var new: String

    @Option(name: .long, help: "Allowed regression: 5% for every figure, or e.g. rps=3%,p99=10%,errors=0.1%.")
    var maxRegression: String?

    @Option(name: .long, help: "Take the tolerances from this scenario's `max_regression`.")
    var scenario: String?

    @Option(name: .long, help: "Output format: text, md or json.")
    var format: String = "text"

    func run() throws {
        guard let format = ComparisonPrinter.Format(rawValue: format) else {
            throw usageError("unknown format '\(self.format)' (text, md, json)")
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
            baseReport = try RunReport.load(from: base)
            newReport = try RunReport.load(from: new)
        } catch {
            throw usageError("cannot compare: \(error)")
        }
        let comparison: Comparison
        do {
            comparison = try Comparison.compare(base: baseReport, new: newReport, tolerances: tolerances, basePath: base, newPath: new)
        } catch {
            throw usageError("cannot compare: \(error)")
        }
        print(ComparisonPrinter.render(comparison, format: format), terminator: "")
        if comparison.hasRegression { throw CommandExit(ExitStatus.failed) }
    }
}
