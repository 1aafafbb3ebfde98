import Reports
import Foundation
import Metrics
import TestSupport
import Testing
@testable import Scenario
import VolleyCLI

/// A variant measured `values.count` times: repeat i serves `values[i]` requests per second for
/// 4 s (per-second counts jittered by ±`jitter`), latencies scaled by 1/rate.
func repeated(_ name: String, rates: [Double], jitter: Double = 0.01, port: Int = 8080, connections: Int = 10) -> VariantResult {
    let repeats = rates.map { rate -> VariantResult in
        var m = LoadMeasurement(elapsedNanoseconds: 4_000_000_000)
        let micros = UInt64(1e8 / rate)
        for i in 0..<400 { _ = m.latency.record(micros + UInt64(i % 20)) }
        m.requests = UInt64(rate * 4)
        m.statusClasses[2] = m.requests
        m.perSecond = (0..<4).map { s in
            let scale = 1 + jitter * (s % 2 == 0 ? 1 : -1)
            return SecondSlice(second: s, requests: UInt64(rate * scale), p50Micros: UInt64(Double(micros) / scale),
                               p99Micros: UInt64(Double(micros + 19) / scale))
        }
        let configuration = RunConfiguration(url: "http://127.0.0.1:\(port)/json", threads: 1, connections: connections, durationSeconds: 4)
        return VariantResult(name: name, configuration: configuration, measurement: m)
    }
    return RepeatMerge.merge(repeats)
}

@Suite struct GateCompareTests {
    /// Five quiet repeats per side: equal rates are "no change", 20% fewer req/s is a regression,
    /// 20% more an improvement; the interval brackets the change.
    @Test func verdictsFromRepeats() throws {
        let base = ReportFixtures.report([repeated("v", rates: [1000, 1010, 990, 1005, 995])])
        let same = ReportFixtures.report([repeated("v", rates: [1002, 998, 1008, 992, 1000])])
        let slower = ReportFixtures.report([repeated("v", rates: [800, 808, 792, 804, 796])])
        let quiet = try Comparison.compare(base: base, new: same)
        #expect(quiet.variants[0].figures.allSatisfy { $0.verdict == .noChange })
        let worse = try Comparison.compare(base: base, new: slower)
        let rps = try #require(worse.variants[0].figures.first { $0.figure == "rps" })
        #expect(rps.verdict == .regression)
        #expect(abs(rps.change + 0.2) < 0.001)
        #expect(try #require(rps.changeLow) < -0.2 && -0.2 < (try #require(rps.changeHigh)))
        #expect(try #require(rps.changeHigh) < -0.15)
        #expect(rps.baseRepeats == 5 && rps.newRepeats == 5)
        #expect(worse.variants[0].figures.first { $0.figure == "p50" }?.verdict == .regression)
        let better = try Comparison.compare(base: slower, new: base)
        #expect(better.variants[0].figures.first { $0.figure == "rps" }?.verdict == .improvement)
        #expect(!better.hasRegression)
    }

    /// Repeats that disagree wildly leave a 10% change inconclusive, with a larger repeat count that would tell.
    @Test func noisyIsInconclusive() throws {
        let base = ReportFixtures.report([repeated("v", rates: [1000, 600, 1400])])
        let new = ReportFixtures.report([repeated("v", rates: [900, 1300, 500])])
        let c = try Comparison.compare(base: base, new: new)
        let rps = try #require(c.variants[0].figures.first { $0.figure == "rps" })
        #expect(rps.verdict == .inconclusive)
        #expect(c.isInconclusive && !c.hasRegression)
        #expect((rps.repeatsNeeded ?? 101) > 3)
        #expect(ComparisonPrinter.render(c, format: .text).contains("inconclusive"))
    }

    /// The verdict rules on hand-made intervals (positive change worse, tolerance 5%).
    @Test(arguments: [
        (0.10, 0.02, 0.18, FigureDelta.Verdict.regression),
        (0.10, -0.01, 0.21, .inconclusive),
        (0.03, 0.01, 0.05, .noChange),
        (0.03, 0.01, 0.08, .inconclusive),
        (-0.10, -0.15, -0.06, .improvement),
        (0.0, -0.04, 0.04, .noChange),
    ])
    func judgement(change: Double, low: Double, high: Double, verdict: FigureDelta.Verdict) {
        let judged = Judgement.judge(ChangeEstimate(change: change, low: low, high: high), tolerance: 0.05, higherIsBetter: false, repeats: 3)
        #expect(judged.verdict == verdict)
        #expect((judged.repeatsNeeded != nil) == (verdict == .inconclusive))
    }

    /// The widening for few repeats: 1 for single runs, larger for 2 than for 5, near 1 for many.
    @Test func smallSampleWidening() {
        #expect(ChangeEstimate.widening(1, 1) == 1)
        #expect(ChangeEstimate.widening(2, 2) > ChangeEstimate.widening(5, 5))
        #expect(ChangeEstimate.widening(5, 5) > 1.2)
        #expect(ChangeEstimate.widening(50, 50) < 1.05)
    }

    /// The quantiles behind the intervals match published tables.
    @Test(arguments: [(0.975, 1, 12.706), (0.975, 2, 4.303), (0.975, 4, 2.776), (0.975, 8, 2.306), (0.995, 8, 3.355),
                      (0.999, 10, 4.144), (0.975, 30, 2.042)])
    func tQuantiles(q: Double, df: Int, expected: Double) {
        #expect(abs(ChangeEstimate.tQuantile(q, df: df) - expected) / expected < 0.005)
    }

