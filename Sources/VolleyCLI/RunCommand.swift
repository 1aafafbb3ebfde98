import ArgumentParser
import Foundation
import HTTP1
import LoadGen
import Metrics
import Reports
import Scripting

/// `volley run`: drive load at a URL, like wrk.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive HTTP/1.1 load at a URL and report throughput and latency (wrk's flags and output).",
        discussion: """
        Example: volley -t2 -c100 -d10s --latency http://127.0.0.1:8080/
        Exit codes: 0 ok, 1 a --threshold/--max-error-rate check failed or no request succeeded, 2 bad usage or unreachable target, 130 SIGINT, 143 SIGTERM (results still printed and written).
        """
    )

    @OptionGroup var load: LoadFlags<RunDefaults>

    @Option(name: [.customShort("d"), .long], help: "Duration of the test, e.g. 10s, 1m, 500ms.")
    var duration: String = "10s"

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

    @Option(name: .long, help: "Write an HdrHistogram interval log (one compressed histogram per second) to a file (- for standard output).")
    var hlog: String?

    @Option(name: .long, help: "Write the results as a RunReport JSON file (- for standard output; the text then goes to standard error).")
    var json: String?

    @Option(name: .long, help: "Write the HdrHistogram latency spectrum (.hgrm) to a file (- for standard output).")
    var hgrm: String?

    @OptionGroup var profiling: ProfileFlags

    @Option(name: .long, help: "With --profile: profile this local process (the server under test) for the run instead of the generator.")
    var profilePid: Int32?

    @Option(name: .long, help: "Profiler for --profile-pid: auto (py-spy for a Python process, else perf), perf or py-spy.")
    var profileWith: String = "auto"

    @Flag(name: .long, help: "Overwrite existing --json/--hgrm/--hlog/--profile files.")
    var overwrite = false

    @Flag(name: .long, help: "Print nothing on standard output (use with --json).")
    var quiet = false

    @Option(name: .long, help: "Fail (exit 1) unless this holds, e.g. 'p99<50ms', 'rps>1000' (the scenario threshold grammar); repeatable.")
    var threshold: [String] = []

    @Option(name: .long, help: "Fail (exit 1) when more than this share of requests failed, e.g. 1%. A run in which no request succeeded always fails.")
    var maxErrorRate: String?

    @Option(name: [.customShort("s"), .long], help: "Load a wrk Lua script (wrk's scripting API on LuaJIT); its arguments follow `--`.")
    var script: String?

    @OptionGroup var segmenting: SegmentFlags

    @Argument(help: "Target URL (http:// or https://).")
    var url: String

    @Argument(parsing: .postTerminator, help: "Arguments for the script's init(args), after `--`.")
    var scriptArguments: [String] = []

    func run() throws {
        var options = try makeOptions()
        let segmentSetup = try segmenting.resolve()
        options.segment = segmentSetup.segment
        do { try options.validate() } catch { throw usageError(error.description) }
        if segmentSetup.segment != nil && json == nil { throw usageError("--segment needs --json FILE: the segment's result is what `volley merge` reads") }
        let gate = try makeGate()
        let session = try openScript(options)
        let threadScripts = try makeScriptThreads(session, options: options)
        let runner: LoadRunner
        do {
            runner = try LoadRunner(options: options, scripts: threadScripts)
            try runner.checkReachable()
        } catch {
            throw usageError(error.description)
        }
        let profileSettings = try self.profileSettings()
        let outputs = try OutputFlags(["--json": json, "--hgrm": hgrm, "--hlog": hlog, "--profile": self.profiling.profile], overwrite: overwrite)
        let screen = Screen(toStandardError: outputs.usesStandardOutput)
        var configuration = options.configuration
        if let session { configuration.script = session.reference }
        let paced = options.rate != nil
        // Signals are the command's from here: the header below tells a watcher the run has begun.
        let signals = ProcessStop()
        defer { signals.finish() }
        if !quiet {
            screen.show(paced ? RateTextPrinter.header(configuration: configuration) : WrkTextPrinter.header(configuration: configuration))
            if let segment = options.segment { screen.show("  segment \(segment) of the run: \(options.localConnections) of its \(options.connections) connections\n") }
        }
        var log: HistogramLogFile?
        if let hlog = outputs["--hlog"] {
            do { log = try HistogramLogFile(target: hlog, overwrite: overwrite) } catch { throw usageError("\(error)") }
            runner.intervalSink = log?.sink
        }
        let segmentIntervals = segmentSetup.segment == nil ? nil : SegmentIntervalLog()
        runner.intervalSink = SegmentIntervalLog.combine([runner.intervalSink, segmentIntervals?.sink])
        var lateNanos: UInt64 = 0
        runner.beforeStart = { lateNanos = segmentSetup.waitForStart() }

        // A server named with --profile-pid is a local process: its CPU goes on the run's time axis too.
        runner.serverProcessID = profileSettings?.pid
        if let profileSettings { try startProfiling(profileSettings, runner: runner) }
        let measurement = runner.run(stop: signals.token)
        log?.close()
        if let profileSettings { try finishProfiling(profileSettings, target: outputs["--profile"]!, screen: screen) }

        if let session { configuration.script = session.reference }
        var result = VariantResult(name: "run", configuration: configuration, measurement: measurement)
        if runner.interrupted { result.interrupted = true }
        if !quiet {
            if paced {
                screen.show(RateTextPrinter.body(result, latencyDistribution: latency))
            } else {
                screen.show(WrkTextPrinter.body(result, latencyDistribution: latency))
                screen.show(RateTextPrinter.warnings(result))
            }
            if runner.interrupted { screen.show(Self.interruptedLine(result, signal: signals.token.signal)) }
        }
        let scriptFailed = try finishScript(session, measurement: measurement)
        if outputs["--json"] != nil {
            var report = RunReport.single(configuration: configuration, measurement: measurement,
                                          command: ["volley"] + CommandLine.arguments.dropFirst())
            report.variants[0].interrupted = result.interrupted
            report.source = SourceInfo.detect()
            report.variants[0].segment = segmentSetup.record(runner: runner, measurement: measurement,
                                                             intervals: segmentIntervals, lateNanos: lateNanos)
            try outputs.write(try report.jsonData(), for: "--json")
        }
        if quiet {
            for warning in GeneratorAdvice.lines(result.generator) { printError(warning) }
        }
        try outputs.write(Data(HgrmPrinter.text(measurement.latency).utf8), for: "--hgrm")
        if runner.interrupted { throw CommandExit(signals.exitCode ?? ExitStatus.interrupted) }
        if scriptFailed { throw CommandExit(ExitStatus.badInput) }
        try checkGate(gate, result)
    }

    /// Turns the flags into validated engine options; every mistake is exit 2 with a plain message.
    func makeOptions() throws -> LoadOptions {
        let durationNanos = try QuantityFlag.duration(duration, flag: "duration")
        var schedule: RateSchedule?
        if let rate { schedule = try QuantityFlag.schedule(rate, durationNanos: durationNanos) }
        return try load.options(url: url, durationNanos: durationNanos,
                                request: .init(method: method, body: body, bodyFile: bodyFile, pipeline: pipeline, rate: schedule))
    }
}

/// `run`'s defaults for the shared load flags: wrk's.
enum RunDefaults: LoadFlagDefaults {
    static let connections = 10
}
