import Foundation
import Metrics

/// A pass/fail rule in k6's spirit: `p99 < 50ms`, `p50 <= 2ms`, `rps > 10000`, `errors == 0`,
/// `error_rate < 1%`. Values are kept in base units: microseconds for latency, requests/sec,
/// counts, and fractions for rates.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: Sendable, Equatable, CustomStringConvertible {
        /// Latency at a percentile, 0 < p <= 100 (`p99`, `p99.9`).
        case percentile(Double)
        case min, mean, max
        case rps
        case requests
        case errors
        case timeouts
        /// Errors of every class over attempted requests (completed + socket errors).
        case errorRate

        public var description: String {
            switch self {
            case .percentile(let p): return "p" + Quantity.trim(p)
            case .min: return "min"
            case .mean: return "mean"
            case .max: return "max"
            case .rps: return "rps"
            case .requests: return "requests"
            case .errors: return "errors"
            case .timeouts: return "timeouts"
            case .errorRate: return "error_rate"
            }
        }

        var isLatency: Bool {
            switch self {
            case .percentile, .min, .mean, .max: return true
            default: return false
            }
        }

        static let names = ["p50", "p90", "p99", "p99.9", "min", "mean", "max", "rps", "requests", "errors", "timeouts", "error_rate"]
    }

    public enum Comparator: String, Sendable, CaseIterable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="

        func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            case .equal: return a == b
            case .notEqual: return a != b
            }
        }
    }

    public var metric: Metric
    public var comparator: Comparator
    /// The bound in base units (µs, requests/sec, count, fraction).
    public var value: Double
    /// The rule as written.
    public var text: String

    public var description: String { text }

    /// Why a threshold expression could not be read; says what form is expected.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var hint: String?
        public var description: String { message + (hint.map { " (\($0))" } ?? "") }
    }

    /// Parses `metric op value`, e.g. `p99 < 50ms`; spaces are optional.
    public static func parse(_ text: String) throws(ParseError) -> Threshold {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let operators = ["<=", ">=", "==", "!=", "<", ">"]
        var found: (Range<String.Index>, String)?
        for op in operators {
            if let range = trimmed.range(of: op) { found = (range, op); break }
        }
        guard let (range, op) = found, let comparator = Comparator(rawValue: op) else {
            throw ParseError(message: "threshold `\(text)` has no comparison", hint: "write it as `p99 < 50ms`, `rps > 10000` or `errors == 0`")
        }
        let name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let valueText = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
        let metric = try parseMetric(name)
        let value = try parseValue(valueText, for: metric)
        return Threshold(metric: metric, comparator: comparator, value: value, text: trimmed)
    }

    static func parseMetric(_ name: String) throws(ParseError) -> Metric {
        switch name.lowercased() {
        case "min": return .min
        case "mean", "avg": return .mean
        case "max": return .max
        case "rps", "requests_per_second": return .rps
        case "requests": return .requests
        case "errors": return .errors
        case "timeouts": return .timeouts
        case "error_rate": return .errorRate
        default: break
        }
        if name.hasPrefix("p"), let p = Quantity.plainNumber(String(name.dropFirst())), p > 0, p <= 100 {
            return .percentile(p)
        }
        let hint = Suggestion.nearest(name, in: Metric.names).map { "did you mean `\($0)`?" }
            ?? "one of p50, p90, p99, p99.9 (any pN), min, mean, max, rps, requests, errors, timeouts, error_rate"
        throw ParseError(message: "unknown threshold metric `\(name)`", hint: hint)
    }

    static func parseValue(_ text: String, for metric: Metric) throws(ParseError) -> Double {
        if metric.isLatency {
            guard let nanos = Quantity.durationNanos(text) else {
                throw ParseError(message: "`\(text)` is not a latency", hint: "give a unit: 50ms, 500us, 1.5s")
            }
            return Double(nanos) / 1000
        }
        if metric == .errorRate {
            guard let fraction = Quantity.percent(text) else {
                throw ParseError(message: "`\(text)` is not a percentage", hint: "write error_rate < 1%")
            }
            return fraction
        }
        guard let value = Quantity.count(text) else {
            throw ParseError(message: "`\(text)` is not a number", hint: "write a plain number such as 10000 or 10k")
        }
        return value
    }

    /// The figure this threshold looks at, measured in `variant`, in base units.
    public func actual(in variant: VariantResult) -> Double {
        Self.figure(metric, in: variant)
    }

    /// Whether `variant` passes.
    public func passes(_ variant: VariantResult) -> Bool {
        comparator.holds(actual(in: variant), value)
    }

    /// A metric's value in a variant; percentiles come from the stored histogram when it decodes.
    public static func figure(_ metric: Metric, in variant: VariantResult) -> Double {
        let summary = variant.summary
        switch metric {
        case .percentile(let p):
            if let histogram = try? variant.latencyHistogram.decode(), histogram.totalCount > 0 {
                return Double(histogram.valueAtPercentile(p))
            }
            return Double(variant.latency.value(atPercentile: p) ?? variant.latency.max)
        case .min: return Double(variant.latency.min)
        case .mean: return variant.latency.mean
        case .max: return Double(variant.latency.max)
        case .rps: return summary.requestsPerSecond
        case .requests: return Double(summary.requests)
        case .errors: return Double(summary.errors.total)
        case .timeouts: return Double(summary.errors.timeout)
        case .errorRate:
            let attempts = summary.requests + summary.errors.socketErrors
            return attempts == 0 ? 0 : Double(summary.errors.total) / Double(attempts)
        }
    }

    /// A value of this threshold's metric for people: `1.23ms`, `12.3k`, `0.10%`, `3`.
    public func format(_ value: Double) -> String {
        if metric.isLatency { return Quantity.formatMicros(value) }
        switch metric {
        case .errorRate: return String(format: "%.2f%%", value * 100)
        case .rps: return Quantity.formatRate(value)
        default: return String(format: "%.0f", value)
        }
    }
}

