import Clocks
import Foundation
import LoadGen
import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// Runs a validated scenario: checks every variant can run before starting any, runs them in
/// order through a `VariantRunner`, prints the side-by-side table, evaluates the thresholds,
/// and writes the result file `results/<scenario>/<timestamp>.json` (never replacing one).
public struct BenchSession {
    public var scenario: Scenario
    public var runner: any VariantRunner
    /// The folder holding one folder per scenario (`results`).
    public var resultsDirectory: String
    public var progress: BenchProgress
    /// Requested by the command line on SIGINT/SIGTERM: the variant running stops early, the
    /// rest do not start, and what ran is written (nil: nothing stops the session).
    public var stop: StopToken?
    /// The command line, stored in the result.
    public var command: [String]?
    /// The side-by-side table printed after the last variant (the Reports target's `ResultTable.text`);
    /// Scenario does not print reports itself.
    public var summaryTable: (@Sendable (RunReport) -> String)?
    /// How many times each variant is measured, interleaved: A B A B …, so that a slow drift
    /// of the machine hits every variant alike (`--repeat`).
    public var repeats: Int = 1
    /// `volley bench`'s default `--repeat`: the smallest that met both goals of the gate on a
    /// shared 2-core machine (BENCHMARKS.md, "Regression gate").
    public static let defaultRepeats = 5
    /// `volley bench --baseline-binary`'s default `--repeat`: paired runs (both servers restarted
    /// each time) per variant. The smallest that met both goals of the gate on the shared 2-core
    /// machine: one paired `--quick` run of ci-smoke (20 slot pairs per variant) caught a 9%
    /// slowdown 40 times in 40 with 1 false alarm in 40 A/A (BENCHMARKS.md, "Regression gate").
    public static let defaultPairedRepeats = 1
    /// Where the measured code came from (git commit and branch), stored in the result.
    public var source: SourceInfo? = SourceInfo.detect()
    /// `--segment i/N` and `--start-at` (the first variant's start): see `VariantContext`.
    public var segment: ExecutionSegment?
    public var startAtEpochNanos: UInt64?
    /// `--baseline-binary`: every variant measured on two builds side by side, in alternating
    /// slots (`PairedServerRunner`); the baseline's result goes to `<scenario>/baseline/`.
    public var paired: PairedServerRunner?
    /// The folder of a paired bench's baseline results, inside the scenario's folder.
    public static let baselineFolder = "baseline"

    public init(scenario: Scenario, runner: any VariantRunner = RoutingRunner(), resultsDirectory: String = "results",
                progress: BenchProgress, stop: StopToken? = nil, command: [String]? = nil) {
        self.scenario = scenario; self.runner = runner; self.resultsDirectory = resultsDirectory
        self.progress = progress; self.stop = stop; self.command = command
    }

    /// How a session ended.
    public struct Outcome {
        /// 0 every threshold passed, 1 one failed, 2 nothing could run, 130/143 stopped by SIGINT/SIGTERM.
        public var exitCode: Int32
        public var report: RunReport?
        public var resultPath: String?
        /// A paired bench: the baseline build's result and where it was written.
        public var baselineReport: RunReport?
        public var baselinePath: String?
        public var checks: [ThresholdCheck]
        /// What went wrong, for standard error, when `exitCode` is 2.
        public var errors: [String]
    }

    /// Reasons some variants cannot run, one line each; empty when all can.
    public func preflight() -> [String] {
        var reasons: [(String, [String])] = []
        for plan in scenario.variants {
            var unsupported = paired.map { $0.unsupported(plan) } ?? runner.unsupported(plan)
            if segment != nil, case .server = plan.target {
                unsupported = "a segmented bench needs `url:` variants (one target shared by every generator); `server:` starts a server per generator"
            }
            guard let why = unsupported else { continue }
            if let i = reasons.firstIndex(where: { $0.0 == why }) { reasons[i].1.append(plan.name) } else { reasons.append((why, [plan.name])) }
        }
        // One line per reason, not per variant: a matrix of 16 variants has one problem, not 16.
        return reasons.map { why, names in
            let which = names.count == scenario.variants.count && names.count > 1 ? "all \(names.count) variants"
                : (names.count == 1 ? "variant `\(names[0])`" : "variants " + names.map { "`\($0)`" }.joined(separator: ", "))
            return "\(scenario.file): \(which): \(why)"
        }
    }

