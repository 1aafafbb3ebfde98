import Foundation
import LoadGen
import Metrics

/// Runs a validated scenario: checks every variant can run before starting any, runs them in
/// order through a `VariantRunner`, prints the side-by-side table, evaluates the thresholds,
/// and writes the result file `results/<scenario>/<timestamp>.json` (never replacing one).
public struct BenchSession {
    public var scenario: Scenario
    public var runner: any VariantRunner
    /// The folder holding one folder per scenario (`results`).
    public var resultsDirectory: String
    public var progress: BenchProgress
    public var handleInterrupt: Bool
    /// The command line, stored in the result.
    public var command: [String]?
    /// `--segment i/N` and `--start-at` (the first variant's start): see `VariantContext`.
    public var segment: ExecutionSegment?
    public var startAtEpochNanos: UInt64?

    public init(scenario: Scenario, runner: any VariantRunner = RoutingRunner(), resultsDirectory: String = "results",
                progress: BenchProgress, handleInterrupt: Bool = true, command: [String]? = nil) {
        self.scenario = scenario; self.runner = runner; self.resultsDirectory = resultsDirectory
        self.progress = progress; self.handleInterrupt = handleInterrupt; self.command = command
    }

    /// How a session ended.
    public struct Outcome {
        /// 0 every threshold passed, 1 one failed, 2 nothing could run, 130 interrupted.
        public var exitCode: Int32
        public var report: RunReport?
        public var resultPath: String?
        public var checks: [ThresholdCheck]
        /// What went wrong, for standard error, when `exitCode` is 2.
        public var errors: [String]
    }

    /// Reasons some variants cannot run, one line each; empty when all can.
    public func preflight() -> [String] {
        var reasons: [(String, [String])] = []
        for plan in scenario.variants {
            var unsupported = runner.unsupported(plan)
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
        var results: [VariantResult] = []
        var interrupted = false
        for (index, plan) in scenario.variants.enumerated() {
            progress.variantStarted(plan.name, index: index, count: scenario.variants.count)
            var context = VariantContext(index: index, count: scenario.variants.count, scenario: scenario.name,
                                         profile: scenario.profile, outputDirectory: directory,
                                         handleInterrupt: handleInterrupt, progress: progress)
            context.segment = segment
            context.startAtEpochNanos = index == 0 ? startAtEpochNanos : nil
            do {
                let outcome = try runner.run(plan, context: context)
                progress.variantFinished(outcome.result)
                results.append(outcome.result)
                if outcome.interrupted { interrupted = true; break }
            } catch {
                progress.variantFailed(error.message)
                if error.interrupted { interrupted = true; break }
                return Outcome(exitCode: 2, checks: [], errors: ["variant `\(plan.name)`: \(error.message)"])
            }
        }

        if results.isEmpty { return Outcome(exitCode: 130, checks: [], errors: ["interrupted before any variant finished; no result written"]) }
        let checks = ThresholdEvaluator.evaluate(scenario.thresholds, on: results)
        var notes = checks.map { "threshold \($0.line)" }
        if interrupted { notes.append("interrupted: \(results.count) of \(scenario.variants.count) variants ran") }
        let report = RunReport(host: .current(), createdAt: RunReport.timestamp(now), command: command,
                               scenario: scenario.name, variants: results, notes: notes.isEmpty ? nil : notes)
        progress.line("")
        progress.line(ResultTable.text(report))
        for check in checks { progress.line(check.line) }

        var errors: [String] = []
        var path: String?
        do {
            path = try Self.write(report, directory: directory, now: now)
            progress.line("result: \(path!)")
        } catch {
            errors.append("\(error)")
        }
        let code: Int32 = interrupted ? 130 : (!errors.isEmpty ? 2 : (checks.contains { !$0.passed } ? 1 : 0))
        return Outcome(exitCode: code, report: report, resultPath: path, checks: checks, errors: errors)
    }

    /// Writes `report` atomically as `<directory>/<timestamp>.json`, adding `-2`, `-3`… rather than replacing a file.
    public static func write(_ report: RunReport, directory: String, now: Date) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultFileError.writeFailed(path: directory, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: now)
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
