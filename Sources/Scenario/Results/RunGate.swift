import Metrics

/// Pass/fail for a plain `volley run`: `--threshold` rules (the scenario grammar),
/// `--max-error-rate`, and one rule that always applies: a run in which no request
/// succeeded fails, and says why (refused, timeouts, closed connections, error statuses).
public struct RunGate: Sendable, Equatable {
    public var thresholds: [Threshold]
    /// Highest allowed `error_rate` as a fraction; nil checks only that some request succeeded.
    public var maxErrorRate: Double?

    public init(thresholds: [Threshold] = [], maxErrorRate: Double? = nil) {
        self.thresholds = thresholds; self.maxErrorRate = maxErrorRate
    }

    /// The start of the line of a run in which no request succeeded.
    public static let noSuccessPrefix = "FAIL  no request succeeded: "

    /// What the gate decided: every check's line (`PASS …`/`FAIL …`) and whether all passed.
    public struct Verdict: Sendable, Equatable {
        public var lines: [String]
        public var passed: Bool
    }

    /// Checks `result`; the no-success rule comes first, then each threshold, then the error rate.
    public func evaluate(_ result: VariantResult) -> Verdict {
        var lines: [String] = []
        var passed = true
        if let why = Self.noSuccessReason(result) {
            lines.append(Self.noSuccessPrefix + why)
            passed = false
        }
        var rules = thresholds
        if let maxErrorRate {
            rules.append(Threshold(metric: .errorRate, comparator: .lessOrEqual, value: maxErrorRate,
                                   text: "error_rate <= \(Quantity.trim(maxErrorRate * 100))%"))
        }
        for check in ThresholdEvaluator.evaluate(rules.map { ThresholdRule(threshold: $0) }, on: [result]) {
            lines.append(check.line)
            if !check.passed { passed = false }
        }
        return Verdict(lines: lines, passed: passed)
    }

    /// Why no request of `result` succeeded (a response below 400), or nil when one did.
    /// Names the dominant causes with their counts, largest first.
    public static func noSuccessReason(_ result: VariantResult) -> String? {
        let summary = result.summary
        let errors = summary.errors
        guard summary.requests <= errors.status else { return nil }
        var causes: [(UInt64, String)] = [
            (errors.connect, "\(errors.connect) connection(s) refused or failed"),
            (errors.timeout, "\(errors.timeout) request(s) timed out"),
            (errors.read, "\(errors.read) connection(s) closed or reset by the server"),
            (errors.write, "\(errors.write) write error(s)"),
            (errors.parse, "\(errors.parse) unparseable response(s)"),
        ]
        if errors.status > 0 {
            let classes = summary.statusClasses
            causes.append((errors.status, "all \(errors.status) response(s) had an error status (4xx: \(classes.clientError), 5xx: \(classes.serverError))"))
        }
        causes = causes.filter { $0.0 > 0 }.sorted { $0.0 > $1.0 }
        if causes.isEmpty {
            return "no response and no error in \(Quantity.trim(summary.elapsedSeconds))s (the server accepted but never answered, or the run was too short)"
        }
        return causes.map(\.1).joined(separator: "; ")
    }
}
