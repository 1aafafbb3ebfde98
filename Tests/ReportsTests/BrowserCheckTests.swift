import Foundation
import Metrics
import Scenario
import TestSupport
import Testing
@testable import Reports

/// Headless Chromium, when installed (`scripts/deps.sh` installs Debian's `chromium`).
enum Browser {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct SelfCheck: Decodable {
        var charts: Int
        /// The charts' titles (`aria-label`), in page order.
        var labels: [String]
        var flames: Int
        var problems: [String]
        var errors: [String]
    }

    /// Loads `page` at `width` px, lets its scripts run, and returns the self-check the page wrote
    /// into its DOM, with Chromium's own console errors. Bounded by `timeout(1)` (which kills the
    /// whole process group); each load gets its own profile folder so parallel runs do not collide.
    static func check(_ page: URL, width: Int) throws -> (SelfCheck, consoleErrors: [String]) {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("volley-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", "90", path!, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--user-data-dir=\(profile.path)", "--window-size=\(width),2000",
                             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", page.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot stall Chromium.
        let errData = Locked<Data>(Data())
        let errRead = DispatchSemaphore(value: 0)
        let errReader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()); errRead.signal() }
        errReader.start()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Chromium (and `timeout`) have exited: its standard error is at its end, the reader finishing.
        _ = errRead.wait(timeout: .now() + 10)
        let stderr = String(decoding: errData.value, as: UTF8.self)
        guard let open = dom.range(of: "<pre id=\"volley-selfcheck\" hidden=\"\">"),
              let close = dom[open.upperBound...].range(of: "</pre>") else {
            throw BrowserFailure(message: "no self-check in the DOM (exit \(process.terminationStatus)); stderr: \(stderr.suffix(2000))")
        }
        let json = String(dom[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let result = try JSONDecoder().decode(SelfCheck.self, from: Data(json.utf8))
        // Console messages of level error, and uncaught exceptions, as Chromium logs them.
        let console = stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") && ($0.contains("Uncaught") || $0.contains("ERROR:CONSOLE")) }.map(String.init)
        return (result, console)
    }

    struct BrowserFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }
}

@Suite(.serialized) struct BrowserCheckTests {
    /// Each kind of page (a bench with flame graphs and a failed threshold, a constant-rate run,
    /// a comparison with differential flame graphs, a trend over a folder of results) loads in
    /// headless Chromium, at desktop and phone width, with no console error, every chart drawn, no
    /// text in a chart running into other text and no flame-graph title running into its sample
    /// count; the CPU of server and generator, the server's loop lag and DB wait per second are
    /// drawn on the bench's and the rate run's time axis.
    @Test(.enabled(if: Browser.path != nil, "chromium is not installed (scripts/deps.sh installs Debian's chromium); the browser check did not run"),
          .timeLimit(.minutes(5)))
    func everyKindOfPageRendersCleanly() throws {
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bench = try ReportSamples.bench(count: 4, directory: dir)
        var newer = try ReportSamples.bench(count: 4, directory: dir, failing: false)
        newer.variants[1].summary.requestsPerSecond *= 0.8
        let comparison = try Comparison.compare(base: bench, new: newer, basePath: "base.json", newPath: "new.json")
        // name, page, at least this many charts, flame graphs, charts that must be there (by title prefix).
        let pages: [(String, String, Int, Int, [String])] = [
            ("bench.html", HTMLReport.render(bench, baseDirectory: dir.path), 6 + 4 + 2 + 2, 4,
             ["CPU of the server", "CPU of the generator", "Server event-loop lag", "Server DB wait"]),
            ("rate.html", HTMLReport.render(ReportSamples.rateRun(), baseDirectory: dir.path), 6 + 2, 0,
             ["CPU: server and generator", "Server event-loop lag", "Server DB wait"]),
            ("comparison.html", ComparisonPage.render(base: bench, new: newer, comparison: comparison, baseDirectory: dir.path, newDirectory: dir.path), 3, 4, []),
            ("trend.html", TrendReport.html(ReportSamples.trend(), title: "ci-smoke"), 4, 0,
             ["Requests/sec across runs", "p50 latency across runs", "p99 latency across runs", "p99.9 latency across runs"]),
        ]
        for (name, html, minimumCharts, flames, required) in pages {
            let url = dir.appendingPathComponent(name)
            try Data(html.utf8).write(to: url)
            for width in [1280, 390] {
                let (check, console) = try Browser.check(url, width: width)
                #expect(check.problems.isEmpty, "\(name) at \(width) px: \(check.problems)")
                #expect(check.errors.isEmpty, "\(name) at \(width) px: \(check.errors)")
                #expect(console.isEmpty, "\(name) at \(width) px: \(console)")
                #expect(check.charts >= minimumCharts, "\(name): \(check.charts) charts")
                #expect(check.flames == flames, "\(name): \(check.flames) flame graphs")
                for title in required {
                    // Present, and (with no problem reported above) drawn.
                    #expect(check.labels.contains { $0.hasPrefix(title) }, "\(name) has no chart `\(title)`: \(check.labels)")
                }
            }
        }
    }

    /// The self-check is not a formality: a chart with nothing drawn, text running into other text
    /// in a chart, a title over its sample count and a script error are reported.
    @Test(.enabled(if: Browser.path != nil, "chromium is not installed (scripts/deps.sh installs Debian's chromium); the browser check did not run"),
          .timeLimit(.minutes(2)))
    func selfCheckCatchesProblems() throws {
        let dir = try makeTemporaryDirectory("volley-reports")
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = SVG.open(width: 100, height: 50, title: "empty chart") + "</svg>"
        let crowded = SVG.open(width: 200, height: 50, title: "crowded chart") + "<circle class=\"mark\" cx=\"5\" cy=\"5\" r=\"3\"/>"
            + "<text x=\"20\" y=\"30\">a1b2c3d4</text><text x=\"40\" y=\"32\">e5f6a7b8</text><text x=\"150\" y=\"30\">apart</text></svg>"
        // A flame graph whose sample count is pushed over its title.
        let flame = CallTree(folded: "main;work 3\n").html(title: "a title long enough to reach the count", subtitle: "3 samples")
        let overlap = "<style>.fhead{position:relative}.fcount{position:absolute;left:0;top:0}</style>"
        let page = HTMLPage.wrap(title: "broken", body: "<figure>\(empty)</figure><figure>\(crowded)</figure>\(overlap)\(flame)<script>undefinedFunction()</script>")
        let url = dir.appendingPathComponent("broken.html")
        try Data(page.utf8).write(to: url)
        let (check, _) = try Browser.check(url, width: 800)
        #expect(check.problems == ["chart with no drawn marks: empty chart",
                                   "overlapping text in chart crowded chart: \"a1b2c3d4\" and \"e5f6a7b8\"",
                                   "flame graph title overlaps its sample count: a title long enough to reach the count"])
        #expect(check.labels == ["empty chart", "crowded chart"])
        #expect(check.errors.contains { $0.contains("undefinedFunction") })
    }
}
