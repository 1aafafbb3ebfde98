import ArgumentParser
import Foundation
import HTTP1
import LoadGen
import Metrics

/// `volley run`: drive load at a URL, like wrk.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive HTTP/1.1 load at a URL and report throughput and latency (wrk's flags and output).",
        discussion: """
        Example: volley -t2 -c100 -d10s --latency http://127.0.0.1:8080/
        Exit codes: 0 ok, 2 bad usage or unreachable target, 130 interrupted (results still printed).
        """
    )

    @Option(name: [.customShort("t"), .long], help: "Number of threads (event loops) to use.")
    var threads: Int = 2

    @Option(name: [.customShort("c"), .long], help: "Connections to keep open, spread over the threads.")
    var connections: Int = 10

    @Option(name: [.customShort("d"), .long], help: "Duration of the test, e.g. 10s, 1m, 500ms.")
    var duration: String = "10s"

    @Option(name: [.customShort("H"), .long], help: "Add a header to the request ('Name: value'); repeatable.")
    var header: [String] = []

    @Option(name: .long, help: "Count a request as timed out after this long, e.g. 2s.")
    var timeout: String = "2s"

    @Flag(name: .long, help: "Print the latency distribution.")
    var latency = false

    @Option(name: [.customShort("m"), .long], help: "Request method.")
    var method: String = "GET"

    @Option(name: .long, help: "Request body (text).")
    var body: String?

    @Option(name: .long, help: "Read the request body from a file.")
    var bodyFile: String?

    @Option(name: [.customShort("p"), .long], help: "HTTP/1.1 pipelining depth: requests written at once per connection.")
    var pipeline: Int = 1

    @Option(name: [.customShort("R"), .long],
            help: "Constant throughput: total requests/sec over all connections (e.g. 2000, 10k), or a linear ramp START:END. Latency is then measured from when each request should have been sent.")
    var rate: String?

    @Option(name: .long, help: "Write an HdrHistogram interval log (one compressed histogram per second) to a file.")
    var hlog: String?

    @Option(name: .long, help: "Write the results as a RunReport JSON file.")
    var json: String?

    @Option(name: .long, help: "Write the HdrHistogram latency spectrum (.hgrm) to a file.")
    var hgrm: String?

    @Option(name: .long, help: "Profile the generator's own threads (sampled CPU profile) into this file: .folded/.txt, .json (speedscope) or .svg.")
    var profile: String?

    @Option(name: .long, help: "Profile sampling rate per thread CPU-second.")
    var profileHz: Int = 199

    @Option(name: .long, help: "Profile format: folded, speedscope or svg (default: from the file extension).")
    var profileFormat: String?

    @Flag(name: .long, help: "Overwrite existing --json/--hgrm/--hlog/--profile files.")
    var overwrite = false

    @Flag(name: .long, help: "Print nothing on standard output (use with --json).")
    var quiet = false

    @OptionGroup(title: "https")
    var tls: TLSFlags

    @Argument(help: "Target URL (http:// or https://).")
    var url: String

    func run() throws {
        let options = try makeOptions()
        let runner: LoadRunner
        do {
            runner = try LoadRunner(options: options)
            try runner.checkReachable()
        } catch {
            throw usageError(error.description)
        }
        let profiling = try profileSettings()
        for path in [json, hgrm, hlog, profile].compactMap({ $0 }) where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw usageError("\(path) exists; pass --overwrite to replace it")
        }
        let configuration = options.configuration
        let paced = options.rate != nil
        if !quiet {
            print(paced ? RateTextPrinter.header(configuration: configuration) : WrkTextPrinter.header(configuration: configuration),
                  terminator: "")
            fflush(nil)
        }
        var log: HistogramLogFile?
        if let hlog {
            do { log = try HistogramLogFile(path: hlog, overwrite: overwrite) } catch { throw usageError("\(error)") }
            runner.intervalSink = log?.sink
        }

        if let profiling { try startProfiling(profiling, runner: runner) }
        let measurement = runner.run()
        log?.close()
        if let profiling { try finishProfiling(profiling) }

        let result = VariantResult(name: "run", configuration: configuration, measurement: measurement)
        if !quiet {
            if paced {
                print(RateTextPrinter.body(result, latencyDistribution: latency), terminator: "")
            } else {
                print(WrkTextPrinter.body(result, latencyDistribution: latency), terminator: "")
                print(RateTextPrinter.warnings(result), terminator: "")
            }
            if runner.interrupted { print("Interrupted: results cover \(String(format: "%.2f", result.summary.elapsedSeconds))s.") }
        }
        if let json {
            let report = RunReport.single(configuration: configuration, measurement: measurement,
                                          command: ["volley"] + CommandLine.arguments.dropFirst())
            do { try report.write(to: json, overwrite: overwrite) } catch { throw usageError("\(error)") }
        }
        if quiet, let warnings = result.generator?.warnings {
            for warning in warnings { printError(warning) }
        }
        if let hgrm {
            let text = HgrmPrinter.text(measurement.latency)
            do { try AtomicFile.write(Data(text.utf8), to: hgrm, overwrite: overwrite) } catch { throw usageError("\(error)") }
        }
        if runner.interrupted { throw CommandExit(ExitStatus.interrupted) }
    }

    /// Turns the flags into validated engine options; every mistake is exit 2 with a plain message.
    func makeOptions() throws -> LoadOptions {
        guard let durationNanos = DurationParser.nanoseconds(duration), durationNanos > 0 else {
            throw usageError("invalid duration '\(duration)' (examples: 10s, 1m, 500ms)")
        }
        guard let timeoutNanos = DurationParser.nanoseconds(timeout), timeoutNanos > 0 else {
            throw usageError("invalid timeout '\(timeout)' (examples: 2s, 500ms)")
        }
        let target: HTTPURL
        do { target = try HTTPURL(parsing: url) } catch { throw usageError("invalid URL '\(url)': \(error)") }
        var headers: [(name: String, value: String)] = []
        for line in header {
            guard let colon = line.firstIndex(of: ":") else {
                throw usageError("invalid header '\(line)' (expected 'Name: value')")
            }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw usageError("invalid header '\(line)': empty name") }
            headers.append((name, value))
        }
        if body != nil && bodyFile != nil { throw usageError("use --body or --body-file, not both") }
        var bodyBytes: [UInt8] = []
        if let body { bodyBytes = Array(body.utf8) }
        if let bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                throw usageError("cannot read body file '\(bodyFile)'")
            }
            bodyBytes = Array(data)
        }
        let methodName = method.uppercased()
        guard !methodName.isEmpty, methodName.allSatisfy({ $0.isLetter || $0 == "-" }) else {
            throw usageError("invalid method '\(method)'")
        }
        var schedule: RateSchedule?
        if let rate {
            guard let parsed = RateParser.schedule(rate, durationNanos: durationNanos) else {
                throw usageError("invalid rate '\(rate)' (requests/sec over all connections, e.g. 2000, 10k, or a ramp 1000:20000)")
            }
            schedule = parsed
        }
        var options = LoadOptions(url: target, threads: threads, connections: connections, durationNanos: durationNanos,
                                  timeoutNanos: timeoutNanos, pipeline: pipeline, method: methodName,
                                  headers: headers, body: bodyBytes, rate: schedule)
        options.tls = tls.configuration
        do { try options.validate() } catch { throw usageError(error.description) }
        return options
    }
}
