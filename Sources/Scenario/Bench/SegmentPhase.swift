import Clocks
import Foundation
import LoadGen
import Metrics

/// A bench variant's share of a run spread over several generators (`volley bench --segment i/N`):
/// the engine options restricted to the segment, the wait for `--start-at` before the first
/// load phase, and the per-second histograms the segment's result keeps for `volley merge`.
final class SegmentPhase {
    let segment: ExecutionSegment
    private let startAtEpochNanos: UInt64?
    private let progress: BenchProgress
    private let intervals = SegmentIntervalLog()
    private var waited = false
    private(set) var lateNanos: UInt64 = 0

    /// Nil when the variant is not a segment.
    init?(context: VariantContext) {
        guard let segment = context.segment else { return nil }
        self.segment = segment
        self.startAtEpochNanos = context.startAtEpochNanos
        self.progress = context.progress
    }

    /// `options` restricted to this segment.
    func restrict(_ options: LoadOptions) -> LoadOptions {
        var options = options
        options.segment = segment
        return options
    }

    /// Makes `engine` wait for the start instant (the first phase only); with `measured`, also
    /// collects its per-second histograms.
    func attach(to engine: LoadRunner, measured: Bool) {
        if measured { engine.intervalSink = SegmentIntervalLog.combine([engine.intervalSink, intervals.sink]) }
        guard !waited, let startAt = startAtEpochNanos else { return }
        waited = true
        engine.beforeStart = { [self] in
            let now = WallClock.nowNanos()
            if now < startAt {
                progress.line(String(format: "  segment %@ waits %.3f s for --start-at %@", segment.description,
                                     Double(startAt - now) / 1e9, StartInstant.format(epochNanos: startAt)))
            }
            let late = StartInstant.wait(untilEpochNanos: startAt)
            if late > 1_000_000 {
                lateNanos = late
                progress.line(String(format: "  warning: segment %@ starts %.3f s after --start-at %@; it runs its whole duration from now",
                                     segment.description, Double(late) / 1e9, StartInstant.format(epochNanos: startAt)))
            }
        }
    }

    /// The segment record of the measured run.
    func record(engine: LoadRunner, measurement: LoadMeasurement) -> SegmentRecord {
        SegmentRecord(index: segment.index, count: segment.count, startEpochNanos: engine.startedAtEpochNanos,
                      startAtEpochNanos: startAtEpochNanos, lateNanos: lateNanos, measurement: measurement,
                      intervals: intervals.collected, completed: !engine.interrupted)
    }
}
