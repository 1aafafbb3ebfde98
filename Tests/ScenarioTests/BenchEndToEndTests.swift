import Foundation
import LoadGen
import Metrics
import PeerFixtures
import TestSupport
import Testing
@testable import Scenario
import VolleyCLI

/// Writes a scenario aimed at `server` into `dir` and returns its path.
func scenarioFile(_ dir: URL, _ name: String, server: FixtureServer, extra: String) throws -> String {
    let yaml = """
    name: \(name)
    url: http://127.0.0.1:\(server.port)/
    load:
      threads: 1
      connections: 4
      duration: 300ms
      warmup: 100ms
    matrix:
      connections: [2, 8]
    \(extra)
    """
    let path = dir.appendingPathComponent("\(name).yaml").path
    try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// The JSON result files under `dir/results/<name>`.
func resultFiles(_ dir: URL, _ name: String) -> [String] {
    let folder = dir.appendingPathComponent("results/\(name)")
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }
        .sorted().map { folder.appendingPathComponent($0).path }
}

@Suite(.serialized) struct BenchEndToEndTests {
    /// A small scenario against a loopback fixture runs both variants, writes a result file and
    /// reports, and passes its thresholds (exit 0); the result reads back with both variants.
    @Test func passingScenario() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try scenarioFile(dir, "e2e-pass", server: server, extra: "thresholds:\n  - errors == 0\n  - rps > 10\n  - p99 < 1s\n")
        let out = dir.appendingPathComponent("results").path
        #expect(VolleyMain.run(["bench", path, "--repeat", "1", "--out", out, "--report"]) == 0)
        let files = resultFiles(dir, "e2e-pass")
        #expect(files.count == 1)
        let report = try RunReport.load(from: try #require(files.first))
        #expect(report.scenario == "e2e-pass")
        #expect(report.variants.map(\.name) == ["c2", "c8"])
        #expect(report.variants.allSatisfy { $0.summary.requests > 0 && $0.generator != nil })
        #expect(report.variants[1].configuration.connections == 8)
        #expect(report.notes?.filter { $0.hasPrefix("threshold PASS") }.count == 6)
        let stem = (files[0] as NSString).deletingPathExtension
        #expect(FileManager.default.fileExists(atPath: stem + ".html"))
        #expect(try String(contentsOfFile: stem + ".md", encoding: .utf8).contains("| c8 |"))
        // A second run never replaces the first result.
        #expect(VolleyMain.run(["bench", path, "--repeat", "1", "--out", out, "--duration", "100ms"]) == 0)
        #expect(resultFiles(dir, "e2e-pass").count == 2)
        // The report command renders the result too.
        let html = dir.appendingPathComponent("r.html").path
        #expect(VolleyMain.run(["report", files[0], "--html", html, "--md", dir.appendingPathComponent("r.md").path]) == 0)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("<svg"))
    }

    /// A failing threshold exits 1, and the result file is still written.
    @Test func failingThreshold() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try scenarioFile(dir, "e2e-fail", server: server, extra: "thresholds:\n  c8: [\"rps > 100M\"]\n")
        #expect(VolleyMain.run(["bench", path, "--repeat", "1", "--out", dir.appendingPathComponent("results").path]) == 1)
        let report = try RunReport.load(from: try #require(resultFiles(dir, "e2e-fail").first))
        #expect(report.notes == ["threshold FAIL  c8  rps > 100M  (rps = \(Quantity.formatRate(report.variants[1].summary.requestsPerSecond)))"])
    }