    public func run(now: Date = Date()) -> Outcome {
        let problems = preflight()
        if !problems.isEmpty { return Outcome(exitCode: 2, checks: [], errors: problems + ["nothing was started"]) }

        let directory = (resultsDirectory as NSString).appendingPathComponent(scenario.name)
        let rounds = max(1, repeats)
        var measured: [[VariantResult]] = Array(repeating: [], count: scenario.variants.count)
        var measuredBase: [[VariantResult]] = Array(repeating: [], count: scenario.variants.count)
        var interrupted = false
        rounds: for round in 0..<rounds {
            for (index, plan) in scenario.variants.enumerated() {
                if stop?.isRequested == true { interrupted = true; break rounds }
                let shown = rounds > 1 ? "\(plan.name) (repeat \(round + 1)/\(rounds))" : plan.name
                progress.variantStarted(shown, index: index, count: scenario.variants.count)
                var context = VariantContext(index: index, count: scenario.variants.count, scenario: scenario.name,
                                             profile: scenario.profile, outputDirectory: directory,
                                             stop: stop, progress: progress)
                context.segment = segment
                context.startAtEpochNanos = index == 0 && round == 0 ? startAtEpochNanos : nil
                do {
                    if let paired {
                        let outcome = try paired.run(plan, context: context)
                        measured[index] += outcome.new
                        measuredBase[index] += outcome.base
                        if !outcome.new.isEmpty {
                            progress.variantFinished(RepeatMerge.merge(outcome.new), baseline: RepeatMerge.merge(outcome.base))
                        }
                        if outcome.interrupted { interrupted = true; break rounds }
                        continue
                    }
                    let outcome = try runner.run(plan, context: context)
                    progress.variantFinished(outcome.result)
                    measured[index].append(outcome.result)
                    if outcome.interrupted { interrupted = true; break rounds }
                } catch {
                    progress.variantFailed(error.message)
                    if error.interrupted { interrupted = true; break rounds }
                    return Outcome(exitCode: 2, checks: [], errors: ["variant `\(plan.name)`: \(error.message)"])
                }
            }
        }
        let results = measured.filter { !$0.isEmpty }.map(RepeatMerge.merge)
        let baseResults = measuredBase.filter { !$0.isEmpty }.map(RepeatMerge.merge)

        let stoppedCode: Int32 = 128 + (stop?.signal ?? SIGINT)
        if results.isEmpty { return Outcome(exitCode: stoppedCode, checks: [], errors: ["interrupted before any variant finished; no result written"]) }
        let checks = ThresholdEvaluator.evaluate(scenario.thresholds, on: results)
        var notes = checks.map { "threshold \($0.line)" }
        if interrupted {
            notes.append("interrupted: \(results.count) of \(scenario.variants.count) variants ran"
                          + (rounds > 1 && paired == nil ? ", \(measured.map(\.count).reduce(0, +)) of \(rounds * scenario.variants.count) repeats" : ""))
        }
        if let paired { notes.append("new build: servers from \(paired.new.executable), each slot paired with one of the baseline \(paired.base.executable)'s") }
        var report = RunReport(host: .current(), createdAt: UTCTime.format(now), command: command,
                               scenario: scenario.name, variants: results, notes: notes.isEmpty ? nil : notes)
        report.source = source
        progress.line("")
        if let summaryTable { progress.line(summaryTable(report)) }
        for check in checks { progress.line(check.line) }
        if interrupted {
            let cut = results.filter { $0.interrupted == true }.map { "`\($0.name)`" }
            progress.line("Interrupted by \(stop?.signal == SIGTERM ? "SIGTERM" : "SIGINT"): \(results.count) of \(scenario.variants.count) variants ran"
                          + (cut.isEmpty ? "" : "; \(cut.joined(separator: ", ")) was cut short"))
        }

        var errors: [String] = []
        var path: String?
        var baselineReport: RunReport?
        var baselinePath: String?
        if paired != nil && !baseResults.isEmpty {
            var base = report
            base.variants = baseResults
            base.notes = ["baseline build: servers from \(paired!.base.executable), each slot paired with one of \(paired!.new.executable)'s"]
                + (report.notes ?? []).filter { $0.hasPrefix("interrupted") }
            base.source = nil
            baselineReport = base
            do {
                baselinePath = try Self.write(base, directory: (directory as NSString).appendingPathComponent(Self.baselineFolder), now: now)
                progress.line("baseline: \(baselinePath!)")
            } catch {
                errors.append("\(error)")
            }
        }
        do {
            path = try Self.write(report, directory: directory, now: now)
            progress.line("result: \(path!)")
        } catch {
            errors.append("\(error)")
        }
        if let baselinePath, let path {
            progress.line("judge the change: volley compare \(baselinePath) \(path)")
        }
        let code: Int32 = interrupted ? stoppedCode : (!errors.isEmpty ? 2 : (checks.contains { !$0.passed } ? 1 : 0))
        var outcome = Outcome(exitCode: code, report: report, resultPath: path, checks: checks, errors: errors)
        outcome.baselineReport = baselineReport
        outcome.baselinePath = baselinePath
        return outcome
    }

    /// Writes `report` atomically as `<directory>/<timestamp>.json`, adding `-2`, `-3`… rather than replacing a file.
    public static func write(_ report: RunReport, directory: String, now: Date) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultFileError.writeFailed(path: directory, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let stamp = UTCTime.fileStamp(now)
        for attempt in 1...1000 {
            let name = attempt == 1 ? "\(stamp).json" : "\(stamp)-\(attempt).json"
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try report.write(to: path, overwrite: false)
                return path
            } catch ResultFileError.alreadyExists {
                continue
            }
        }
        throw ResultFileError.alreadyExists(path: (directory as NSString).appendingPathComponent("\(stamp).json"))
    }
}
