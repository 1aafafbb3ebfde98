import Foundation
import Metrics
import Profiler
import Scenario
import TestSupport
import Testing
@testable import Reports

@Suite struct HTMLReportTests {
    /// A 2 s run's timeline has twenty 100 ms points, at their slices' middles from 0.05 s, and an axis from 0 s to 2 s.
    @Test func shortRunTimelineResolution() {
        let series = TimeSeries(ReportSamples.variant("v", index: 0, seconds: 2))
        #expect(series.points.count == 20)
        #expect(series.resolution == "100 ms")
        #expect(abs(series.points[0].middle - 0.05) < 1e-9)
        let html = ReportCharts.timelines(ReportFixtures.report([ReportSamples.variant("v", index: 0, seconds: 2)]))
        #expect(html.contains("Requests/sec (100 ms slices)"))
        #expect(html.contains(">0s<") && html.contains(">2s<") && !html.contains(">3s<"))
    }

    /// The spread of a latency percentile over the slices is in the slices' own range, in µs.
    @Test func latencySpreadInRange() throws {
        let series = TimeSeries(ReportSamples.variant("v", index: 0, seconds: 2, centreMicros: 2_000))
        let values = series.points.compactMap(\.p50Micros).map { Double($0) }
        let spread = try #require(series.latencySpread(\.p50Micros))
        #expect(spread.low >= values.min()! && spread.high <= values.max()! && spread.low < spread.high)
        #expect(spread.low > 500)
    }

    /// A result from an older engine (no timeline) falls back to whole seconds, and the last,
    /// partial second is divided by its true length rather than shown as a drop.
    @Test func perSecondFallback() {
        var v = ReportSamples.variant("v", index: 0, seconds: 2)
        v.timeline = nil
        v.summary.elapsedSeconds = 1.5
        v.perSecond = [SecondSlice(second: 0, requests: 1000), SecondSlice(second: 1, requests: 500)]
        let series = TimeSeries(v)
        #expect(series.resolution == "1 s")
        #expect(series.points.map(\.rate) == [1000, 1000])
    }

    /// The server's and the generator's CPU share the time axis with the other timelines: one
    /// chart with a line each (server solid, generator dashed) for a few variants, a chart each for
    /// many; the server table gives the server's CPU and its CPU per request.
    @Test func cpuOfServerAndGenerator() throws {
        let one = HTMLReport.render(ReportFixtures.report([ReportSamples.variant("v", index: 0, seconds: 2)]))
        #expect(one.contains("aria-label=\"CPU: server and generator (100 ms slices)\""))
        #expect(one.contains("<title>server</title></polyline>") && one.contains("<title>generator</title></polyline>"))
        #expect(one.contains(">CPU (% of one core)<"))
        // Slice 0 of sample variant 0: the server at 60% × the slice's load, drawn at its middle (0.05 s).
        let v = ReportSamples.variant("v", index: 0, seconds: 2)
        let first = try #require(v.timeline?.slices.first?.serverCpuPercent)
        #expect(first > 40 && first < 80)
        #expect(one.contains("<th class=\"n\">server CPU</th><th class=\"n\">server CPU/req</th>"))
        #expect(one.contains("<td class=\"n\">62%</td>"))
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let many = HTMLReport.render(try ReportSamples.bench(count: 4, directory: dir))
        #expect(many.contains("aria-label=\"CPU of the server (100 ms slices)\"") && many.contains("aria-label=\"CPU of the generator (100 ms slices)\""))
        // A result from before the CPU series has no CPU chart, and no empty one.
        var old = ReportSamples.variant("v", index: 0, seconds: 2)
        for i in old.timeline!.slices.indices { old.timeline!.slices[i].generatorCpuPercent = nil; old.timeline!.slices[i].serverCpuPercent = nil }
        #expect(!HTMLReport.render(ReportFixtures.report([old])).contains("aria-label=\"CPU"))
    }

    /// With `--repeat`, the time axis, the last slice and the server's CPU share follow the median
    /// repeat the series come from, not the repeats' summed time.
    @Test func repeatedVariantKeepsItsRunsLength() {
        var v = ReportSamples.variant("v", index: 0, seconds: 2)
        v.repeats = [ReportSamples.variant("v", index: 1, seconds: 2), v, ReportSamples.variant("v", index: 2, seconds: 2)]
        v.summary.elapsedSeconds = 6
        #expect(v.seriesElapsedSeconds == 2)
        #expect(TimeSeries(v).points.count == 20)
        let html = HTMLReport.render(ReportFixtures.report([v]))
        #expect(html.contains(">2s<") && !html.contains(">6s<"))
        #expect(html.contains("<td class=\"n\">62%</td>"))
    }

