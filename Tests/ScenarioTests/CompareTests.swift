import Foundation
import Metrics
import TestSupport
import Testing
@testable import Reports
@testable import Scenario
import VolleyCLI

@Suite struct CompareTests {
    let base = ReportFixtures.report([
        ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(2000, 100, 10_000)),
        ReportFixtures.variant("async /", latenciesMicros: ReportFixtures.spread(2000, 100, 5_000)),
    ])

    /// Single runs: same figures are no change; slower latency and fewer requests beyond the
    /// tolerance are inconclusive (one run says nothing of run-to-run noise); more errors are a regression.
    @Test func verdicts() throws {
        let new = ReportFixtures.report([
            ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(2000, 100, 10_000)),
            ReportFixtures.variant("async /", latenciesMicros: ReportFixtures.spread(1800, 100, 6_000), errors: 1),
            ReportFixtures.variant("async /new", latenciesMicros: [100]),
        ])
        let c = try Comparison.compare(base: base, new: new)
        #expect(c.variants.map(\.name) == ["sync /", "async /"])
        #expect(c.variants[0].figures.allSatisfy { $0.verdict == .noChange })
        let figures = Dictionary(uniqueKeysWithValues: c.variants[1].figures.map { ($0.figure, $0) })
        #expect(figures["rps"]?.verdict == .inconclusive)      // 2000 → 1800 req/s is -10%
        #expect(abs((figures["rps"]?.change ?? 0) + 0.10) < 1e-9)
        #expect(figures["p99"]?.verdict == .inconclusive)
        #expect(figures["p99"]?.repeatsNeeded == Judgement.minimumRepeats)
        #expect(figures["errors"]?.verdict == .regression)
        #expect(figures["errors"]?.newCount == 1)
        #expect(c.onlyInNew == ["async /new"])
        #expect(c.hasRegression)
        let loose = try Comparison.compare(base: base, new: new, tolerances: RegressionTolerances(all: 0.5, errors: 0.01))
        #expect(!loose.hasRegression)
        let better = try Comparison.compare(base: new, new: base)
        #expect(better.variants[1].figures.first { $0.figure == "rps" }?.verdict == .inconclusive)
        #expect(better.variants[1].figures.first { $0.figure == "errors" }?.verdict == .improvement)
    }

    /// The command-line tolerance forms parse; nonsense does not.
    @Test func toleranceForms() {
        #expect(RegressionTolerances.parse("5%") == RegressionTolerances(all: 0.05))
        #expect(RegressionTolerances.parse("rps=3%,p99=10%") == RegressionTolerances(rps: 0.03, p50: 0.05, p99: 0.10, p999: 0.05, errors: 0))
        #expect(RegressionTolerances.parse("5") == nil)
        #expect(RegressionTolerances.parse("rsp=5%") == nil)
    }

    /// `volley compare` exits 0 on equal files, 0 on single runs that differ (inconclusive) or 1 with
    /// --strict, 2 on unusable input, saying why.
    @Test func exitCodes() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ report: RunReport) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try report.write(to: path)
            return path
        }
        let basePath = try file("base.json", base)
        let worse = try file("worse.json", ReportFixtures.report([
            ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(1000, 100, 30_000)),
        ]))
        let other = try file("other.json", ReportFixtures.report([ReportFixtures.variant("json", latenciesMicros: [100])]))
        let future = try file("future.json", ReportFixtures.report(base.variants, schemaVersion: 99))
        let garbage = dir.appendingPathComponent("garbage.json").path
        try Data("not json".utf8).write(to: URL(fileURLWithPath: garbage))

        #expect(VolleyMain.run(["compare", basePath, basePath]) == 0)
        #expect(VolleyMain.run(["compare", basePath, worse]) == 0)
        #expect(VolleyMain.run(["compare", basePath, worse, "--strict"]) == 1)
        #expect(VolleyMain.run(["compare", basePath, worse, "--strict", "--max-regression", "1000%"]) == 0)
        let seed = repositoryRoot.appendingPathComponent("scenarios/seed-pycon-2017.yaml").path
        #expect(VolleyMain.run(["compare", basePath, worse, "--strict", "--scenario", seed]) == 1)
        #expect(VolleyMain.run(["compare", basePath, worse, "--max-regression", "nonsense"]) == 2)
        #expect(VolleyMain.run(["compare", basePath, worse, "--strict", "--format", "json"]) == 1)
        #expect(VolleyMain.run(["compare", basePath, other]) == 2)
        #expect(VolleyMain.run(["compare", basePath, future]) == 2)
        #expect(VolleyMain.run(["compare", basePath, garbage]) == 2)
        #expect(VolleyMain.run(["compare", basePath, dir.appendingPathComponent("missing.json").path]) == 2)
        #expect(VolleyMain.run(["compare", basePath, basePath, "--format", "xml"]) == 2)
    }

    /// No common variant is unusable input, and the message names both sides' variants.
    @Test func noCommonVariants() {
        let other = ReportFixtures.report([ReportFixtures.variant("json", latenciesMicros: [100])])
        #expect(throws: Comparison.Unusable.self) { try Comparison.compare(base: base, new: other) }
        do { _ = try Comparison.compare(base: base, new: other) } catch {
            #expect(error.description.contains("no variant is in both files"))
            #expect(error.description.contains("sync /") && error.description.contains("json"))
        }
    }

    /// Text, Markdown, HTML and JSON renderings carry every figure and the verdict.
    @Test func renderings() throws {
        let new = ReportFixtures.report([ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(2000, 100, 30_000))])
        let c = try Comparison.compare(base: base, new: new, basePath: "a.json", newPath: "b.json")
        let text = ComparisonPrinter.render(c, format: .text)
        #expect(text.contains("variant  figure"))
        #expect(text.contains("inconclusive (~3 repeats)"))
        #expect(text.contains("only in base: async /"))
        #expect(text.hasSuffix("verdict: no regression found, but inconclusive (too noisy to tell) in sync / p50, sync / p99, sync / p99.9: more repeats would settle it\n"))
        let md = ComparisonPrinter.render(c, format: .md)
        #expect(md.contains("| sync / | p99 |"))
        #expect(md.contains("(1 run)"))
        let html = ComparisonPrinter.render(c, format: .html)
        #expect(html.contains("<td>sync /</td><td>p99</td>") && html.contains("(1 run)") && html.contains("only in base: async /"))
        let json = try JSONSerialization.jsonObject(with: Data(ComparisonPrinter.render(c, format: .json).utf8)) as? [String: Any]
        #expect((json?["variants"] as? [[String: Any]])?.count == 1)
    }
}
