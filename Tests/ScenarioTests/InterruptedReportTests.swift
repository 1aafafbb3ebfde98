import Reports
import Foundation
import Metrics
import TestSupport
import Testing
@testable import Scenario

@Suite struct InterruptedReportTests {
    /// A variant cut short by a signal is named in the Markdown and HTML reports, and survives the JSON round trip.
    @Test func interruptedVariantIsNamed() throws {
        var cut = ReportFixtures.variant("second", latenciesMicros: [100, 200])
        cut.interrupted = true
        let report = ReportFixtures.report([ReportFixtures.variant("first", latenciesMicros: [100]), cut])
        #expect(report.interruptionNote?.contains("second") == true)
        #expect(report.interruptionNote?.contains("first") == false)
        #expect(MarkdownReport.render(report).contains("Interrupted: second"))
        #expect(HTMLReport.render(report).contains("Interrupted: second"))
        let decoded = try RunReport.decode(try report.jsonData())
        #expect(decoded.variants[1].interrupted == true)
        #expect(decoded.variants[0].interrupted == nil)
    }

    /// A full run has no such line.
    @Test func fullRunSaysNothing() {
        let report = ReportFixtures.report([ReportFixtures.variant("sync", latenciesMicros: [100])])
        #expect(report.interruptionNote == nil)
        #expect(!MarkdownReport.render(report).contains("Interrupted"))
    }
}
