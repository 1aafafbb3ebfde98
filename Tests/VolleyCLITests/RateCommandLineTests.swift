import Foundation
import TestSupport
import Testing
@testable import Metrics

@Suite(.serialized) struct RateCommandLineTests {
    /// -R prints corrected and uncorrected latency side by side, the schedule lag and the asked rate; --json and --hlog record them.
    @Test func constantRateRun() throws {
        let server = try VolleyServer.fixture("precise:1000")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("volley-rate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("run.json").path, hlog = dir.appendingPathComponent("run.hlog").path
        let result = try runVolley(["-t2", "-c4", "-d1200ms", "-R", "300", "--latency", "--json", json, "--hlog", hlog, server.url])
        #expect(result.code == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[1] == "  2 threads and 4 connections, 300 requests/sec (constant rate)")
        #expect(lines[3].hasPrefix("    Latency ") && lines[4].hasPrefix("    Uncorr. ") && lines[5].hasPrefix("    Req/Sec "))
        #expect(lines[6] == "  Latency Distribution (corrected / uncorrected)")
        #expect(result.out.contains("  Detailed Percentile spectrum (corrected):"))
        #expect(result.out.contains("\n  Schedule lag: p50 "))
        #expect(result.out.contains("\n  Asked 3"))
        #expect(!result.out.contains("Warning"))
        let report = try RunReport.load(from: json)
        let variant = try #require(report.variants.first)
        #expect(variant.configuration.rate == 300)
        #expect(variant.uncorrectedLatencyHistogram != nil && variant.pacing != nil && variant.generator?.threads.count == 2)
        #expect(variant.perSecond.first?.p99Micros != nil)
        let log = try HistogramLog.parse(String(contentsOfFile: hlog, encoding: .utf8))
        #expect(log.count == 2)
        #expect(log.reduce(0) { $0 + $1.histogram.totalCount } == variant.summary.requests)
        // Where HdrHistogram's own Java implementation is installed (Debian: libhdrhistogram-java), it reads the log too.
        if let processed = try hdrHistogramJavaSummary(hlog) {
            #expect(processed.contains("Total count    = \(String(repeating: " ", count: max(0, 12 - "\(variant.summary.requests)".count)))\(variant.summary.requests)]"),
                    "\(processed)")
        } else {
            // Not a failure (the log was checked above), but the skipped cross-check says why.
            Issue.record("the .hlog cross-check with HdrHistogram Java did not run: /usr/bin/java or /usr/share/java/hdrhistogram.jar (libhdrhistogram-java) is missing",
                         severity: .warning)
        }
    }

    /// -R with pipelining, or a malformed rate, is bad usage.
    @Test(arguments: [(["-R", "100", "-p", "4"], "pipelining"), (["-R", "fast"], "invalid rate"), (["-R", "0"], "invalid rate")])
    func badRateUsage(arguments: [String], mentions: String) throws {
        let result = try runVolley(["-d1s"] + arguments + ["http://127.0.0.1:1/"])
        #expect(result.code == 2)
        #expect(result.err.contains(mentions), "\(result.err)")
    }

    /// probe prints its curve and its answer; when nothing meets the bound it exits 1.
    @Test func probeExitCodes() throws {
        // The search itself is tested against a capacity-capped server in ProbeSearchTests; here the command's paths.
        let server = try VolleyServer.fixture("ok")
        let found = try runVolley(["probe", "--p99", "500ms", "-t1", "-c4", "--step-duration", "500ms", "--start-rate", "200",
                                   "--max-rate", "400", server.url])
        #expect(found.code == 0, "\(found.out)\(found.err)")
        #expect(found.out.contains("Highest rate with p99 <= 500.00ms: 400 req/s"))
        #expect(found.out.contains("asked/s  achieved/s"))
        let silent = try VolleyServer.fixture("silent")
        let none = try runVolley(["probe", "--p99", "5ms", "-t1", "-c2", "--step-duration", "150ms", "--timeout", "50ms", silent.url])
        #expect(none.code == 1, "\(none.out)\(none.err)")
        #expect(none.out.contains("No rate tried kept p99"))
        let bad = try runVolley(["probe", "--p99", "soon", "http://127.0.0.1:1/"])
        #expect(bad.code == 2)
    }
}

/// The summary lines HdrHistogram Java's HistogramLogProcessor prints for an interval log, or nil without Java or the jar.
func hdrHistogramJavaSummary(_ path: String) throws -> String? {
    let jar = "/usr/share/java/hdrhistogram.jar"
    guard FileManager.default.fileExists(atPath: jar), FileManager.default.isExecutableFile(atPath: "/usr/bin/java") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/java")
    process.arguments = ["-cp", jar, "org.HdrHistogram.HistogramLogProcessor", "-i", path, "-outputValueUnitRatio", "1000"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("#[") }.joined(separator: "\n")
}
