import Foundation
import Metrics
import Reports
import TestSupport
import Testing
@testable import Scenario

/// One side of a paired bench: slot k of run `run` served `rates[k]` requests/sec for 100 ms,
/// with latencies scaled by 1/rate, tagged as a `PairSlot` of `side`.
private func pairedSide(_ name: String, rates: [Double], side: String, runs: [String] = ["r1"], port: Int = 8080) -> VariantResult {
    let slotsPerRun = max(1, rates.count / runs.count)
    let slots = rates.enumerated().map { i, rate -> VariantResult in
        var m = LoadMeasurement(elapsedNanoseconds: 100_000_000)
        let micros = UInt64(1e8 / rate)
        for j in 0..<200 { _ = m.latency.record(micros + UInt64(j % 10)) }
        m.requests = UInt64(rate / 10)
        m.statusClasses[2] = m.requests
        let configuration = RunConfiguration(url: "http://127.0.0.1:\(port)/json", threads: 1, connections: 16, durationSeconds: 0.1)
        var result = VariantResult(name: name, configuration: configuration, measurement: m)
        result.pairing = PairSlot(run: runs[min(runs.count - 1, i / slotsPerRun)], slot: i % slotsPerRun, side: side)
        return result
    }
    return RepeatMerge.merge(slots)
}

/// The machine's speed wandering by ±30% from slot pair to slot pair, the same for both slots of a pair.
private let drift: [Double] = (0..<40).map { 1 + 0.3 * sin(Double($0) * 1.7) }

@Suite struct PairedCompareTests {
    /// A 10% slowdown under a ±30% drift shared by both slots of each pair: judged from the pairs
    /// the change is exact and a regression; the same figures judged apart are too noisy to tell.
    @Test func pairsCancelTheMachinesDrift() throws {
        let jitter = drift.indices.map { 1 + 0.01 * Double($0 % 3 - 1) }
        let base = pairedSide("v", rates: drift.map { 10_000 * $0 }, side: "base")
        let new = pairedSide("v", rates: drift.indices.map { 9_000 * drift[$0] * jitter[$0] }, side: "new")
        let paired = try Comparison.compare(base: ReportFixtures.report([base]), new: ReportFixtures.report([new]))
        let rps = try #require(paired.variants[0].figures.first { $0.figure == "rps" })
        #expect(rps.pairs == 40)
        #expect(abs(rps.change + 0.1) < 0.01, "\(rps.change)")
        #expect(rps.verdict == .regression)
        #expect(try #require(rps.changeHigh) < -0.05)
        #expect(paired.variants[0].figures.first { $0.figure == "p50" }?.verdict == .regression)
        #expect(paired.notes.contains { $0.hasPrefix("paired: each figure judged from the ratios of 40 slot pairs") })

        // The same slots without their pairing: each side's spread is the drift, ±20%.
        func unpaired(_ v: VariantResult) -> VariantResult {
            var v = v
            v.repeats = v.repeats?.map { var r = $0; r.pairing = nil; return r }
            return v
        }
        let apart = try Comparison.compare(base: ReportFixtures.report([unpaired(base)]), new: ReportFixtures.report([unpaired(new)]))
        let apartRPS = try #require(apart.variants[0].figures.first { $0.figure == "rps" })
        #expect(apartRPS.pairs == nil)
        #expect(apartRPS.verdict == .inconclusive)
    }

    /// Equal builds under the same drift: no change, with an interval inside the tolerance.
    @Test func equalBuildsAreNoChange() throws {
        let jitter = drift.indices.map { 1 + 0.01 * Double(($0 * 7) % 5 - 2) / 2 }
        let base = pairedSide("v", rates: drift.map { 10_000 * $0 }, side: "base")
        let new = pairedSide("v", rates: drift.indices.map { 10_000 * drift[$0] * jitter[$0] }, side: "new")
        let c = try Comparison.compare(base: ReportFixtures.report([base]), new: ReportFixtures.report([new]))
        let rps = try #require(c.variants[0].figures.first { $0.figure == "rps" })
        #expect(rps.verdict == .noChange)
        #expect(try #require(rps.changeLow) > -0.05 && (try #require(rps.changeHigh)) < 0.05)
        #expect(!c.hasRegression && !c.isInconclusive)
    }

    /// Noisy pairs leave a change inconclusive and name the slot pairs that would settle it.
    @Test func noisyPairsNameThePairsNeeded() throws {
        let noise = (0..<6).map { 1 + 0.25 * Double($0 % 2 == 0 ? 1 : -1) }
        let base = pairedSide("v", rates: (0..<6).map { _ in 10_000 }, side: "base")
        let new = pairedSide("v", rates: noise.map { 9_000 * $0 }, side: "new")
        let c = try Comparison.compare(base: ReportFixtures.report([base]), new: ReportFixtures.report([new]))
        let rps = try #require(c.variants[0].figures.first { $0.figure == "rps" })
        #expect(rps.verdict == .inconclusive)
        #expect((rps.repeatsNeeded ?? 0) > 6)
        let text = ComparisonPrinter.render(c, format: .text)
        #expect(text.contains("slot pairs)"), "\(text)")
        #expect(text.contains("± is the spread over each side's slots"), "\(text)")
    }

    /// Slots match by run and slot number across several paired runs, whatever their order in
    /// the files; a slot without its partner makes the sides be judged apart.
    @Test func slotsMatchByRunAndSlot() throws {
        let base = pairedSide("v", rates: [100, 200, 300, 400], side: "base", runs: ["a", "b"])
        var new = pairedSide("v", rates: [110, 220, 330, 440], side: "new", runs: ["a", "b"])
        new.repeats?.reverse()
        let pairs = try #require(Comparison.pairedSlots(base: base, new: new))
        #expect(pairs.count == 4)
        for pair in pairs {
            #expect(pair.base.pairing?.run == pair.new.pairing?.run && pair.base.pairing?.slot == pair.new.pairing?.slot)
            #expect(abs(pair.new.summary.requestsPerSecond / pair.base.summary.requestsPerSecond - 1.1) < 0.01)
        }
        var orphan = new
        orphan.repeats?[0].pairing?.run = "c"
        #expect(Comparison.pairedSlots(base: base, new: orphan) == nil)
        var single = base
        single.repeats = nil
        #expect(Comparison.pairedSlots(base: single, new: new) == nil)
    }

    /// The paired interval: Student's t on the mean log-ratio.
    @Test func pairedEstimateArithmetic() throws {
        let e = try #require(ChangeEstimate.paired([(100, 90), (200, 180), (50, 45)]))
        #expect(abs(e.change + 0.1) < 1e-9 && abs(e.low + 0.1) < 1e-9 && abs(e.high + 0.1) < 1e-9)
        let logs = [log(1.1), log(0.9), log(1.0), log(1.2)]
        let m = logs.reduce(0, +) / 4
        let sd = (logs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3).squareRoot()
        let half = 3.182446 * sd / 2
        let f = try #require(ChangeEstimate.paired([(10, 11), (10, 9), (10, 10), (10, 12)]))
        #expect(abs(f.change - (exp(m) - 1)) < 1e-9)
        #expect(abs(f.low - (exp(m - half) - 1)) < 5e-3 && abs(f.high - (exp(m + half) - 1)) < 5e-3)
        #expect(ChangeEstimate.paired([(10, 11)]) == nil)
        #expect(ChangeEstimate.paired([(0, 11), (10, 0)]) == nil)
    }
}
