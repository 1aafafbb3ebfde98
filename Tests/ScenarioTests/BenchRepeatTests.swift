import Foundation
import Metrics
import PeerFixtures
import Synchronization
import TestSupport
import Testing
@testable import Scenario

/// Runs variants with the real external-URL runner and records the order they ran in.
final class RecordingRunner: VariantRunner {
    let inner = ExternalURLRunner()
    let order = Mutex<[String]>([])
    func unsupported(_ plan: VariantPlan) -> String? { inner.unsupported(plan) }
    func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> VariantOutcome {
        order.withLock { $0.append(plan.name) }
        return try inner.run(plan, context: context)
    }
}

@Suite(.serialized) struct BenchRepeatTests {
    /// `--repeat 3` runs the variants interleaved (A B A B A B) against a real loopback server,
    /// keeps each repeat in the result, and the merged figures add the repeats up.
    @Test func repeatsAreInterleavedAndKept() throws {
        let server = try FixtureServer(behaviour: .ok)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("volley-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try scenarioFile(dir, "repeat", server: server, extra: "")
        let recorder = RecordingRunner()
        var session = BenchSession(scenario: try ScenarioParser.load(path: path), runner: RoutingRunner(external: recorder),
                                   resultsDirectory: dir.appendingPathComponent("results").path,
                                   progress: BenchProgress(terminal: false) { _ in })
        session.repeats = 3
        session.source = SourceInfo(commit: "abc", origin: "VOLLEY_COMMIT")
        let outcome = session.run()
        #expect(outcome.exitCode == 0)
        #expect(recorder.order.withLock { $0 } == ["c2", "c8", "c2", "c8", "c2", "c8"])
        let report = try RunReport.load(from: try #require(outcome.resultPath))
        #expect(report.source?.commit == "abc")
        for variant in report.variants {
            let repeats = try #require(variant.repeats)
            #expect(repeats.count == 3)
            #expect(repeats.allSatisfy { $0.summary.requests > 0 && $0.repeats == nil })
            #expect(variant.summary.requests == repeats.map(\.summary.requests).reduce(0, +))
            #expect(variant.latency.count == repeats.map(\.latency.count).reduce(0, +))
        }
    }
}
