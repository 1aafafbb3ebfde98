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
        discussion: "Without --md or --html the Markdown goes to standard output. Exit 2 when the result cannot be read."
    )

    @Argument(help: "Result file (JSON); two files (BASE NEW) render a comparison.")
    var result: String

    @Argument(help: "A second result file: the page compares RESULT (base) with it (new).")
    var new: String?

    @Option(name: .long, help: "Write the Markdown summary here.")
    var md: String?

    @Option(name: .long, help: "Write the HTML report here.")
    var html: String?

    @Flag(name: .long, help: "Replace existing report files.")
    var overwrite = false

    func run() throws {
        if let new { return try compare(base: result, new: new) }
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

    /// Two files: the comparison in Markdown (as `volley compare --format md`) and as an HTML page.
    func compare(base basePath: String, new newPath: String) throws {
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
        do {
            if let md { try AtomicFile.write(Data(markdown.utf8), to: md, overwrite: overwrite) }
            if let html {
                let page = ComparisonPage.render(base: base, new: new, comparison: comparison,
                                                 baseDirectory: (basePath as NSString).deletingLastPathComponent,
                                                 newDirectory: (newPath as NSString).deletingLastPathComponent)
                try AtomicFile.write(Data(page.utf8), to: html, overwrite: overwrite)
            }
        } catch {
            throw usageError("\(error)")
        }
    }
}