/// A threshold and the variants it applies to.
public struct ThresholdRule: Sendable, Equatable {
    /// Variant name pattern; `*` matches any run of characters (so `*` alone is every variant).
    public var pattern: String
    public var threshold: Threshold

    public init(pattern: String = "*", threshold: Threshold) {
        self.pattern = pattern; self.threshold = threshold
    }

    /// Whether the rule applies to a variant named `name`.
    public func applies(to name: String) -> Bool { Glob.matches(pattern, name) }
}

/// The outcome of one threshold on one variant.
public struct ThresholdCheck: Sendable, Equatable {
    public var variant: String
    public var threshold: Threshold
    public var actual: Double
    public var passed: Bool

    /// `PASS async /  p99 < 50ms  (p99 = 1.23ms)`.
    public var line: String {
        "\(passed ? "PASS" : "FAIL")  \(variant)  \(threshold.text)  (\(threshold.metric) = \(threshold.format(actual)))"
    }
}

/// Evaluates thresholds against result variants; pure.
public enum ThresholdEvaluator {
    /// Every rule against every variant it applies to, in rule order then variant order.
    public static func evaluate(_ rules: [ThresholdRule], on variants: [VariantResult]) -> [ThresholdCheck] {
        var checks: [ThresholdCheck] = []
        for rule in rules {
            for variant in variants where rule.applies(to: variant.name) {
                let actual = rule.threshold.actual(in: variant)
                checks.append(ThresholdCheck(variant: variant.name, threshold: rule.threshold, actual: actual,
                                             passed: rule.threshold.comparator.holds(actual, rule.threshold.value)))
            }
        }
        return checks
    }
}

/// Shell-style `*` patterns for variant names.
public enum Glob {
    /// Whether `name` matches `pattern`, where `*` stands for any run of characters.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern), s = Array(name)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count, p[pi] != "*", p[pi] == s[si] { pi += 1; si += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
