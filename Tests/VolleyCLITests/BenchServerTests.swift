import Foundation
import Metrics
import TestSupport
import Testing

/// A scenario file and a results folder in a fresh temporary folder, removed at the end.
private final class ScenarioFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("volley-bench-\(UUID().uuidString)")
    var results: String { url.appendingPathComponent("results").path }

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ yaml: String) throws -> String {
        let path = url.appendingPathComponent("scenario.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Starts `volley bench` on `scenario`, waits until its first load phase has begun, and returns
/// the process, its output file and the children it started.
private func benchUntilLoad(_ scenario: String, results: String) throws -> (Process, URL, [Int32]) {
    let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("volley-bench-out-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    let process = Process()
    process.executableURL = volleyExecutable()
    process.arguments = ["bench", scenario, "--repeat", "1", "--out", results]
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = process.standardOutput
    try process.run()
    waitUntil(seconds: 15, pollEvery: 0.02) {
        let text = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        return text.contains(": load ") || !process.isRunning
    }
    return (process, outURL, processesStarted(by: process.processIdentifier))
}

/// Waits up to `seconds` for the process to end; SIGKILLs it if it has not.
private func waitExit(_ process: Process, seconds: Double) -> Int32? {
    if let code = waitForExit(process, seconds: seconds) { return code }
    kill(process.processIdentifier, SIGKILL); process.waitUntilExit()
    return nil
}

/// Waits up to a second for `pids` to be gone; returns the survivors (SIGKILLed so none outlives the test).
private func survivors(_ parent: Int32) -> [Int32] {
    var left: [Int32] = []
    waitUntil(seconds: 1, pollEvery: 0.02) {
        left = processesStarted(by: parent)
        return left.isEmpty
    }
    for pid in left { kill(pid, SIGKILL) }
    return left
}

private let longScenario = """
name: long
server: {model: async, threads: 1}
load: {threads: 1, connections: 2, duration: 20s}
"""

@Suite(.serialized) struct BenchServerTests {
    /// A server scenario runs both models end to end: result file, passing thresholds, server stats.
    @Test func serverScenarioEndToEnd() throws {
        let folder = try ScenarioFolder()
        let scenario = try folder.write("""
        name: tiny
        server: {threads: 4}
        load: {threads: 1, connections: 4, duration: 1s, path: /plaintext}
        matrix:
          model: [async, sync]
        thresholds: [errors == 0, rps > 100]
        """)
        let run = try runVolley(["bench", scenario, "--repeat", "1", "--out", folder.results], timeout: 30)
        #expect(run.code == 0, "\(run.out)\n\(run.err)")
        #expect(run.out.contains("PASS  async  rps > 100"))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.results + "/tiny")) ?? []
        #expect(files.count == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.results + "/tiny/" + (files.first ?? "")))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let variants = object?["variants"] as? [[String: Any]] ?? []
        #expect(variants.map { $0["name"] as? String } == ["async", "sync"])
        for variant in variants {
            let server = variant["server"] as? [String: Any]
            #expect(server?["model"] as? String == variant["name"] as? String)
            let served = (server?["byRoute"] as? [String: Any])?["/plaintext"] as? [String: Any]
            #expect((served?["200"] as? Int ?? 0) > 100)
            #expect((variant["notes"] as? [String])?.contains { $0.hasPrefix("server: volley serve --model") } == true)
        }
    }

    /// The server's and the generator's CPU are on the run's time axis: every 100 ms slice of a
    /// loaded 1 s run has both, within what the machine's cores allow, and they add up to the
    /// server's and the generator's totals, which the summary table shows per request.
    @Test func cpuOfServerAndGeneratorOverTime() throws {
        let folder = try ScenarioFolder()
        let scenario = try folder.write("""
        name: cpu
        server: {model: async, threads: 1, slow_callback: 100ms}
        load: {threads: 1, connections: 4, duration: 1s, path: /plaintext}
        """)
        let run = try runVolley(["bench", scenario, "--repeat", "1", "--out", folder.results], timeout: 30)
        #expect(run.code == 0, "\(run.out)\n\(run.err)")
        #expect(run.out.contains("srv CPU/req"))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.results + "/cpu")) ?? []
        let file = try #require(files.first)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.results + "/cpu/" + file))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let variant = try #require((object?["variants"] as? [[String: Any]])?.first)
        let summary = try #require(variant["summary"] as? [String: Any])
        let requests = try #require(summary["requests"] as? Double)
        let elapsed = try #require(summary["elapsedSeconds"] as? Double)
        let server = try #require(variant["server"] as? [String: Any])
        #expect(server["model"] as? String == "async")
        let serverSeconds = try #require(server["cpuSeconds"] as? Double)
        let perRequest = try #require(server["cpuMicrosPerRequest"] as? Double)
        #expect(serverSeconds > 0.01, "the loaded server used \(serverSeconds) s of CPU")
        #expect(abs(perRequest - serverSeconds * 1e6 / requests) <= 0.01 * perRequest)
        #expect(perRequest < 10_000, "\(perRequest) µs of server CPU per /plaintext request")
        let generatorPerRequest = try #require((variant["generator"] as? [String: Any])?["cpuMicrosPerRequest"] as? Double)
        #expect(generatorPerRequest > 0)

        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let slices = try #require((variant["timeline"] as? [String: Any])?["slices"] as? [[String: Any]])
        #expect(slices.count >= 9)
        var serverSum = 0.0
        for slice in slices {
            let generator = try #require(slice["generatorCpuPercent"] as? Double, "slice \(slice)")
            let server = try #require(slice["serverCpuPercent"] as? Double, "slice \(slice)")
            #expect(generator >= 0 && generator <= 100 * cores + 1, "generator \(generator)%")
            // The server's figures come in clock ticks (10 ms): one tick more or less in a 100 ms slice is 10 points.
            #expect(server >= 0 && server <= 100 * cores + 10, "server \(server)%")
            let index = try #require(slice["slice"] as? Int)
            let length = min(0.1, elapsed - Double(index) * 0.1)
            serverSum += server / 100 * length
        }
        #expect(slices.contains { ($0["serverCpuPercent"] as? Double ?? 0) > 0 })
        // The slices split the total (each figure is rounded to 0.1%).
        #expect(abs(serverSum - serverSeconds) <= 0.01, "slices add up to \(serverSum) s, the total is \(serverSeconds) s")
        let seconds = try #require(variant["perSecond"] as? [[String: Any]])
        #expect(seconds.first?["serverCpuPercent"] is Double && seconds.first?["generatorCpuPercent"] is Double)

        // The server's own per-second series (its watchdog is on) cover the measured second.
        let serverSeries = try #require(server["perSecond"] as? [String: Any], "\(server.keys)")
        let origin = try #require(serverSeries["originUnixSeconds"] as? Double)
        let first = try #require(serverSeries["firstSecond"] as? Int)
        let lag = try #require(serverSeries["loopLagP99Micros"] as? [Any])
        let started = try #require(variant["startedAtEpochSeconds"] as? Double)
        let during = lag.enumerated().filter { i, _ in
            let from = origin + Double(first + i) - started
            return from < elapsed && from + 1 > 0
        }.compactMap { $0.element as? Int }
        #expect(!during.isEmpty && during.allSatisfy { $0 < 1_000_000 }, "\(serverSeries), load started at \(started)")
    }

    /// A threshold the servers cannot meet makes `volley bench` exit 1 and say which.
    @Test func failingThresholdExitsOne() throws {
        let folder = try ScenarioFolder()
        let scenario = try folder.write("""
        name: impossible
        server: {model: async}
        load: {threads: 1, connections: 2, duration: 500ms}
        thresholds: [rps > 100M]
        """)
        let run = try runVolley(["bench", scenario, "--repeat", "1", "--out", folder.results], timeout: 20)
        #expect(run.code == 1, "\(run.out)\n\(run.err)")
        #expect(run.out.contains("FAIL  default  rps > 100M"))
    }

    /// Ctrl-C half-way: bench stops its server, keeps what was measured, exits 130, and leaves no child.
    @Test func interruptLeavesNoChild() throws {
        let folder = try ScenarioFolder()
        let (process, outURL, children) = try benchUntilLoad(try folder.write(longScenario), results: folder.results)
        defer { try? FileManager.default.removeItem(at: outURL) }
        #expect(children.count == 1)
        process.interrupt()
        #expect(waitExit(process, seconds: 10) == 130)
        #expect(survivors(process.processIdentifier).isEmpty)
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        #expect(output.contains("result: "))
    }

    /// SIGTERM half-way (what `timeout` and CI runners send): bench stops like on Ctrl-C, exits 143,
    /// and the result marks the variant that was cut short `interrupted: true`.
    @Test func terminateWritesInterruptedResult() throws {
        let folder = try ScenarioFolder()
        let (process, outURL, children) = try benchUntilLoad(try folder.write(longScenario), results: folder.results)
        defer { try? FileManager.default.removeItem(at: outURL) }
        #expect(children.count == 1)
        kill(process.processIdentifier, SIGTERM)
        #expect(waitExit(process, seconds: 10) == 143)
        #expect(survivors(process.processIdentifier).isEmpty)
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        #expect(output.contains("Interrupted by SIGTERM"), "\(output)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.results + "/long")) ?? []
        #expect(files.count == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.results + "/long/" + (files.first ?? "")))
        let variants = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["variants"] as? [[String: Any]] ?? []
        #expect(variants.count == 1)
        #expect(variants.first?["interrupted"] as? Bool == true)
    }

    /// Even a SIGKILLed bench leaves no server behind: its children die with it (PR_SET_PDEATHSIG).
    @Test func killedBenchLeavesNoChild() throws {
        let folder = try ScenarioFolder()
        let (process, outURL, children) = try benchUntilLoad(try folder.write(longScenario), results: folder.results)
        defer { try? FileManager.default.removeItem(at: outURL) }
        #expect(children.count == 1)
        kill(process.processIdentifier, SIGKILL)
        _ = waitExit(process, seconds: 5)
        #expect(survivors(process.processIdentifier).isEmpty)
    }
}

/// `volley bench --baseline-binary`: two builds' servers side by side, the load alternating in slots.
@Suite(.serialized) struct PairedBenchTests {
    /// Both servers start, each variant's slots alternate between them, both results are written
    /// (the baseline's under `baseline/`) with matching slot pairs, no child is left behind, and
    /// `volley compare` judges the two files from their pairs.
    @Test func pairedBenchWritesBothSidesWithMatchingSlots() throws {
        let folder = try ScenarioFolder()
        let scenario = try folder.write("""
        name: pair
        server: {threads: 2}
        load: {threads: 1, connections: 2, duration: 400ms, path: /plaintext}
        matrix:
          model: [async, sync]
        """)
        let volley = volleyExecutable().path
        let outURL = folder.url.appendingPathComponent("bench.out")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let process = Process()
        process.executableURL = volleyExecutable()
        process.arguments = ["bench", scenario, "--baseline-binary", volley, "--server-binary", volley, "--slot", "100ms",
                             "--repeat", "2", "--out", folder.results]
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = process.standardOutput
        try process.run()
        let code = waitExit(process, seconds: 60)
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        #expect(code == 0, "\(output)")
        // Both builds' servers of every variant were stopped.
        #expect(survivors(process.processIdentifier).isEmpty)
        #expect(output.contains("(4 slot pairs)"), "\(output)")
        let newFiles = ((try? FileManager.default.contentsOfDirectory(atPath: folder.results + "/pair")) ?? []).filter { $0.hasSuffix(".json") }
        let baseFiles = (try? FileManager.default.contentsOfDirectory(atPath: folder.results + "/pair/baseline")) ?? []
        #expect(newFiles.count == 1 && baseFiles.count == 1)
        let newPath = folder.results + "/pair/" + (newFiles.first ?? "")
        let basePath = folder.results + "/pair/baseline/" + (baseFiles.first ?? "")
        #expect(output.contains("judge the change: volley compare \(basePath) \(newPath)"))
        let new = try RunReport.load(from: newPath), base = try RunReport.load(from: basePath)
        #expect(new.variants.map(\.name) == ["async", "sync"] && base.variants.map(\.name) == ["async", "sync"])
        for (b, n) in zip(base.variants, new.variants) {
            let baseSlots = b.repeats ?? [], newSlots = n.repeats ?? []
            #expect(baseSlots.count == 8 && newSlots.count == 8)
            #expect(baseSlots.allSatisfy { $0.pairing?.side == "base" } && newSlots.allSatisfy { $0.pairing?.side == "new" })
            #expect(Set(baseSlots.compactMap { $0.pairing?.run }).count == 2, "two paired runs: the servers restarted")
            #expect(baseSlots.map { $0.pairing.map { "\($0.run)/\($0.slot)" } } == newSlots.map { $0.pairing.map { "\($0.run)/\($0.slot)" } })
            #expect(newSlots.allSatisfy { $0.summary.requests > 0 && $0.summary.errors.total == 0 })
            // Each side's own server, both up at once: within a paired run the slots went to two ports.
            for run in Set(baseSlots.compactMap { $0.pairing?.run }) {
                let baseURLs = Set(baseSlots.filter { $0.pairing?.run == run }.map(\.configuration.url))
                let newURLs = Set(newSlots.filter { $0.pairing?.run == run }.map(\.configuration.url))
                #expect(baseURLs.count == 1 && newURLs.count == 1 && baseURLs != newURLs)
            }
            #expect(n.serverCPUMicrosPerRequest != nil)
        }
        let compare = try runVolley(["compare", basePath, newPath])
        #expect(compare.code == 0 || compare.code == 1, "\(compare.out)\n\(compare.err)")
        #expect(compare.out.contains("paired: each figure judged from the ratios of 8 slot pairs"), "\(compare.out)")
    }

    /// What a paired bench cannot do is refused before anything starts.
    @Test func pairedBenchRefusals() throws {
        let folder = try ScenarioFolder()
        let volley = volleyExecutable().path
        let server = try folder.write("""
        name: pair
        server: {model: async}
        load: {connections: 2, duration: 300ms}
        """)
        let slotAlone = try runVolley(["bench", server, "--slot", "100ms", "--out", folder.results])
        #expect(slotAlone.code == 2 && slotAlone.err.contains("--slot is for a paired bench"), "\(slotAlone.err)")
        let missing = try runVolley(["bench", server, "--baseline-binary", folder.url.path + "/nope", "--out", folder.results])
        #expect(missing.code == 2 && missing.err.contains("is not an executable file"), "\(missing.err)")
        let tiny = try runVolley(["bench", server, "--baseline-binary", volley, "--slot", "5ms", "--out", folder.results])
        #expect(tiny.code == 2 && tiny.err.contains("--slot must be at least 20ms"), "\(tiny.err)")
        let external = try folder.write("""
        name: pair
        url: http://127.0.0.1:9/
        load: {connections: 2, duration: 300ms}
        """)
        let refused = try runVolley(["bench", external, "--baseline-binary", volley, "--out", folder.results])
        #expect(refused.code == 2 && refused.err.contains("needs `server:` variants"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: folder.results + "/pair"))
    }
}
