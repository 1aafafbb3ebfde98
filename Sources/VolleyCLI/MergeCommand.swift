import ArgumentParser
import Foundation
import Metrics
import Reports

/// `volley merge`: the segment results of one run spread over several generators, merged into
/// the result one generator would have written.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the --json results of the segments of one run (--segment i/N) into one result file.",
        discussion: """
        Histograms are added (percentiles are those of the added histograms), counters summed, and the
        per-second series aligned on the wall clock. Every segment 0..N-1 must be given exactly once,
        completed, with the same configuration.
        Exit codes: 0 merged, 2 a file is unreadable, of another schema version, of another run,
        a segment is missing, given twice or was interrupted (the message names the file).
        """
    )

    @Option(name: [.customShort("o"), .long], help: "Write the merged result here.")
    var output: String

    @Flag(name: .long, help: "Replace an existing output file.")
    var overwrite = false

    @Flag(name: .long, help: "Print nothing on standard output.")
    var quiet = false

    @Argument(help: "Segment result files (JSON), one per segment.")
    var segments: [String]

    func run() throws {
        guard !segments.isEmpty else { throw usageError("no segment files given") }
        var files: [SegmentFile] = []
        for path in segments {
            do { files.append(SegmentFile(path: path, report: try RunReport.load(from: path))) } catch {
                throw usageError("\(error)")
            }
        }
        let merged: RunReport
        do {
            merged = try RunMerge.merge(files, command: ["volley"] + CommandLine.arguments.dropFirst())
        } catch {
            throw usageError("\(error)")
        }
        do { try merged.write(to: output, overwrite: overwrite) } catch { throw usageError("\(error)") }
        guard !quiet else { return }
        for variant in merged.variants {
            let paced = variant.pacing != nil
            print(paced ? RateTextPrinter.header(configuration: variant.configuration)
                        : WrkTextPrinter.header(configuration: variant.configuration), terminator: "")
            print(paced ? RateTextPrinter.body(variant, latencyDistribution: true)
                        : WrkTextPrinter.body(variant, latencyDistribution: true), terminator: "")
        }
        print("merged \(files.count) segments into \(output)")
    }
}