    /// Charts scale with the page: a viewBox, no fixed pixel width.
    @Test func chartsScale() {
        let html = HTMLReport.render(ReportSamples.rateRun())
        #expect(html.contains("viewBox=\"0 0 1000 "))
        #expect(!html.contains("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width="))
        #expect(html.contains("svg.chart{display:block;width:100%;height:auto"))
    }

    /// A constant-rate run shows asked against achieved rate, corrected against uncorrected
    /// latency, the schedule lag, and its rate in the configuration table.
    @Test func constantRateSection() {
        let html = HTMLReport.render(ReportSamples.rateRun())
        #expect(html.contains("Constant-rate runs"))
        #expect(html.contains("Asked vs achieved requests/sec (100 ms slices)"))
        #expect(html.contains("<title>asked</title>") && html.contains("<title>achieved</title>"))
        #expect(html.contains("<title>corrected</title>") && html.contains("<title>uncorrected</title>"))
        #expect(html.contains("schedule lag p50"))
        #expect(html.contains("<th class=\"n\">rate (req/s)</th>"))
        #expect(html.contains("<td class=\"n\">2000</td>"))
    }

    /// Thresholds give a FAIL headline naming what failed and a coloured row per check; the Markdown says the same first.
    @Test func thresholdHeadline() throws {
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let failing = try ReportSamples.bench(count: 2, directory: dir)
        let html = HTMLReport.render(failing, baseDirectory: dir.path)
        #expect(html.contains("<div class=\"headline fail\">FAIL — 1 of 2 thresholds failed"))
        #expect(html.contains("<tr class=\"FAIL\">") && html.contains("<tr class=\"PASS\">"))
        let md = MarkdownReport.render(failing)
        #expect(md.hasPrefix("## Volley: sample — ❌ FAIL (1 of 2 thresholds)\n"))
        #expect(md.contains("| ❌ **FAIL** | variant-1-with-a-rather-long-descriptive-name | `p99 < 1ms` | p99 = 9.87ms |"))
        let passing = try ReportSamples.bench(count: 2, directory: dir, failing: false)
        #expect(HTMLReport.render(passing, baseDirectory: dir.path).contains("<div class=\"headline pass\">PASS — all 1 thresholds hold</div>"))
        #expect(MarkdownReport.render(passing).hasPrefix("## Volley: sample — ✅ PASS\n"))
    }

    /// Variants are compared first: bars for req/s, p50 and p99, the best one marked, a whisker per bar.
    @Test func variantsComparedFirst() throws {
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = HTMLReport.render(try ReportSamples.bench(count: 4, directory: dir), baseDirectory: dir.path)
        let compared = try #require(html.range(of: "Variants compared"))
        let summary = try #require(html.range(of: "<h2>Summary</h2>"))
        #expect(compared.lowerBound < summary.lowerBound)
        #expect(html.components(separatedBy: "★ best").count - 1 == 3)
        #expect(html.components(separatedBy: "class=\"spread\"").count - 1 == 12)
        #expect(html.contains("Most requests/sec: <b>variant-3-with-a-rather-long-descriptive-name</b>"))
    }

    /// With `--repeat`, a variant's whiskers run from its slowest to its fastest repeat, and the note says so.
    @Test func repeatSpreadWhiskers() throws {
        var a = ReportSamples.variant("a", index: 0, seconds: 2)
        var fast = a, slow = a
        fast.summary.requestsPerSecond = a.summary.requestsPerSecond * 1.2
        slow.summary.requestsPerSecond = a.summary.requestsPerSecond * 0.7
        a.repeats = [slow, fast]
        let range = try #require(HTMLReport.repeatRange(a) { $0.summary.requestsPerSecond })
        #expect(range.low == slow.summary.requestsPerSecond && range.high == fast.summary.requestsPerSecond)
        let b = ReportSamples.variant("b", index: 1, seconds: 2)
        #expect(HTMLReport.repeatRange(b) { $0.summary.requestsPerSecond } == nil)
        let mixed = HTMLReport.render(ReportFixtures.report([a, b]))
        #expect(mixed.contains("for variants measured more than once"))
        var b2 = b
        b2.repeats = [b, b]
        #expect(HTMLReport.render(ReportFixtures.report([a, b2])).contains("the lowest to the highest of each variant's repeats"))
    }

