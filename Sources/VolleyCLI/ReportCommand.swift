import ArgumentParser
import Foundation
import Metrics
import Reports
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

    @Argument(help: "Result file (JSON), or a folder of results for a trend report; two files (BASE NEW) render a comparison.")
    var result: String

    @Argument(help: "A second result file: the page compares RESULT (base) with it (new).")
    var new: String?

    @Option(name: .long, help: "Write the Markdown summary here (- for standard output).")
    var md: String?

    @Option(name: .long, help: "Write the HTML report here (- for standard output).")
    var html: String?

    @Flag(name: .long, help: "Replace existing report files.")
    var overwrite = false

    func run() throws {
        // Output paths first: a typo in --html is reported before the (possibly large) result is read.
        let outputs = try OutputFlags(["--md": md, "--html": html], overwrite: overwrite)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: result, isDirectory: &isDirectory), isDirectory.boolValue {
            return try trend(outputs: outputs)
        }
        if let new { return try compare(base: result, new: new, outputs: outputs) }
        let report: RunReport
        do { report = try RunReport.load(from: result) } catch { throw usageError("\(error)") }
        let markdown = MarkdownReport.render(report)
        if md == nil && html == nil { print(markdown, terminator: ""); return }
        try outputs.write(Data(markdown.utf8), for: "--md")
        if outputs["--html"] != nil {
            let page = HTMLReport.render(report, baseDirectory: AtomicFile.splitPath(result).folder)
            try outputs.write(Data(page.utf8), for: "--html")
        }
    }

    /// Two files: the comparison in Markdown (as `volley compare --format md`) and as an HTML page.
    func compare(base basePath: String, new newPath: String, outputs: OutputFlags) throws {
        let base: RunReport, new: RunReport, comparison: Comparison
        do {
            base = try RunReport.load(from: basePath)
            new = try RunReport.load(from: newPath)
            comparison = try Comparison.compare(base: base, new: new, basePath: basePath, newPath: newPath)
        } catch {
            throw usageError("\(error)")
        }
        let markdown = ComparisonPrinter.render(comparison, format: .md)
        if md == nil && html == nil { print(markdown, terminator: ""); return }
        try outputs.write(Data(markdown.utf8), for: "--md")
        if outputs["--html"] != nil {
            let page = ComparisonPage.render(base: base, new: new, comparison: comparison,
                                             baseDirectory: AtomicFile.splitPath(basePath).folder,
                                             newDirectory: AtomicFile.splitPath(newPath).folder)
            try outputs.write(Data(page.utf8), for: "--html")
        }
    }

    /// `volley report FOLDER`: the trend of every figure across the folder's results.
    func trend(outputs: OutputFlags) throws {
        let trend: Trend
        do { trend = try Trend.load(directory: result) } catch { throw usageError("\(error)") }
        let title = (result as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? result
        let markdown = Data(TrendReport.markdown(trend, title: title).utf8)
        let page = Data(TrendReport.html(trend, title: title).utf8)
        // Trend files are derived from the results and rewritten on every call, unlike a result or a named output.
        let mdPath = md ?? (result as NSString).appendingPathComponent("trend.md")
        let htmlPath = html ?? (result as NSString).appendingPathComponent("trend.html")
        do {
            if md == nil { try AtomicFile.write(markdown, to: mdPath, overwrite: true) }
            if html == nil { try AtomicFile.write(page, to: htmlPath, overwrite: true) }
        } catch {
            throw usageError("\(error)")
        }
        try outputs.write(markdown, for: "--md")
        try outputs.write(page, for: "--html")
        if !outputs.usesStandardOutput { print("trend of \(trend.runs.count) run(s): \(mdPath), \(htmlPath)") }
    }
}
