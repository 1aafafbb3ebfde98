import Metrics
import TestSupport
import Testing
@testable import Scenario

@Suite struct ThresholdTests {
    /// Expressions parse into metric, comparator and a value in base units.
    @Test(arguments: [
        ("p99 < 50ms", Threshold.Metric.percentile(99), Threshold.Comparator.less, 50_000.0),
        ("p50<=2ms", .percentile(50), .lessOrEqual, 2_000),
        ("p99.9 < 1.5s", .percentile(99.9), .less, 1_500_000),
        ("rps > 10000", .rps, .greater, 10_000),
        ("rps >= 10k", .rps, .greaterOrEqual, 10_000),
        ("errors == 0", .errors, .equal, 0),
        ("error_rate < 1%", .errorRate, .less, 0.01),
        ("max != 250us", .max, .notEqual, 250),
        ("timeouts == 0", .timeouts, .equal, 0),
    ] as [(String, Threshold.Metric, Threshold.Comparator, Double)])
    func parses(text: String, metric: Threshold.Metric, comparator: Threshold.Comparator, value: Double) throws {
        let t = try Threshold.parse(text)
        #expect(t.metric == metric)
        #expect(t.comparator == comparator)
        #expect(abs(t.value - value) < 1e-9)
    }

    /// Malformed expressions are refused with a message that says what is wrong.
    @Test(arguments: [("p99 50ms", "no comparison"), ("p99 < 50", "not a latency"), ("rsp > 5", "did you mean `rps`"),
                      ("error_rate < 1", "not a percentage"), ("p0 < 1ms", "unknown threshold metric"), ("rps > lots", "not a number")])
    func refuses(text: String, fragment: String) {
        #expect(throws: Threshold.ParseError.self) { try Threshold.parse(text) }
        do { _ = try Threshold.parse(text) } catch { #expect(error.description.contains(fragment), "\(error)") }
    }

    /// Rules are evaluated against every variant they name; the measured value decides.
    @Test func evaluatesAgainstVariants() throws {
        let fast = ReportFixtures.variant("async /", latenciesMicros: ReportFixtures.spread(1000, 100, 2_000))
        let slow = ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(1000, 1_000, 80_000), errors: 5)
        let rules = [
            ThresholdRule(threshold: try Threshold.parse("p99 < 50ms")),
            ThresholdRule(pattern: "async*", threshold: try Threshold.parse("errors == 0")),
            ThresholdRule(pattern: "sync*", threshold: try Threshold.parse("error_rate < 1%")),
            ThresholdRule(threshold: try Threshold.parse("rps > 500")),
        ]
        let checks = ThresholdEvaluator.evaluate(rules, on: [fast, slow])
        #expect(checks.map(\.variant) == ["async /", "sync /", "async /", "sync /", "async /", "sync /"])
        #expect(checks.map(\.passed) == [true, false, true, true, true, true])
        #expect(abs(checks[1].actual - 79_200) < 200)   // p99 of 1..80 ms spread evenly
        #expect(abs(checks[3].actual - 5.0 / 1005) < 1e-9)
        #expect(checks[1].line.hasPrefix("FAIL  sync /  p99 < 50ms  (p99 = 79."))
    }

    /// `*` patterns match any run of characters, and nothing else.
    @Test(arguments: [("*", "a b", true), ("async*", "async fetch", true), ("*fetch", "sync fetch", true),
                      ("*fetch", "sync fetched", false), ("a*c*e", "abcde", true), ("sync", "async", false)])
    func glob(pattern: String, name: String, matches: Bool) {
        #expect(Glob.matches(pattern, name) == matches)
    }
}