    /// Slow callbacks land on the latency timeline at their time since the load started.
    @Test func slowCallbackMarks() {
        let v = ReportSamples.variant("v", index: 0, seconds: 2)
        let marks = ServerSection.slowCallbackMarks(v)
        #expect(marks.count == 2)
        #expect(abs(marks[0].x - 0.55) < 0.002 && abs(marks[1].x - 1.25) < 0.002)
        let html = ReportCharts.timelines(ReportFixtures.report([v]))
        #expect(html.contains("slow callback (2)"))
        // The server gave its lag per second: drawn as a series, not as the run's flat p99.
        #expect(html.contains("Server event-loop lag, worst loop per second"))
        #expect(!html.contains("server loop lag p99"))
        var total = v
        total.server?["perSecond"] = nil
        let flat = ReportCharts.timelines(ReportFixtures.report([total]))
        #expect(flat.contains("server loop lag p99") && !flat.contains("Server event-loop lag") && !flat.contains("Server DB wait"))
    }

    /// The server's per-second series land on the load's time axis by wall clock: server second n
    /// starts at originUnixSeconds + n; seconds that barely touch the run are left out.
    @Test func serverPerSecondOnTheLoadAxis() {
        // The server started 2.3 s before the load: its seconds start at -2.3, -1.3, -0.3, 0.7, 1.7, 2.7.
        let v = ReportSamples.variant("v", index: 0, seconds: 2)
        let lag = ServerSection.perSecond(v, ServerSection.lagP99Key)
        #expect(lag.count == 3)
        let xs = lag.map(\.x), ys = lag.map(\.y)
        #expect(zip(xs, [0.35, 1.2, 1.85]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(xs)")
        #expect(ys.first == 152_000)
        // A second with no DB answer (null) has no point.
        let db = ServerSection.perSecond(v, ServerSection.dbWaitKey)
        #expect(db.count == 2 && abs(db[0].x - 0.35) < 1e-6 && abs(db[1].x - 1.85) < 1e-6, "\(db)")
        let html = ReportCharts.timelines(ReportFixtures.report([v]))
        #expect(html.contains("Server DB wait per operation"))
    }

    /// Reading the Profiler's SVG flame graph back gives the same tree: root total, and each frame's samples.
    @Test func callTreeFromProfilerSVG() throws {
        let profile = NamedProfile(hz: 99, stacks: [
            .init(thread: "t", frames: ["main", "a", "b"], count: 5),
            .init(thread: "t", frames: ["main", "a"], count: 2),
            .init(thread: "t", frames: ["main", "c <T>"], count: 3),
        ])
        let tree = try #require(CallTree(file: FlameGraphSVG.render(profile, title: "t")))
        #expect(tree.total == 10)
        let byName = Dictionary(tree.nodes.map { ($0.name, $0.samples) }, uniquingKeysWith: +)
        #expect(byName["main"] == 10 && byName["a"] == 7 && byName["b"] == 5 && byName["c <T>"] == 3)
        let folded = CallTree(folded: "main;a;b 5\nmain;a 2\nmain;c <T> 3\n")
        #expect(folded.total == 10 && folded.nodes.count == tree.nodes.count)
    }

    /// The differential tree keeps the new shape and each frame's change of share: `b` went from 50% to 20%.
    @Test func differentialTree() {
        let base = CallTree(folded: "main;a;b 5\nmain;c 5\n")
        let new = CallTree(folded: "main;a;b 2\nmain;c 8\n")
        let diff = CallTree.differential(base: base, new: new)
        let json = diff.json()
        #expect(diff.total == 10 && diff.baseTotal == 10)
        // [depth, x, width, name, samples, change in tenths of a point]: b is at depth 3, 20% wide, -30 points.
        #expect(json.contains("[3,0,0.2,3,2,-300]"))
        #expect(json.contains(",8,300]"))
    }

    /// A 16-variant bench with a profile per variant is one file under 2 MB with no external reference.
    @Test func sixteenVariantsUnderTwoMegabytes() throws {
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try ReportSamples.bench(count: 16, directory: dir, framesPerProfile: 400)
        let html = HTMLReport.render(report, baseDirectory: dir.path)
        #expect(html.components(separatedBy: "class=\"flame\"").count - 1 == 16)
        #expect(html.utf8.count < 2_000_000, "report is \(html.utf8.count) bytes")
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link") && !html.contains("@import"))
    }
}
