import ArgumentParser
import Clocks
import Foundation
import LoadGen
import Metrics

/// `--segment`, `--segments`, `--start-at`: the same flags, rules and messages on `run` (its one
/// load) and `bench` (every variant's load, `url:` scenarios).
struct SegmentFlags: ParsableArguments {
    @Option(name: .long, help: "Run only segment i of N of the load (e.g. 0/4), one per generator; `volley merge` joins their result files (bench: of every variant's load, `url:` scenarios).")
    var segment: String?

    @Option(name: .long, help: "Number of segments, the index coming from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); also VOLLEY_SEGMENTS.")
    var segments: Int?

    @Option(name: .long, help: "Start the load at this instant (RFC 3339 or epoch milliseconds), e.g. the same for every segment (bench: the first variant's load); also VOLLEY_START_AT.")
    var startAt: String?

    /// The flags with the environment, resolved; every mistake is exit 2 with the reason.
    func resolve() throws -> SegmentSetup {
        try SegmentSetup.resolve(segment: segment, segments: segments, startAt: startAt)
    }
}

/// `--segment i/N`, `--segments N`, `--start-at TIME` and the environment an Indexed Job sets
/// (`JOB_COMPLETION_INDEX`, with `VOLLEY_SEGMENTS`), resolved once for `run` and `bench`.
struct SegmentSetup {
    /// This process's segment, or nil for a whole run.
    var segment: ExecutionSegment?
    /// The instant to start at, ns since the Unix epoch.
    var startAtNanos: UInt64?

    /// Environment variables read, as Kubernetes names them.
    static let indexVariable = "JOB_COMPLETION_INDEX"
    static let countVariable = "VOLLEY_SEGMENTS"
    static let startVariable = "VOLLEY_START_AT"

    /// Explicit flags win over the environment; an index from the environment is used only when
    /// the number of segments is given too (so a Volley that merely runs inside some Indexed Job
    /// is not split by accident). Every mistake is exit 2 with the reason.
    static func resolve(segment: String?, segments: Int?, startAt: String?,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SegmentSetup {
        var setup = SegmentSetup()
        var count = segments
        if count == nil, let text = environment[countVariable], !text.isEmpty {
            guard let n = Int(text) else { throw usageError("\(countVariable)='\(text)' is not a number of segments") }
            count = n
        }
        if let count, !(1...ExecutionSegment.maximumCount).contains(count) {
            throw usageError("the number of segments must be between 1 and \(ExecutionSegment.maximumCount), not \(count)")
        }
        if let segment {
            guard let parsed = ExecutionSegment(parsing: segment) else {
                throw usageError("invalid --segment '\(segment)' (expected i/N with 0 <= i < N, e.g. 0/4)")
            }
            if let count, count != parsed.count {
                throw usageError("--segment \(segment) says \(parsed.count) segments but --segments/\(countVariable) says \(count)")
            }
            setup.segment = parsed
        } else if let count {
            guard let text = environment[indexVariable], !text.isEmpty else {
                throw usageError("\(count) segments but no index: pass --segment i/\(count) or set \(indexVariable)")
            }
            guard let index = Int(text), let parsed = ExecutionSegment(index: index, count: count) else {
                throw usageError("\(indexVariable)='\(text)' is not a segment index below \(count)")
            }
            setup.segment = parsed
        }
        let start = startAt ?? environment[startVariable].flatMap { $0.isEmpty ? nil : $0 }
        if let start {
            guard let nanos = StartInstant.parse(start) else {
                throw usageError("invalid --start-at '\(start)' (RFC 3339 like 2026-12-04T18:30:00Z, or milliseconds since the epoch)")
            }
            // A day off either way is a mistake (seconds given for milliseconds, a wrong date), not a plan.
            let now = WallClock.nowNanos(), day: UInt64 = 86_400_000_000_000
            if nanos > now + day || now > nanos + day {
                throw usageError("--start-at '\(start)' is \(StartInstant.format(epochNanos: nanos)), more than a day from now (epoch milliseconds, not seconds?)")
            }
            setup.startAtNanos = nanos
        }
        return setup
    }

    /// Waits for `--start-at`; says on standard error how long it waits, or how late this process
    /// is (it then runs its whole duration from now: nothing is shortened). Returns the lateness in ns.
    func waitForStart() -> UInt64 {
        guard let startAtNanos else { return 0 }
        let now = WallClock.nowNanos()
        let name = segment.map { "segment \($0)" } ?? "run"
        if now < startAtNanos {
            printError(String(format: "volley: %@ waits %.3f s for --start-at %@", name, Double(startAtNanos - now) / 1e9,
                              StartInstant.format(epochNanos: startAtNanos)))
        }
        let late = StartInstant.wait(untilEpochNanos: startAtNanos)
        if late > 1_000_000 {
            printError(String(format: "volley: warning: %@ starts %.3f s after --start-at %@; it runs its whole duration from now, and its result records how late it was",
                              name, Double(late) / 1e9, StartInstant.format(epochNanos: startAtNanos)))
        }
        return late
    }

    /// The segment record of a finished run (nil for a whole run).
    func record(runner: LoadRunner, measurement: LoadMeasurement, intervals: SegmentIntervalLog?, lateNanos: UInt64) -> SegmentRecord? {
        guard let segment else { return nil }
        return SegmentRecord(index: segment.index, count: segment.count, startEpochNanos: runner.startedAtEpochNanos,
                             startAtEpochNanos: startAtNanos, lateNanos: lateNanos > 1_000_000 ? lateNanos : 0,
                             measurement: measurement, intervals: intervals?.collected ?? [],
                             completed: !runner.interrupted)
    }
}
