import Foundation
import Metrics
import TestSupport
import Testing
@testable import Reports
@testable import Scenario

@Suite struct ReportTests {
    let report = ReportFixtures.report([
        ReportFixtures.variant("sync /", latenciesMicros: ReportFixtures.spread(3000, 200, 40_000), seconds: 3),
        ReportFixtures.variant("async <fetch>", latenciesMicros: ReportFixtures.spread(3000, 100, 9_000), seconds: 3, errors: 2,
                               server: ["slowCallbacks": [["handle": "<Handle cpu()>", "seconds": 0.152]], "slowCallbackCount": 1],
                               profiles: ["async.svg", "async.folded"]),
    ])

    /// When only `/debug/slow` answered (its object stored under `slowCallbacks`), its count
    /// and entries are what the table and the list show.
    @Test func slowCallbacksFromDebugSlowObject() {
        let variant = ReportFixtures.variant("cpu-in-loop", latenciesMicros: [150_000], seconds: 1,
                                             server: ["slowCallbacks": ["enabled": true, "slowCallbackCount": 39,
                                                                        "slowCallbacks": [["what": "GET /cpu?ms=150", "seconds": 0.15]]]])
        #expect(ServerStats.slowCallbackCount(variant) == 39)
        #expect(ServerStats.slowCallbacks(variant).count == 1)
    }

    /// The Markdown summary has the side-by-side table with every variant and the host.
    @Test func markdown() {
        let md = MarkdownReport.render(report)
        #expect(md.hasPrefix("## Volley: test\n"))
        #expect(md.contains("| variant | req/s | p50 | p90 | p99 | max | errors | gen CPU/req | srv CPU/req | slow cb |"))
        #expect(md.contains("| sync / | 1000 |"))
        #expect(md.contains("| async <fetch> | 1000 |"))
        #expect(md.contains("| 2 (0.07%) | - | - | 1 |"))
        #expect(md.contains("Test CPU, 2 CPUs"))
    }

    /// The HTML page is self-contained: inline SVG charts (the variants compared, requests/sec,
    /// errors/sec, the spectrum), one line per variant, escaped names, the slow-callback list,
    /// the flame graph drawn from the profile file, and nothing fetched from elsewhere.
    @Test func html() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("main;serve;flame_marker_frame 3\nmain 1\n".utf8).write(to: dir.appendingPathComponent("async.folded"))
        let html = HTMLReport.render(report, baseDirectory: dir.path)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3 + 3)   // req/s, p50, p99 bars; req/s, errors/s, spectrum
        #expect(html.contains("Latency by percentile distribution"))
        #expect(html.contains("99.9%"))
        #expect(html.components(separatedBy: "<polyline").count - 1 == 2 + 2 + 2)   // spectrum, req/s, errors/s
        #expect(html.contains("async &lt;fetch&gt;"))
        #expect(!html.contains("async <fetch>"))
        #expect(html.contains("&lt;Handle cpu()&gt;"))
        // The flame graph's frames are in the page, for its inline script to draw.
        #expect(html.contains("\"flame_marker_frame\""))
        #expect(html.contains("4 samples"))
        #expect(html.contains("flame graph async.svg not found"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        #expect(!html.contains("<script src") && !html.contains("<link"))
    }

    /// A missing flame graph is said, not fatal; a result without profiles has no such section.
    @Test func optionalSections() {
        let html = HTMLReport.render(report, baseDirectory: "/nonexistent")
        #expect(html.contains("flame graph async.svg not found"))
        let plain = HTMLReport.render(ReportFixtures.report([ReportFixtures.variant("x", latenciesMicros: [100, 200])]))
        #expect(!plain.contains("Flame graphs") && !plain.contains("Slow callbacks") && !plain.contains("Errors/sec"))
    }

    /// Variants far apart (over 100×) get a logarithmic latency axis so the fast one stays visible.
    @Test func spectrumLogAxis() {
        let close = ReportCharts.spectrum(ReportFixtures.report([ReportFixtures.variant("a", latenciesMicros: ReportFixtures.spread(100, 1000, 5_000))]))
        #expect(close.contains("latency (ms)<") && !close.contains("log scale)<"))
        let far = ReportCharts.spectrum(ReportFixtures.report([
            ReportFixtures.variant("fast", latenciesMicros: ReportFixtures.spread(100, 50, 200)),
            ReportFixtures.variant("slow", latenciesMicros: ReportFixtures.spread(100, 10_000, 900_000)),
        ]))
        #expect(far.contains("latency (ms, log scale)"))
        #expect(far.contains(">0.01<") && far.contains(">1000<"))
    }

    /// Per-second p99 is charted when the result has it, one line per variant, in milliseconds, on a time axis from 0.
    @Test func latencyOverTime() {
        var v = ReportFixtures.variant("x", latenciesMicros: [100, 200], seconds: 3)
        #expect(!ReportCharts.timelines(ReportFixtures.report([v])).contains("Latency ("))
        v.perSecond = [SecondSlice(second: 0, requests: 1, p99Micros: 1_000), SecondSlice(second: 1, requests: 1, p99Micros: 30_000),
                       SecondSlice(second: 2, requests: 1, p99Micros: 2_000)]
        let svg = ReportCharts.timelines(ReportFixtures.report([v]))
        #expect(svg.contains("Latency (1 s slices)"))
        #expect(svg.contains(">0s<") && svg.contains(">3s<"))
        #expect(svg.contains(">30<"))   // the y axis reaches 30 ms
    }

    /// The spectrum follows the histogram: the last point of a line is the recorded maximum.
    @Test func spectrumReachesMax() {
        let svg = ReportCharts.spectrum(ReportFixtures.report([ReportFixtures.variant("x", latenciesMicros: ReportFixtures.spread(100, 1000, 20_000))]))
        #expect(svg.contains("<polyline"))
        #expect(svg.contains(">20<"))   // the y axis reaches 20 ms
    }
}
