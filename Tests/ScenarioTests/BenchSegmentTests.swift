import Foundation
import Metrics
import PeerFixtures
import TestSupport
import Testing
import VolleyCLI

@Suite(.serialized) struct BenchSegmentTests {
    /// `bench --segment` runs each variant's share of the schedule; the merged variants hold the whole schedule.
    @Test func segmentedBenchMerges() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try scenarioFile(dir, "segmented", server: server, extra: "")
        // Constant rate over the whole run: 400 requests/sec for 1 s, split between two generators.
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "duration: 300ms", with: "duration: 1s\n  rate: 400")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        var files: [String] = []
        for index in 0..<2 {
            let out = dir.appendingPathComponent("results-\(index)").path
            #expect(VolleyMain.run(["bench", path, "--out", out, "--segment", "\(index)/2"]) == 0)
            let folder = "\(out)/segmented"
            files += try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.map { "\(folder)/\($0)" }
        }
        #expect(files.count == 2)
        let reports = try files.map { try RunReport.load(from: $0) }
        #expect(reports.map { $0.variants.map { $0.segment?.index } } == [[0, 0], [1, 1]])
        let merged = try RunMerge.merge(zip(files, reports).map { SegmentFile(path: $0, report: $1) })
        #expect(merged.variants.map(\.name) == ["c2", "c8"])
        for (v, variant) in merged.variants.enumerated() {
            #expect(variant.summary.requests == reports[0].variants[v].summary.requests + reports[1].variants[v].summary.requests)
            #expect(abs(Double(variant.summary.requests) - 400) <= 400 * 0.02, "\(variant.name): \(variant.summary.requests)")
            #expect(variant.latencyHistogram.totalCount == variant.summary.requests)
        }
    }

    /// A segmented bench refuses `server:` variants (each generator would load its own server).
    @Test func serverScenariosAreRefused() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("served.yaml").path
        try "name: served\nserver: {model: async}\nload: {duration: 100ms}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(VolleyMain.run(["bench", path, "--out", dir.path, "--segment", "0/2"]) == 2)
        #expect(resultFiles(dir, "served").isEmpty)
    }
}
