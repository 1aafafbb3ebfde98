import ArgumentParser
import Foundation
import Metrics
import Scenario

/// `volley report`: a Markdown summary and a self-contained HTML page from a result file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a result file as Markdown (CI summary, PR comment) and/or one offline HTML page with charts.",
        discussion: """
        Without --md or --html the Markdown goes to standard output. Exit 2 when the result cannot be read.
        Given a folder (results/NAME/), writes a trend report instead: each figure of each variant across the folder's
        results in time order, with commit labels and spread, to FOLDER/trend.md and FOLDER/trend.html (or --md/--html).
        """
    )

    @Argument(help: "Result file (JSON), or a folder of results for a trend report.")
    var result: String

    @Option(name: .long, help: "Write the Markdown summary here.")
    var md: String?

    @Option(name: .long, help: "Write the HTML report here.")
    var html: String?

    @Flag(name: .long, help: "Replace existing report files.")
    var overwrite = false

    func run() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: result, isDirectory: &isDirectory), isDirectory.boolValue {
            return try trend()
        }
        let report: RunReport
        do { report = try RunReport.load(from: result) } catch { throw usageError("\(error)") }
        let markdown = MarkdownReport.render(report)
        if md == nil && html == nil { print(markdown, terminator: ""); return }
        do {
            if let md { try AtomicFile.write(Data(markdown.utf8), to: md, overwrite: overwrite) }
            if let html {
                let page = HTMLReport.render(report, baseDirectory: (result as NSString).deletingLastPathComponent)
                try AtomicFile.write(Data(page.utf8), to: html, overwrite: overwrite)
            }
        } catch {
            throw usageError("\(error)")
        }
    }

    /// `volley report FOLDER`: the trend of every figure across the folder's results.
    func trend() throws {
        let trend: Trend
        do { trend = try Trend.load(directory: result) } catch { throw usageError("\(error)") }
        let title = (result as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? result
        // Trend files are derived from the results and rewritten on every call, unlike a result or a named output.
        let mdPath = md ?? (result as NSString).appendingPathComponent("trend.md")
        let htmlPath = html ?? (result as NSString).appendingPathComponent("trend.html")
        do {
            try AtomicFile.write(Data(TrendReport.markdown(trend, title: title).utf8), to: mdPath, overwrite: overwrite || md == nil)
            try AtomicFile.write(Data(TrendReport.html(trend, title: title).utf8), to: htmlPath, overwrite: overwrite || html == nil)
        } catch {
            throw usageError("\(error)")
        }
        print("trend of \(trend.runs.count) run(s): \(mdPath), \(htmlPath)")
    }
}
