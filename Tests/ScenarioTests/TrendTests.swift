import Reports
import Foundation
import Metrics
import TestSupport
import Testing
@testable import Scenario
import VolleyCLI

@Suite struct TrendTests {
    /// A folder of results becomes a trend in time order (not file-name order), with commit labels
    /// and spread; `volley report FOLDER` writes it as Markdown and HTML.
    @Test func trendOfAFolder() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs: [(file: String, createdAt: String, commit: String, rates: [Double])] = [
            ("b.json", "2025-03-01T12:00:00Z", "1111111111aaaa", [1000, 1100]),
            ("a.json", "2025-03-02T12:00:00Z", "2222222222bbbb", [900]),
        ]
        for run in runs {
            var report = ReportFixtures.report([repeated("v", rates: run.rates)])
            report.createdAt = run.createdAt
            report.source = SourceInfo(commit: run.commit, branch: "main", origin: "VOLLEY_COMMIT")
            try report.write(to: dir.appendingPathComponent(run.file).path)
        }
        let trend = try Trend.load(directory: dir.path)
        #expect(trend.runs.map(\.label) == ["11111111 (main)", "22222222 (main)"])
        let rps = try #require(trend.series.first { $0.variant == "v" && $0.figure == "rps" })
        #expect(rps.points.map { $0?.value } == [1050, 900])
        #expect(rps.points[0]?.spread != nil && rps.points[1]?.spread == nil)
        // Whiskers: the repeats' range; for a single run, the 10th to 90th percentile of its seconds.
        #expect(rps.points[0]?.low == 1000 && rps.points[0]?.high == 1100)
        #expect(rps.points[1]?.low == 891 && rps.points[1]?.high == 909)
        let md = TrendReport.markdown(trend, title: "t")
        #expect(md.contains("| 2025-03-01T12:00:00Z | 11111111 (main) | 1050 ±6.7% (n=2) |"))
        #expect(VolleyMain.run(["report", dir.path]) == 0)
        let html = try String(contentsOfFile: dir.appendingPathComponent("trend.html").path, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("22222222"))
        // The same page frame as the other reports: shared style, self-check, a chart per figure with whiskers.
        #expect(html.contains("svg.chart{display:block;width:100%") && html.contains("volley-selfcheck"))
        #expect(html.contains("aria-label=\"Requests/sec across runs\"") && html.contains("class=\"spread\""))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("trend.md").path))
        // Regenerating overwrites the derived files; an empty folder is bad input.
        #expect(VolleyMain.run(["report", dir.path]) == 0)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(VolleyMain.run(["report", empty.path]) == 2)
    }
}
