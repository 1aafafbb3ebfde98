import Foundation
import Histogram
import Metrics

/// Keeps every second's merged latency histogram of a segment's run (in the portable V2 form)
/// so that `volley merge` can rebuild the per-second percentiles of the whole run. Fed by the
/// engine's interval sink, once a second, never per request.
public final class SegmentIntervalLog: @unchecked Sendable {
    // Taken once a second; `intervals` is only touched with `lock` held.
    private let lock = NSLock()
    private var intervals: [SegmentInterval] = []

    public init() {}

    /// The engine's sink (`LoadRunner.intervalSink`).
    public var sink: IntervalCollector.Sink {
        { [self] second, length, histogram in
            let interval = SegmentInterval(second: second, lengthSeconds: length, latency: PortableHistogram(histogram))
            lock.lock()
            intervals.append(interval)
            lock.unlock()
        }
    }

    /// The seconds collected so far, in order.
    public var collected: [SegmentInterval] {
        lock.lock()
        defer { lock.unlock() }
        return intervals
    }

    /// One sink that feeds several (nil when there are none).
    public static func combine(_ sinks: [IntervalCollector.Sink?]) -> IntervalCollector.Sink? {
        let all = sinks.compactMap { $0 }
        if all.count <= 1 { return all.first }
        return { second, length, histogram in for sink in all { sink(second, length, histogram) } }
    }
}