    /// The normal quantile, both tails.
    @Test func normalQuantiles() {
        #expect(abs(ChangeEstimate.normalQuantile(0.975) - 1.959964) < 1e-5)
        #expect(abs(ChangeEstimate.normalQuantile(0.01) + 2.326348) < 1e-5)
        #expect(abs(ChangeEstimate.normalQuantile(0.5)) < 1e-12)
    }

    /// Merging keeps every repeat, adds counts up, and survives a JSON round trip; a file without repeats still reads.
    @Test func mergedRepeatsRoundTrip() throws {
        let merged = repeated("v", rates: [1000, 2000])
        #expect(merged.repeats?.count == 2)
        #expect(merged.summary.requests == 12_000)
        #expect(abs(merged.summary.requestsPerSecond - 1500) < 1e-9)
        #expect(merged.latency.count == 800)
        let report = ReportFixtures.report([merged])
        #expect(try RunReport.decode(report.jsonData()) == report)
        let single = ReportFixtures.report([ReportFixtures.variant("v", latenciesMicros: [100, 200])])
        let json = String(decoding: try single.jsonData(), as: UTF8.self)
        #expect(!json.contains("repeats") && !json.contains("\"source\""))
        #expect(try RunReport.decode(Data(json.utf8)).variants[0].repeats == nil)
    }

    /// A port picked at start is not configuration; other load settings are, and are named.
    @Test func configurationChanges() throws {
        let a = ReportFixtures.report([repeated("v", rates: [1000], port: 41000)])
        let b = ReportFixtures.report([repeated("v", rates: [1000], port: 52000)])
        #expect(try Comparison.compare(base: a, new: b).configurationChanges.isEmpty)
        let c = ReportFixtures.report([repeated("v", rates: [1000], port: 52000, connections: 20)])
        let changes = try Comparison.compare(base: a, new: c).configurationChanges
        #expect(changes == [ConfigurationChange(variant: "v", field: "connections", base: "10", new: "20")])
        #expect(ConfigurationChange.comparableURL("http://example.com:8080/x") == "http://example.com:8080/x")
        #expect(ConfigurationChange.comparableURL("http://[::1]:9/x") == "http://[::1]/x")
    }

    /// `volley compare`: changed settings exit 2 unless allowed; inconclusive exits 0, or 1 with --strict;
    /// a folder is pooled as repeats.
    @Test func compareCommandExitCodes() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ report: RunReport) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try report.write(to: path)
            return path
        }
        let base = try file("base.json", ReportFixtures.report([repeated("v", rates: [1000, 600, 1400])]))
        let noisy = try file("noisy.json", ReportFixtures.report([repeated("v", rates: [900, 1300, 500])]))
        let wider = try file("wider.json", ReportFixtures.report([repeated("v", rates: [1000, 600, 1400], connections: 50)]))
        #expect(VolleyMain.run(["compare", base, noisy]) == 0)
        #expect(VolleyMain.run(["compare", base, noisy, "--strict"]) == 1)
        #expect(VolleyMain.run(["compare", base, wider]) == 2)
        #expect(VolleyMain.run(["compare", base, wider, "--allow-config-change"]) == 0)
        // Three single-repeat files in a folder are one side with three repeats.
        for (i, rate) in [1000.0, 1010, 990].enumerated() {
            _ = try file("a/\(i).json", ReportFixtures.report([repeated("v", rates: [rate])]))
            _ = try file("b/\(i).json", ReportFixtures.report([repeated("v", rates: [rate * 0.7])]))
        }
        let pooled = try ResultPool.load(dir.appendingPathComponent("a").path)
        #expect(pooled.variants[0].repeats?.count == 3)
        #expect(VolleyMain.run(["compare", dir.appendingPathComponent("a").path, dir.appendingPathComponent("b").path]) == 1)
        #expect(VolleyMain.run(["compare", dir.appendingPathComponent("a").path, dir.appendingPathComponent("a").path]) == 0)
    }

    /// The source comes from VOLLEY_COMMIT first, then git, then the CI variables.
    @Test func sourceDetection() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(SourceInfo.detect(environment: ["VOLLEY_COMMIT": "abc", "GITHUB_SHA": "def"], directory: dir.path)
                == SourceInfo(commit: "abc", origin: "VOLLEY_COMMIT"))
        #expect(SourceInfo.detect(environment: ["CI_COMMIT_SHA": "c1", "CI_COMMIT_REF_NAME": "feature"], directory: dir.path)
                == SourceInfo(commit: "c1", branch: "feature", origin: "CI_COMMIT_SHA"))
        #expect(SourceInfo.detect(environment: ["GITHUB_SHA": "g1", "GITHUB_REF_NAME": "main"], directory: dir.path)?.branch == "main")
        #expect(SourceInfo.detect(environment: [:], directory: dir.path) == nil)
        // A real repository: its commit and branch.
        func git(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", dir.path, "-c", "user.name=t", "-c", "user.email=t@t"] + args
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run(); p.waitUntilExit()
        }
        try git(["init", "-q", "-b", "trunk"])
        try git(["commit", "-q", "--allow-empty", "-m", "x"])
        let found = try #require(SourceInfo.detect(environment: ["GITHUB_SHA": "g1"], directory: dir.path))
        #expect(found.origin == "git" && found.branch == "trunk" && found.commit?.count == 40 && found.dirty == false)
    }
}
