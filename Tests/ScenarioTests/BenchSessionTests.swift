import Foundation
import Metrics
import TestSupport
import Testing
@testable import Scenario

@Suite struct BenchSessionTests {
    /// Results written in the same second get `-2`, `-3`… instead of replacing each other.
    @Test func resultNamesNeverCollide() throws {
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = ReportFixtures.report([ReportFixtures.variant("x", latenciesMicros: [100])])
        let now = Date(timeIntervalSince1970: 1_740_830_400)   // 2025-03-01T12:00:00Z
        let folder = dir.appendingPathComponent("nested/scenario").path
        let paths = try (0..<3).map { _ in try BenchSession.write(report, directory: folder, now: now) }
        #expect(paths.map { ($0 as NSString).lastPathComponent } == ["20250301T120000Z.json", "20250301T120000Z-2.json", "20250301T120000Z-3.json"])
        #expect(try RunReport.load(from: paths[2]) == report)
    }

    /// Pinning the calling thread to one CPU takes effect and is undone afterwards.
    @Test func cpuPinning() throws {
        guard let get = CPUAffinity.call("sched_getaffinity") else { Issue.record("sched_getaffinity not found"); return }
        func mask() -> [UInt8] {
            var set = cpu_set_t()
            _ = get(0, MemoryLayout<cpu_set_t>.size, &set)
            return withUnsafeBytes(of: &set) { Array($0) }
        }
        let before = mask()
        let previous = CPUAffinity.pin([0])
        #expect(previous != nil)
        #expect(mask()[0] == 1 && mask().dropFirst().allSatisfy { $0 == 0 })
        CPUAffinity.restore(previous)
        #expect(mask() == before)
        #expect(CPUAffinity.pin(nil) == nil)
    }
}
