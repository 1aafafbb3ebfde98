import Foundation
import Metrics
import Scenario

/// `volley run --threshold … --max-error-rate …`: pass/fail after the run, for CI.
extension RunCommand {
    /// Parses the gate flags before anything runs, so a typo is exit 2, not a wasted run.
    func makeGate() throws -> RunGate {
        var rules: [Threshold] = []
        for text in threshold {
            do { rules.append(try Threshold.parse(text)) } catch { throw usageError("invalid --threshold: \(error)") }
        }
        var rate: Double?
        if let maxErrorRate {
            guard let fraction = Quantity.percent(maxErrorRate), fraction <= 1 else {
                throw usageError("invalid --max-error-rate '\(maxErrorRate)' (a percentage such as 1% or 0.1%)")
            }
            rate = fraction
        }
        return RunGate(thresholds: rules, maxErrorRate: rate)
    }

    /// Prints every check (on standard error with --quiet; a run with no success always there) and exits 1 when one failed.
    func checkGate(_ gate: RunGate, _ result: VariantResult) throws {
        let verdict = gate.evaluate(result)
        for line in verdict.lines {
            if quiet || line.hasPrefix(RunGate.noSuccessPrefix) { printError("volley: \(line)") } else { print(line) }
        }
        if !verdict.passed { throw CommandExit(ExitStatus.failed) }
    }
}
