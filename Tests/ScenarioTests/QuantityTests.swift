import Foundation
import Testing
@testable import Scenario
import VolleyCLI

@Suite struct QuantityTests {
    /// Durations need a unit; odd number forms are refused.
    @Test(arguments: [("10s", 10_000_000_000), ("1.5s", 1_500_000_000), ("150ms", 150_000_000), ("250us", 250_000),
                      ("2m", 120_000_000_000), ("1h", 3_600_000_000_000), ("0s", 0), (" 3 ms ", 3_000_000),
                      ("10", nil), ("1e3s", nil), ("-1s", nil), ("s", nil), ("infs", nil), ("1.2.3s", nil)] as [(String, UInt64?)])
    func durations(text: String, nanos: UInt64?) {
        #expect(Quantity.durationNanos(text) == nanos)
    }

    /// Percentages and counts with k/M suffixes.
    @Test func percentsAndCounts() {
        #expect(Quantity.percent("5%") == 0.05)
        #expect(Quantity.percent("0.1 %") == 0.001)
        #expect(Quantity.percent("5") == nil)
        #expect(Quantity.count("10k") == 10_000)
        #expect(Quantity.count("1.5M") == 1_500_000)
        #expect(Quantity.count("ten") == nil)
    }

    /// Figures are formatted for people with units.
    @Test func formatting() {
        #expect(Quantity.formatMicros(950) == "950us")
        #expect(Quantity.formatMicros(1_234) == "1.23ms")
        #expect(Quantity.formatMicros(2_500_000) == "2.50s")
        #expect(Quantity.formatRate(12_345) == "12.3k")
        #expect(Quantity.formatDuration(1_500_000_000) == "1.5s")
    }

    /// `volley bench --dry-run` validates and lists the variants of every shipped scenario without running anything.
    @Test(arguments: ["seed-pycon-2017", "slow-callback", "gather", "techempower", "ci-smoke"])
    func dryRun(name: String) {
        let path = repositoryRoot.appendingPathComponent("scenarios/\(name).yaml").path
        #expect(VolleyMain.run(["bench", path, "--dry-run", "--quick"]) == 0)
    }
}
