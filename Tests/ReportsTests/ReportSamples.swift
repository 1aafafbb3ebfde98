import Foundation
import Histogram
import Metrics
import Profiler
import Scenario
import TestSupport

/// Results of every kind a report renders, built with the engine's own types: a bench of N
/// variants with 100 ms timelines, server stats, slow callbacks, thresholds and flame graphs
/// (written by the Profiler's SVG writer, as `volley serve --profile` does), and a constant-rate run.
enum ReportSamples {
    static let start = 1_764_000_000.0

    /// A variant of `seconds` whose latency is centred on `centreMicros`, at about `rate` req/s.
    static func variant(_ name: String, index: Int, seconds: Double = 2, rate: Double = 2000, centreMicros: UInt64 = 2_000,
                        paced: Bool = false) -> VariantResult {
        var m = LoadMeasurement(elapsedNanoseconds: UInt64(seconds * 1e9))
        var generator = SeededGenerator(state: UInt64(index + 1))
        let slices = Int(seconds * 10)
        var timeline = Timeline(sliceMillis: 100)
        var uncorrected = LoadMeasurement.makeLatencyHistogram()
        for slice in 0..<slices {
            let count = UInt64(rate / 10 * Double.random(in: 0.8...1.2, using: &generator))
            var h = LoadMeasurement.makeLatencyHistogram()
            for _ in 0..<count {
                let value = UInt64(Double(centreMicros) * Double.random(in: 0.5...1.5, using: &generator) * (slice % 7 == 3 ? 3 : 1))
                h.record(value)
                uncorrected.record(max(1, value / 2))
            }
            m.latency.add(h)
            m.requests += count
            // The server works harder than the generator, and both follow the load.
            let busy = Double(count) / (rate / 10)
            timeline.slices.append(TimeSlice(slice: slice, requests: count, errors: slice == 5 ? 2 : 0,
                                             p50Micros: h.valueAtPercentile(50), p99Micros: h.valueAtPercentile(99), maxMicros: h.max,
                                             askedRequests: paced ? UInt64(rate / 10) : nil,
                                             generatorCpuPercent: (30 * busy * 10).rounded() / 10,
                                             serverCpuPercent: (min(100, 60 * busy + Double(index) * 5) * 10).rounded() / 10))
        }
        m.statusClasses[2] = m.requests
        m.errors.status = 2
        m.timeline = timeline
        m.startedAtEpochSeconds = start
        m.perSecond = (0..<Int(seconds.rounded(.up))).map { s in
            let inSecond = timeline.slices.filter { $0.slice / 10 == s }
            return SecondSlice(second: s, requests: inSecond.reduce(0) { $0 + $1.requests }, errors: inSecond.reduce(0) { $0 + $1.errors })
        }
        m.threads = [ThreadLoad(thread: 0, cpuSeconds: seconds * 0.4, wallSeconds: seconds, cpuPercent: 40, peakCpuPercent: 55)]
        m.loopLag = LoadMeasurement.makeLatencyHistogram()
        m.loopLag?.record(150)
        var configuration = RunConfiguration(url: "http://127.0.0.1:8080/\(name)", threads: 2, connections: 64, durationSeconds: seconds)
        if paced {
            m.askedRequests = UInt64(rate * seconds) + 1
            m.uncorrectedLatency = uncorrected
            m.scheduleLag = LoadMeasurement.makeLatencyHistogram()
            m.scheduleLag?.record(40, count: 100)
            configuration.rate = rate
        }
        var v = VariantResult(name: name, configuration: configuration, measurement: m)
        v.server = [
            "model": "async",
            "slowCallbackCount": 2,
            "slowCallbacks": [
                ["at": .string(iso(start + 0.55)), "seconds": 0.152, "what": "GET /cpu?ms=150"],
                ["at": .string(iso(start + 1.25)), "seconds": 0.31, "what": "GET /gzip?kb=256"],
            ],
            "loops": [["loop": 0, "busySecondsTotal": .double(seconds * 0.3),
                       "lagMicros": ["count": 100, "p50": 900, "p99": 4_500, "max": 9_000]]],
            "database": ["poolSize": 8, "waitMicrosP99": 1_200],
            "perSecond": perSecond(seconds: seconds, index: index),
            "cpuSeconds": .double(seconds * 0.62),
            "cpuMicrosPerRequest": .double(seconds * 0.62 * 1e6 / Double(m.requests)),
        ]
        return v
    }

    /// The server's per-second series as `/debug/stats` gives them: the server started 2.3 s
    /// before the load (its warm-up seconds come first), the lag peaks in the second of the
    /// 150 ms slow callback, and one second in the middle has no DB answer (null).
    static func perSecond(seconds: Double, index: Int) -> JSONValue {
        let count = Int(seconds.rounded(.up)) + 4
        let lag: [JSONValue] = (0..<count).map { s -> JSONValue in
            let micros: Int = s == 2 ? 152_000 : 900 + 150 * ((s + index) % 4)
            return .integer(Int64(micros))
        }
        let lagMax: [JSONValue] = (0..<count).map { s -> JSONValue in
            let micros: Int = s == 2 ? 152_000 : 2_000 + 300 * ((s + index) % 3)
            return .integer(Int64(micros))
        }
        let operations: [JSONValue] = (0..<count).map { s -> JSONValue in .integer(s == 3 ? 0 : 3000) }
        let db: [JSONValue] = (0..<count).map { s -> JSONValue in
            guard s != 3 else { return .null }
            let micros: Int = 800 + 120 * ((s * 3 + index) % 5)
            return .double(Double(micros) + 0.5)
        }
        return .object(["originUnixSeconds": .double(start - 2.3), "firstSecond": 0, "seconds": .integer(Int64(count)),
                        "loopLagP99Micros": .array(lag), "loopLagMaxMicros": .array(lagMax),
                        "dbWaitMeanMicros": .array(db), "dbOperations": .array(operations)])
    }

