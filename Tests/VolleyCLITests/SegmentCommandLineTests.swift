import Foundation
import Histogram
import Metrics
import TestSupport
import Testing

/// A `volley` child with its own environment, output in files; SIGKILLed if the test leaves it running.
private final class VolleyProcess {
    let process = Process()
    let errPath: String

    init(_ arguments: [String], environment extra: [String: String], errPath: String) throws {
        process.executableURL = volleyExecutable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["JOB_COMPLETION_INDEX", "VOLLEY_SEGMENTS", "VOLLEY_START_AT"] { environment[name] = nil }
        environment.merge(extra) { $1 }
        process.environment = environment
        self.errPath = errPath
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
    }

    /// Waits for the exit (at most `timeout` seconds) and returns its status and standard error.
    func finish(timeout: TimeInterval = 60) -> (code: Int32, err: String) {
        if waitForExit(process, seconds: timeout) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

/// Runs `count` segments of one run as local processes, with the environment an Indexed Job gives
/// (JOB_COMPLETION_INDEX, VOLLEY_SEGMENTS, VOLLEY_START_AT), all starting at one instant `lead` ahead.
private func startSegments(count: Int, arguments: [String], url: String, directory: String, lead: Double = 2,
                           only: [Int]? = nil) throws -> (processes: [Int: VolleyProcess], startAtMillis: UInt64) {
    let startAt = UInt64((Date().timeIntervalSince1970 + lead) * 1000)
    var processes: [Int: VolleyProcess] = [:]
    for index in only ?? Array(0..<count) {
        processes[index] = try VolleyProcess(arguments + ["--quiet", "--json", "\(directory)/segment-\(index).json", url],
                                             environment: ["JOB_COMPLETION_INDEX": "\(index)", "VOLLEY_SEGMENTS": "\(count)",
                                                           "VOLLEY_START_AT": "\(startAt)"],
                                             errPath: "\(directory)/segment-\(index).err")
    }
    return (processes, startAt)
}

/// Waits (at most `timeout` seconds) until process `pid` runs a load thread (named `volley-0`).
private func waitForLoadThread(_ pid: Int32, timeout: TimeInterval = 30) -> Bool {
    waitUntil(seconds: timeout) {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.contains { task in
            let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)
            return name?.trimmingCharacters(in: .whitespacesAndNewlines) == "volley-0"
        }
    }
}

@Suite(.serialized) struct SegmentCommandLineTests {
    /// Four segment processes at -R 4000 against one loopback server merge into the single-machine schedule:
    /// the request count, the histogram count and every percentile are those of the added histograms,
    /// and the merged run is close to one process doing the whole run.
    @Test func fourSegmentsMergeIntoOneRun() throws {
        let server = try VolleyServer.fixture("ok")
        let dir = try makeTemporaryDirectory("volley-segments").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seconds = 3.0
        // 32 connections (8 per segment): after a stall on this shared machine, a segment catches up on several at once.
        let load = ["-t1", "-c32", "-d3s", "-R", "4000"]
        let (segments, startAt) = try startSegments(count: 4, arguments: load, url: server.url, directory: dir)
        for (index, process) in segments.sorted(by: { $0.key < $1.key }) {
            let result = process.finish()
            #expect(result.code == 0, "segment \(index): \(result.err)")
            #expect(result.err.contains("volley: segment \(index)/4 waits") || result.err.contains("starts"), "\(result.err)")
        }
        let files = (0..<4).map { "\(dir)/segment-\($0).json" }
        let reports = try files.map { try RunReport.load(from: $0) }
        for (index, report) in reports.enumerated() {
            let segment = try #require(report.variants[0].segment)
            #expect(segment.index == index && segment.count == 4 && segment.completed)
            #expect(segment.startAtEpochMillis == startAt)
            #expect(report.variants[0].configuration.connections == 32)
            #expect(report.variants[0].configuration.threads == 1)
        }

        let merged = "\(dir)/merged.json"
        let merge = try runVolley(["merge", "-o", merged] + files.reversed())
        #expect(merge.code == 0, "\(merge.err)")
        #expect(merge.out.contains("merged 4 segments into \(merged)"))
        let variant = try #require(try RunReport.load(from: merged).variants.first)
        let expected = 4000 * seconds
        // A generator starved of CPU (a shared machine under heavy load) cannot send the end of its schedule: say which.
        let health = reports.map { r in
            let v = r.variants[0]
            return "segment \(v.segment!.index): \(v.summary.requests) in \(v.summary.elapsedSeconds) s, lag max \(v.pacing!.scheduleLag.maxMicros) µs"
        }.joined(separator: "; ")
        #expect(abs(Double(variant.summary.requests) - expected) <= expected * 0.005, "\(variant.summary.requests) requests: \(health)")
        #expect(variant.summary.requests == reports.reduce(0) { $0 + $1.variants[0].summary.requests })
        #expect(variant.latencyHistogram.totalCount == reports.reduce(0) { $0 + $1.variants[0].latencyHistogram.totalCount })
        #expect(variant.perSecond.reduce(0) { $0 + $1.requests } == variant.summary.requests)
        var added = LoadMeasurement.makeLatencyHistogram(), addedUncorrected = LoadMeasurement.makeLatencyHistogram()
        for report in reports {
            added.add(try report.variants[0].segment!.latency.decode())
            addedUncorrected.add(try report.variants[0].segment!.uncorrectedLatency!.decode())
        }
        #expect(variant.latency == LatencyStats(added))
        #expect(variant.uncorrectedLatency == LatencyStats(addedUncorrected))
        #expect(variant.latencyHistogram == EncodedHistogram(added))
        #expect(variant.configuration.threads == 4 && variant.configuration.rate == 4000)
        // Asked: each segment's share of the schedule by its own end, summed.
        #expect(variant.pacing?.askedRequests == reports.reduce(0) { $0 + $1.variants[0].pacing!.askedRequests })
        #expect(variant.pacing.map { Double($0.askedRequests) >= expected } == true)

        // One process doing the whole run at the same rate.
        let single = "\(dir)/single.json"
        let whole = try runVolley(["-t1", "-c32", "-d3s", "-R", "4000", "--quiet", "--json", single, server.url])
        #expect(whole.code == 0, "\(whole.err)")
        let one = try #require(try RunReport.load(from: single).variants.first)
        // The same schedule: what the single process was asked by its end is what the four
        // segments were asked together (the striping loses and duplicates nothing).
        let oneAsked = Double(one.pacing?.askedRequests ?? 0), mergedAsked = Double(variant.pacing?.askedRequests ?? 0)
        #expect(abs(oneAsked - mergedAsked) <= expected * 0.005, "asked: one \(oneAsked), merged \(mergedAsked)")
        // And the same requests sent, within what a generator starved by other work on a shared
        // machine can fall behind at the end of its schedule (its lag says so when it does).
        let oneHealth = "one: \(one.summary.requests) in \(one.summary.elapsedSeconds) s, lag max \(one.pacing?.scheduleLag.maxMicros ?? 0) µs"
        #expect(abs(Double(one.summary.requests) - Double(variant.summary.requests)) <= expected * 0.04,
                "merged \(variant.summary.requests); \(oneHealth); \(health)")
        #expect(one.configuration.connections == variant.configuration.connections)
        #expect(variant.summary.errors.total == 0 && one.summary.errors.total == 0)
        // The same seconds (a segment ending a few ms late may add a last, nearly empty one).
        #expect(abs(one.perSecond.count - variant.perSecond.count) <= 1)
        // Latency is not compared: against a loopback server it is the scheduling of a shared 2-core
        // machine, which differs from one run to the next by more than any segment effect.
        // `volley report` reads the merged file like any result.
        let report = try runVolley(["report", merged])
        #expect(report.code == 0, "\(report.err)")
        #expect(report.out.contains("run"))
    }

