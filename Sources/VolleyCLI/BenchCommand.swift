import ArgumentParser
import Foundation
import Metrics
import Reports
import Scenario

/// `volley bench`: run a whole scenario and keep its result.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a scenario file: every variant, a side-by-side table, thresholds, and a result file.",
        discussion: """
        The scenario is validated first; any mistake is reported with file, line and column, and nothing starts.
        For `server:` scenarios each variant gets its own `volley mongod` (when asked) and `volley serve` child,
        pinned to the configured CPUs and always stopped (also on Ctrl-C, or if bench is killed).
        Exit codes: 0 all thresholds pass, 1 a threshold failed, 2 bad scenario or a variant could not run,
        130 SIGINT, 143 SIGTERM (the variants that ran, and the one cut short, are still written).
        Format: scenarios/README.md.
        """
    )

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(name: .long, help: "Folder for results; the file goes to OUT/<scenario>/<timestamp>.json.")
    var out: String = "results"

    @Flag(name: .long, help: "Apply the scenario's `quick` settings (short runs for demos and CI).")
    var quick = false

    @Option(name: .long, help: "Override every variant's duration, e.g. 2s.")
    var duration: String?

    @Flag(name: .long, help: "Validate and list the variants, then stop.")
    var dryRun = false

    @Flag(name: .long, help: "Also write <timestamp>.md and <timestamp>.html reports beside the result.")
    var report = false

    @Option(name: .long, help: "Measure every variant this many times, interleaved (A B A B …); each repeat is kept in the result, and `volley compare` judges spread from them (default 5; 1 with --segment; with --baseline-binary, paired runs with both servers restarted each time, default 1).")
    var `repeat`: Int?

    @Option(name: .long, help: "Start servers and mongod from this volley binary instead of the running one (e.g. another build).")
    var serverBinary: String?

    @Option(name: .long, help: "Paired A/B bench: also start each variant's server from this baseline build, and alternate the load between the two in short slots (--slot); the baseline's result goes to OUT/<scenario>/baseline/. Then `volley compare BASELINE RESULT` judges the change from the pairs.")
    var baselineBinary: String?

    @Option(name: .long, help: "Paired bench: the length of one slot of load on one build before switching to the other (default 100ms).")
    var slot: String?

    @OptionGroup var segmenting: SegmentFlags

    /// Children come from `--server-binary`, else from this very binary; in-process (tests) there is none to start.
    func serverRunner() -> ServerRunner? {
        if let serverBinary { return ServerRunner(executable: serverBinary) }
        return VolleyMain.isExecutable ? ServerRunner(executable: ServerRunner.currentExecutable()) : nil
    }

    func run() throws {
        var loaded: Scenario
        do {
            loaded = try ScenarioParser.load(path: scenario, options: .init(quick: quick))
        } catch {
            printError(error.description)
            throw CommandExit(ExitStatus.badInput)
        }
        if let duration {
            // As on `volley run`: a bare number is seconds (`--duration 10` is `-d 10`).
            let nanos = try QuantityFlag.duration(duration, flag: "--duration", examples: "2s, 500ms, 10")
            for i in loaded.variants.indices { loaded.variants[i].load.durationNanos = nanos }
        }
        if let `repeat`, !(1...100).contains(`repeat`) { throw usageError("--repeat must be 1 to 100") }
        if dryRun {
            print("\(loaded.name): \(loaded.variants.count) variant(s)")
            for plan in loaded.variants {
                print("  \(plan.name): \(plan.load.connections) connections, \(plan.load.threads) threads, \(Quantity.formatDuration(plan.load.durationNanos))")
            }
            return
        }
        let segmentSetup = try segmenting.resolve()
        // A segment is one share of one run, merged with the other pods' shares: repeats would
        // need one segment record each, so a segmented bench runs each variant once.
        if segmentSetup.segment != nil, let `repeat`, `repeat` > 1 {
            throw usageError("--repeat \(`repeat`) with --segment: a segmented bench measures each variant once (repeat the whole distributed run instead)")
        }
        var paired: PairedServerRunner?
        if let baselineBinary {
            guard FileManager.default.isExecutableFile(atPath: baselineBinary) else { throw usageError("--baseline-binary: `\(baselineBinary)` is not an executable file") }
            guard let newRunner = serverRunner() else { throw usageError("--baseline-binary needs --server-binary here (no volley binary to start the new build's servers from)") }
            if segmentSetup.segment != nil { throw usageError("--baseline-binary with --segment: a paired bench runs on one machine") }
            if loaded.profile { throw usageError("--baseline-binary: the scenario asks for `profile`; a paired bench does not profile (run the scenario on each build for profiles)") }
            var slotNanos = PairedServerRunner.defaultSlotNanos
            if let slot { slotNanos = try QuantityFlag.duration(slot, flag: "--slot", examples: "100ms, 250ms") }
            guard slotNanos >= 20_000_000 else { throw usageError("--slot must be at least 20ms (each slot opens its connections afresh)") }
            paired = PairedServerRunner(base: ServerRunner(executable: baselineBinary), new: newRunner, slotNanos: slotNanos)
        } else if slot != nil {
            throw usageError("--slot is for a paired bench (--baseline-binary)")
        }
        try checkResultsFolder((out as NSString).appendingPathComponent(loaded.name))
        let signals = ProcessStop()
        defer { signals.finish() }
        var session = BenchSession(scenario: loaded, runner: RoutingRunner(server: serverRunner()), resultsDirectory: out,
                                   progress: .standardOutput(), stop: signals.token,
                                   command: ["volley"] + CommandLine.arguments.dropFirst())
        session.summaryTable = { ResultTable.text($0) }
        session.repeats = segmentSetup.segment != nil ? 1 : (`repeat` ?? BenchSession.defaultRepeats)
        session.segment = segmentSetup.segment
        session.paired = paired
        // Paired slots already pair every measurement with the other build's; repeats restart the servers.
        if paired != nil { session.repeats = `repeat` ?? BenchSession.defaultPairedRepeats }
        session.startAtEpochNanos = segmentSetup.startAtNanos
        let outcome = session.run()
        for error in outcome.errors { printError("volley: \(error)") }
        if report, let result = outcome.report, let path = outcome.resultPath {
            let stem = (path as NSString).deletingPathExtension
            let directory = (path as NSString).deletingLastPathComponent
            do {
                try AtomicFile.write(Data(MarkdownReport.render(result).utf8), to: stem + ".md")
                try AtomicFile.write(Data(HTMLReport.render(result, baseDirectory: directory).utf8), to: stem + ".html")
                print("report: \(stem).html")
            } catch {
                printError("volley: \(error)")
            }
        }
        if outcome.exitCode != 0 { throw CommandExit(outcome.exitCode) }
    }
}

extension BenchCommand {
    /// The results folder must exist or be creatable, and take files, before any server starts.
    /// Nothing is created here: a scenario refused later leaves no folder behind.
    func checkResultsFolder(_ folder: String) throws {
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing) {
            let parent = AtomicFile.splitPath(existing).folder
            existing = parent.isEmpty ? "." : parent
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw usageError("--out: cannot create \(folder): \(existing) is not a folder")
        }
        guard access(existing, W_OK | X_OK) == 0 else {
            throw usageError("--out: cannot create files in \(existing): \(String(cString: strerror(errno)))")
        }
    }
}