    static func iso(_ epoch: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: epoch))
    }

    /// A bench result of `count` variants, each with a flame graph written into `directory`.
    /// The variant names and the flame graph titles are long on purpose (titles must not run into the sample count).
    static func bench(count: Int, directory: URL, framesPerProfile: Int = 60, failing: Bool = true) throws -> RunReport {
        var variants: [VariantResult] = []
        for i in 0..<count {
            var v = variant("variant-\(i)-with-a-rather-long-descriptive-name", index: i, rate: 1000 + Double(i) * 300,
                            centreMicros: UInt64(1_500 + i * 400))
            let file = "profile-\(i).svg"
            let svg = FlameGraphSVG.render(profile(seed: UInt64(i), frames: framesPerProfile),
                                           title: "volley serve --model async --host 127.0.0.1 --port 0 --workers 1 --slow-callback 100ms --profile \(file)")
            try Data(svg.utf8).write(to: directory.appendingPathComponent(file))
            v.profiles = [file]
            variants.append(v)
        }
        var notes = ["threshold PASS  \(variants[0].name)  errors < 1%  (errors = 0.10%)"]
        if failing { notes.append("threshold FAIL  \(variants[count - 1].name)  p99 < 1ms  (p99 = 9.87ms)") }
        return RunReport(host: HostInfo(cpuModel: "Test CPU", logicalCores: 2, kernel: "Linux test", architecture: "x86_64", hostname: "h"),
                         createdAt: "2026-12-04T12:00:00Z", command: ["volley", "bench", "scenarios/sample.yaml"], scenario: "sample",
                         variants: variants, notes: notes)
    }

    /// A constant-rate `volley run -R 2000` result.
    static func rateRun() -> RunReport {
        RunReport(host: HostInfo(cpuModel: "Test CPU", logicalCores: 2, kernel: "Linux test", architecture: "x86_64", hostname: "h"),
                  createdAt: "2026-12-04T12:00:00Z", command: ["volley", "-R", "2000", "http://127.0.0.1:8080/"], scenario: nil,
                  variants: [variant("run", index: 7, seconds: 3, rate: 2000, paced: true)])
    }

    /// A folder's trend: `runs` results of two variants in time order, each labelled with its
    /// commit; every third run measured with three repeats, the others once over 3 s.
    static func trend(runs: Int = 14) -> Trend {
        let reports = (0..<runs).map { run -> (path: String, report: RunReport) in
            let variants = (0..<2).map { k -> VariantResult in
                let rate = 2000 + Double(run % 5) * 120 + Double(k) * 700
                let centre = UInt64(1_800 + run * 40 + k * 500)
                var v = variant(k == 0 ? "async" : "sync-with-a-longer-name", index: run * 2 + k, seconds: 3, rate: rate, centreMicros: centre)
                if run % 3 == 0 {
                    v.repeats = (0..<3).map { r in variant(v.name, index: 100 + run * 6 + k * 3 + r, seconds: 3, rate: rate * (0.95 + 0.05 * Double(r)), centreMicros: centre) }
                }
                return v
            }
            var report = RunReport(host: HostInfo(cpuModel: "Test CPU", logicalCores: 2, kernel: "Linux test", architecture: "x86_64", hostname: "h"),
                                   createdAt: "2026-11-\(run < 9 ? "0" : "")\(run + 1)T09:30:00Z", command: ["volley", "bench", "scenarios/ci-smoke.yaml"],
                                   scenario: "ci-smoke", variants: variants)
            report.source = SourceInfo(commit: String(format: "%08x", 0x1a2b3c4d &+ UInt32(run) &* 0x01010101) + "0123456789abcdef", branch: "main", origin: "VOLLEY_COMMIT")
            return ("results/ci-smoke/\(run).json", report)
        }
        return Trend.build(reports)
    }

    /// A profile with nested stacks: a handful of roots, each calling into a few levels of helpers.
    static func profile(seed: UInt64, frames: Int) -> NamedProfile {
        var generator = SeededGenerator(state: seed + 100)
        var stacks: [NamedProfile.Stack] = []
        for k in 0..<frames {
            let depth = Int.random(in: 2...12, using: &generator)
            let path = ["start_thread", "RefServer.AsyncWorker.run()", "uv_run"] + (0..<depth).map { "Module\($0).function\((k + $0) % 9)(argument:)" }
            stacks.append(NamedProfile.Stack(thread: "worker (1)", frames: path, count: Int.random(in: 1...40, using: &generator)))
        }
        return NamedProfile(hz: 199, stacks: stacks)
    }
}