    /// Mixed runs, duplicates, missing segments, other schema versions, an interrupted segment and a
    /// segment that dies are refused with exit 2 and the file or segment named.
    @Test func badMergesAreRefused() throws {
        let server = try VolleyServer.fixture("ok")
        let dir = try makeTemporaryDirectory("volley-segments").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let load = ["-t1", "-c4", "-d2s", "-R", "400"]
        var (segments, _) = try startSegments(count: 3, arguments: load, url: server.url, directory: dir, lead: 1.5)
        // A fourth run of segment 2 at another rate, written elsewhere.
        let other = "\(dir)/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let (mixed, _) = try startSegments(count: 3, arguments: ["-t1", "-c4", "-d2s", "-R", "500"], url: server.url,
                                           directory: other, lead: 1.5, only: [2])
        for (index, process) in segments.merging(mixed.mapValues { $0 }, uniquingKeysWith: { a, _ in a }) {
            let result = process.finish()
            #expect(result.code == 0, "segment \(index): \(result.err)")
        }
        segments.removeAll()
        let a = "\(dir)/segment-0.json", b = "\(dir)/segment-1.json", c = "\(dir)/segment-2.json"
        let out = "\(dir)/merged.json"
        #expect(try runVolley(["merge", "-o", out, a, b, c]).code == 0)
        func refused(_ files: [String], mentions: String) throws {
            let result = try runVolley(["merge", "-o", "\(dir)/refused.json"] + files)
            #expect(result.code == 2, "\(files): \(result.out)")
            #expect(result.err.contains(mentions), "\(result.err)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/refused.json"))
        }
        try refused([a, b, "\(other)/segment-2.json"], mentions: "\(other)/segment-2.json: not the same run as \(a): variant `run` has another configuration (rate 500.0 instead of 400.0)")
        try refused([a, b, b, c], mentions: "segment 1/3 is given twice: \(b) and \(b)")
        try refused([a, c], mentions: "segment 1/3 missing")
        // Another schema version.
        let text = try String(contentsOfFile: c, encoding: .utf8)
        let future = "\(dir)/future.json"
        try text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 2").write(toFile: future, atomically: true, encoding: .utf8)
        try refused([a, b, future], mentions: "\(future): result file has schemaVersion 2")
        // A whole run is not a segment.
        let plain = "\(dir)/plain.json"
        #expect(try runVolley(["-t1", "-c2", "-d300ms", "--quiet", "--json", plain, server.url]).code == 0)
        try refused([a, b, plain], mentions: "\(plain): variant `run` is not a segment result")
        // An existing output is not replaced without --overwrite.
        let again = try runVolley(["merge", "-o", out, a, b, c])
        #expect(again.code == 2 && again.err.contains("exists"), "\(again.err)")
    }

    /// A segment killed mid-run writes nothing and the merge names it missing; one stopped by Ctrl-C
    /// writes a result that says so, and the merge refuses it as interrupted.
    @Test func deadSegmentsAreNotMerged() throws {
        let server = try VolleyServer.fixture("ok")
        let dir = try makeTemporaryDirectory("volley-segments").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let killedDir = "\(dir)/killed", stoppedDir = "\(dir)/stopped"
        for d in [killedDir, stoppedDir] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let load = ["-t1", "-c2", "-d3s", "-R", "300"]
        let (killed, startAt) = try startSegments(count: 2, arguments: load, url: server.url, directory: killedDir, lead: 1.5)
        let (stopped, _) = try startSegments(count: 2, arguments: load, url: server.url, directory: stoppedDir, lead: 1.5)
        // Once the load has started (past the common instant, and the processes' load threads exist:
        // on a busy machine a process may still be starting), kill one segment and interrupt another.
        waitUntil(seconds: 10) { UInt64(Date().timeIntervalSince1970 * 1000) >= startAt + 300 }
        for process in [killed[1]!, stopped[1]!] {
            #expect(waitForLoadThread(process.process.processIdentifier), "no load thread in segment \(process.process.processIdentifier)")
        }
        kill(killed[1]!.process.processIdentifier, SIGKILL)
        kill(stopped[1]!.process.processIdentifier, SIGINT)
        #expect(killed[0]!.finish().code == 0)
        #expect(stopped[0]!.finish().code == 0)
        #expect(killed[1]!.finish().code != 0)
        let interrupted = stopped[1]!.finish()
        #expect(interrupted.code == 130, "\(interrupted.err)")

        #expect(!FileManager.default.fileExists(atPath: "\(killedDir)/segment-1.json"))
        let missing = try runVolley(["merge", "-o", "\(dir)/merged.json", "\(killedDir)/segment-0.json"])
        #expect(missing.code == 2)
        #expect(missing.err.contains("segment 1/2 missing"), "\(missing.err)")

        let partial = try #require(try RunReport.load(from: "\(stoppedDir)/segment-1.json").variants.first?.segment)
        #expect(!partial.completed && partial.elapsedMicros < 3_000_000)
        let refused = try runVolley(["merge", "-o", "\(dir)/merged.json", "\(stoppedDir)/segment-0.json", "\(stoppedDir)/segment-1.json"])
        #expect(refused.code == 2)
        #expect(refused.err.contains("\(stoppedDir)/segment-1.json: segment 1 was interrupted after"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/merged.json"))
    }

    /// Segment flags and environment mistakes are bad usage (exit 2), found before any load.
    @Test(arguments: [
        (["--segment", "4/4"], [String: String](), "invalid --segment"),
        (["--segment", "0/4", "--segments", "3"], [:], "says 4 segments"),
        (["--segments", "4"], [:], "no index"),
        ([], ["VOLLEY_SEGMENTS": "4", "JOB_COMPLETION_INDEX": "4"], "JOB_COMPLETION_INDEX='4'"),
        ([], ["VOLLEY_SEGMENTS": "four", "JOB_COMPLETION_INDEX": "0"], "VOLLEY_SEGMENTS='four'"),
        (["--segment", "0/4", "-c", "3"], [:], "cannot be split into 4 segments"),
        (["--segment", "0/4", "--start-at", "soon"], [:], "invalid --start-at"),
        (["--segment", "0/4", "--start-at", "1796409000"], [:], "more than a day from now"),
    ])
    func badSegmentUsage(arguments: [String], environment: [String: String], mentions: String) throws {
        let dir = try makeTemporaryDirectory("volley-segments").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = try VolleyProcess(["-d1s", "--json", "\(dir)/x.json"] + arguments + ["http://127.0.0.1:1/"],
                                        environment: environment, errPath: "\(dir)/err")
        let result = process.finish(timeout: 30)
        #expect(result.code == 2)
        #expect(result.err.contains(mentions), "\(result.err)")
    }

    /// A segment needs a result file to be merged.
    @Test func segmentNeedsJSON() throws {
        let result = try runVolley(["--segment", "0/2", "-d1s", "http://127.0.0.1:1/"])
        #expect(result.code == 2 && result.err.contains("--segment needs --json"), "\(result.err)")
    }
}
