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

    @Argument(help: "Result file (JSON).")
    var result: String

    @Option(name: .long, help: "Write the Markdown summary here (- for standard output).")
    var md: String?

    @Option(name: .long, help: "Write the HTML report here (- for standard output).")
    var html: String?

    @Flag(name: .long, help: "Replace existing report files.")
    var overwrite = false

    func run() throws {
        // Output paths first: a typo in --html is reported before the (possibly large) result is read.
        let outputs = try OutputFlags(["--md": md, "--html": html], overwrite: overwrite)
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
}
