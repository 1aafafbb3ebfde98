import Foundation
import Metrics
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

@Suite struct QuantityRulesTests {
    /// The command line reads a bare number as seconds; scenario files ask for a unit. Both refuse the same nonsense.
    @Test func bareNumbers() {
        #expect(Quantity.durationNanos("10", bareNumber: .seconds) == 10_000_000_000)
        #expect(Quantity.durationNanos("10") == nil)
        #expect(Quantity.durationNanos("-1s", bareNumber: .seconds) == nil)
    }

    /// Each refusal says why.
    @Test(arguments: [("-1s", "negative"), ("10x", "unknown unit"), ("1e3s", "plain digits"), ("10", "needs a unit"), ("", "empty")])
    func durationReasons(text: String, mentions: String) {
        #expect(throws: QuantityError.self) { try Quantity.parseDuration(text) }
        do { _ = try Quantity.parseDuration(text) } catch { #expect(error.reason.contains(mentions), "\(error)") }
    }

    /// Zero is a duration, but not a positive one.
    @Test func positiveDurations() throws {
        #expect(try Quantity.parseDuration("0s") == 0)
        #expect(throws: QuantityError("must be more than 0; e.g. 10s, 500ms")) { try Quantity.parsePositiveDuration("0s") }
    }

    /// Rates and ramps: k/M suffixes, both ends above zero, at most 100M.
    @Test func rates() throws {
        #expect(try Quantity.parseRate("10k") == (10_000, 10_000))
        #expect(try Quantity.parseRate("1.5M:2M") == (1_500_000, 2_000_000))
        #expect(try Quantity.parseRate("2m") == (2_000_000, 2_000_000))
        for bad in ["0", "1:2:3", ":5", "200M", "-5", "1e3"] {
            #expect(throws: QuantityError.self) { try Quantity.parseRate(bad) }
        }
    }

    /// Sizes in bytes, with binary and decimal spellings of k/M/G.
    @Test(arguments: [("512", UInt64(512)), ("64KiB", 65_536), ("64kb", 65_536), ("1MiB", 1_048_576), ("1.5M", 1_572_864), ("2g", 2_147_483_648)])
    func sizes(text: String, bytes: UInt64) throws {
        #expect(try Quantity.parseSize(text) == bytes)
    }

    /// Percentages become fractions; other forms are refused with a reason.
    @Test func percents() throws {
        #expect(try Quantity.parsePercent("12.5%") == 0.125)
        #expect(throws: QuantityError.self) { try Quantity.parsePercent("-5%") }
        #expect(throws: QuantityError.self) { try Quantity.parsePercent("5") }
    }
}