    /// An invalid scenario, or one this build cannot run, exits 2 before any connection is made.
    @Test func refusedBeforeStarting() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("results").path
        let bad = try scenarioFile(dir, "e2e-bad", server: server, extra: "thresholds: [\"p99 <\"]\n")
        #expect(VolleyMain.run(["bench", bad, "--out", out]) == 2)
        let rate = try scenarioFile(dir, "e2e-rate", server: server, extra: "quick: {rate: 100, pipeline: 4}\n")
        #expect(VolleyMain.run(["bench", rate, "--out", out, "--quick"]) == 2)
        let servers = dir.appendingPathComponent("servers.yaml").path
        try Data("name: s\nserver: {model: async}\nload: {duration: 1s}\n".utf8).write(to: URL(fileURLWithPath: servers))
        #expect(VolleyMain.run(["bench", servers, "--out", out]) == 2)
        #expect(server.connectionsAccepted == 0)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A scenario with `rate` runs paced and achieves about the asked rate; one with weighted
    /// `paths` hits each path about in proportion to its weight.
    @Test func rateAndWeightedPaths() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("results").path
        let path = dir.appendingPathComponent("mix.yaml").path
        try Data("""
        name: mix
        url: http://127.0.0.1:\(server.port)/
        load:
          threads: 1
          connections: 4
          duration: 1s
          warmup: 100ms
          paths: {/a: 1, /b: 3}
        matrix:
          rate: [400, 1000]
        """.utf8).write(to: URL(fileURLWithPath: path))
        #expect(VolleyMain.run(["bench", path, "--repeat", "1", "--out", out]) == 0)
        let report = try RunReport.load(from: try #require(resultFiles(dir, "mix").first))
        #expect(report.variants.count == 2)
        for (variant, asked) in zip(report.variants, [400.0, 1000]) {
            #expect(variant.configuration.rate == asked)
            #expect(variant.summary.errors.total == 0)
            let rps = variant.summary.requestsPerSecond
            #expect(rps > asked * 0.85 && rps < asked * 1.1, "\(variant.name): \(rps) req/s for \(asked) asked")
            #expect(variant.notes?.contains("paths: /a ×1, /b ×3") == true)
        }
        server.stop()
        let a = server.requests(withPathStartingWith: UInt8(ascii: "a")), b = server.requests(withPathStartingWith: UInt8(ascii: "b"))
        let share = Double(b) / Double(a + b)
        #expect(a + b > 1000)
        #expect(share > 0.68 && share < 0.82, "share of /b: \(share)")
    }

    /// A variant whose target refuses connections stops the session with exit 2 and no result.
    @Test func unreachableTarget() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gone.yaml").path
        try Data("name: gone\nurl: http://127.0.0.1:1/\nload: {duration: 100ms}\n".utf8).write(to: URL(fileURLWithPath: path))
        let out = dir.appendingPathComponent("results").path
        #expect(VolleyMain.run(["bench", path, "--out", out]) == 2)
        #expect(resultFiles(dir, "gone").isEmpty)
    }

    /// Progress off a terminal is plain lines: no carriage returns or escape sequences.
    @Test func plainProgressLines() {
        let lines = LinesBox()
        let progress = BenchProgress(terminal: false) { lines.append($0) }
        progress.variantStarted("sync /", index: 0, count: 2)
        progress.phase("load", nanos: 1_000_000_000)
        progress.variantFinished(ReportFixtures.variant("sync /", latenciesMicros: [100, 200]))
        let text = lines.text
        #expect(text == "[1/2] sync /: starting\n[1/2] sync /: load 1s\n[1/2] sync /: 2 req/s, p99 200us, 0 errors\n")
    }
}

@Suite struct BenchProgressTests {
    /// On a terminal the status line is redrawn in place with the current rate; off one, a plain
    /// line is printed at most every 10 s.
    @Test func liveLines() {
        let tty = LinesBox()
        let onTerminal = BenchProgress(terminal: true) { tty.append($0) }
        onTerminal.variantStarted("async /", index: 1, count: 4)
        onTerminal.phase("load", nanos: 10_000_000_000)
        onTerminal.live(LiveProgress(elapsedNanos: 1_000_000_000, requests: 12_000, errors: 0))
        onTerminal.live(LiveProgress(elapsedNanos: 2_000_000_000, requests: 36_000, errors: 3))
        #expect(tty.text.hasSuffix("\r\u{1B}[2K[2/4] async /  load 2s/10s  24.0k req/s  3 errors"))
        #expect(!tty.text.contains("\n"))

        let plain = LinesBox()
        let offTerminal = BenchProgress(terminal: false) { plain.append($0) }
        offTerminal.variantStarted("x", index: 0, count: 1)
        offTerminal.phase("load", nanos: 30_000_000_000)
        for s in 1...12 { offTerminal.live(LiveProgress(elapsedNanos: UInt64(s) * 1_000_000_000, requests: UInt64(s) * 100)) }
        #expect(plain.text == "[1/1] x: starting\n[1/1] x: load 30s\n[1/1] x: load 10s/30s  100 req/s  0 errors\n")
    }
}

final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) { lock.lock(); parts.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
}
