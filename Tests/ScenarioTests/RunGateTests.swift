import Metrics
import TestSupport
import Testing
@testable import Scenario

@Suite struct RunGateTests {
    /// A run with good responses and no rules passes with nothing to say.
    @Test func healthyRunPassesSilently() {
        let v = ReportFixtures.variant("run", latenciesMicros: ReportFixtures.spread(100, 100, 2_000))
        let verdict = RunGate().evaluate(v)
        #expect(verdict.passed)
        #expect(verdict.lines.isEmpty)
    }

    /// Refused connections with no response fail the default gate and the reason names them.
    @Test func refusedRunFailsAndSaysWhy() {
        var v = ReportFixtures.variant("run", latenciesMicros: [])
        v.summary.errors.connect = 12
        let verdict = RunGate().evaluate(v)
        #expect(!verdict.passed)
        #expect(verdict.lines.first?.contains("12 connection(s) refused") == true)
    }

    /// Thresholds and the error-rate bound are checked one by one; the failing one is named.
    @Test func thresholdsAndErrorRate() throws {
        let v = ReportFixtures.variant("run", latenciesMicros: ReportFixtures.spread(1000, 1_000, 80_000), errors: 50)
        let gate = RunGate(thresholds: [try Threshold.parse("p50 < 100ms"), try Threshold.parse("p99<50ms")], maxErrorRate: 0.01)
        let verdict = gate.evaluate(v)
        #expect(!verdict.passed)
        #expect(verdict.lines.count == 3)
        #expect(verdict.lines[0].hasPrefix("PASS") && verdict.lines[0].contains("p50 < 100ms"))
        #expect(verdict.lines[1].hasPrefix("FAIL") && verdict.lines[1].contains("p99<50ms"))
        #expect(verdict.lines[2].hasPrefix("FAIL") && verdict.lines[2].contains("error_rate <= 1%"))
        #expect(RunGate(maxErrorRate: 0.05).evaluate(v).passed)
    }
}
