import Foundation
import Metrics

/// Builds result files with Metrics' own types, so tests need no load run (Scenario and Reports tests).
public enum ReportFixtures {
    /// A variant whose latencies are `latenciesMicros` over `seconds`, with `errors` read errors.
    public static func variant(_ name: String, latenciesMicros: [UInt64], seconds: Double = 1, errors: UInt64 = 0,
                        server: [String: JSONValue]? = nil, profiles: [String]? = nil) -> VariantResult {
        var m = LoadMeasurement(elapsedNanoseconds: UInt64(seconds * 1e9))
        for value in latenciesMicros { _ = m.latency.record(value) }
        m.requests = UInt64(latenciesMicros.count)
        m.statusClasses[2] = m.requests
        m.errors.read = errors
        let whole = max(1, Int(seconds))
        m.perSecond = (0..<whole).map { SecondSlice(second: $0, requests: m.requests / UInt64(whole), errors: $0 == 0 ? errors : 0) }
        var v = VariantResult(name: name, configuration: RunConfiguration(url: "http://127.0.0.1:8080/", threads: 1, connections: 10,
                                                                          durationSeconds: seconds), measurement: m)
        v.server = server
        v.profiles = profiles
        return v
    }

    /// `count` latencies spread evenly over `low...high` µs.
    public static func spread(_ count: Int, _ low: UInt64, _ high: UInt64) -> [UInt64] {
        (0..<count).map { low + UInt64(Double(high - low) * Double($0) / Double(max(count - 1, 1))) }
    }

    public static func report(_ variants: [VariantResult], scenario: String? = "test", schemaVersion: Int = RunReport.currentSchemaVersion) -> RunReport {
        RunReport(schemaVersion: schemaVersion, host: HostInfo(cpuModel: "Test CPU", logicalCores: 2, kernel: "Linux test", architecture: "x86_64", hostname: "h"),
                  createdAt: "2025-03-01T12:00:00Z", scenario: scenario, variants: variants)
    }
}
