import Histogram
import Metrics
import Foundation

/// Gathers each second's latency histogram from every load thread, merges them, and when
/// all threads have handed in a second, reduces it to that second's percentiles and passes
/// the merged histogram to `onInterval` (the `--hlog` writer), in order. Threads call in once
/// a second, not per request; memory stays constant however long the run: only the seconds
/// some thread has not finished yet are held.
///
/// Short runs also keep 100 ms slices (`sliceNanos(forDuration:)`): each thread hands in a
/// small two-digit histogram per slice, which is only added to the slice's; the slices' figures
/// are worked out once, in `finish`, off the load threads (at most 200 slices of ~25 KB).
public final class IntervalCollector: @unchecked Sendable {
    /// What is known of one second once every thread has handed it in.
    public struct Interval: Sendable, Equatable {
        public var second: Int
        public var count: UInt64
        public var p50Micros: UInt64
        public var p99Micros: UInt64
        public var maxMicros: UInt64
    }

    /// Called under the collector's lock, in order of seconds, with each finished second's
    /// merged histogram and the second's length in seconds (the last one may be partial).
    public typealias Sink = @Sendable (_ second: Int, _ lengthSeconds: Double, _ histogram: Histogram<UInt64>) -> Void

    private struct Pending {
        var histogram: Histogram<UInt64>
        var reported: Int
        /// A thread handed it in as its last, partial second: `finish` closes it with its true length.
        var partial = false
    }

    private struct State {
        var slices: [Histogram<UInt64>?] = []
        var pending: [Int: Pending] = [:]
        var nextSecond = 0
        var finished: [Interval] = []
        var spare: [Histogram<UInt64>] = []
    }

    private let threads: Int
    private let sink: Sink?
    // An NSLock rather than Synchronization's Mutex: ThreadSanitizer does not see the futex
    // underneath Mutex as synchronization and reports false races. Taken once a second per
    // thread, never per request. `state` is only touched with `lock` held.
    private let lock = NSLock()
    private var state = State()

    /// Runs shorter than this get sub-second slices.
    public static let shortRunNanos: UInt64 = 20_000_000_000

    /// The slice length for a run of `durationNanos`: 100 ms below 20 s, else one second (no slices kept).
    public static func sliceNanos(forDuration durationNanos: UInt64) -> UInt64 {
        durationNanos < shortRunNanos ? 100_000_000 : 1_000_000_000
    }

    /// A histogram for one slice: the same range as the latency histograms, two significant
    /// digits (1%, enough for a chart; a tenth of the buckets to add and scan).
    public static func makeSliceHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
    }

    /// One thread hands in its histogram of `slice`; it is added to the slice's, nothing more.
    func submitSlice(_ slice: Int, _ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0, slice >= 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        while state.slices.count <= slice { state.slices.append(nil) }
        if state.slices[slice] == nil { state.slices[slice] = Self.makeSliceHistogram() }
        state.slices[slice]!.add(histogram)
    }

    /// Each slice's figures (`second` is the slice index), worked out after the run; empty when the run kept no slices.
    public var slices: [Interval] {
        lock.lock()
        defer { lock.unlock() }
        return state.slices.enumerated().compactMap { index, h in
            guard let h, h.totalCount > 0 else { return nil }
            return Interval(second: index, count: h.totalCount, p50Micros: h.valueAtPercentile(50),
                            p99Micros: h.valueAtPercentile(99), maxMicros: h.maxRecorded)
        }
    }

    /// A collector for `threads` threads.
    public init(threads: Int, sink: Sink? = nil) {
        self.threads = threads
        self.sink = sink
    }

    /// One thread hands in its histogram of `second` (nil: nothing was recorded).
    func submit(second: Int, _ histogram: Histogram<UInt64>?, last: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        guard second >= state.nextSecond else { return }
        var entry = state.pending[second] ?? Pending(histogram: state.spare.popLast() ?? LoadMeasurement.makeLatencyHistogram(), reported: 0)
        if let histogram, histogram.totalCount > 0 { entry.histogram.add(histogram) }
        entry.reported += 1
        entry.partial = entry.partial || last
        state.pending[second] = entry
        while let ready = state.pending[state.nextSecond], ready.reported >= threads, !ready.partial {
            finalize(&state, second: state.nextSecond, length: 1)
        }
    }

    /// The run is over (`elapsedNanos` after its start): finishes every second still open and
    /// returns the per-second figures.
    public func finish(elapsedNanos: UInt64) -> [Interval] {
        lock.lock()
        defer { lock.unlock() }
        let last = state.pending.keys.max() ?? -1
        while state.nextSecond <= last {
            let second = state.nextSecond
            if state.pending[second] == nil {
                state.pending[second] = Pending(histogram: LoadMeasurement.makeLatencyHistogram(), reported: 0)
            }
            let left = Double(elapsedNanos) / 1e9 - Double(second)
            finalize(&state, second: second, length: max(0.001, min(1, left)))
        }
        return state.finished
    }

    private func finalize(_ state: inout State, second: Int, length: Double) {
        guard var entry = state.pending.removeValue(forKey: second) else { return }
        let h = entry.histogram
        state.finished.append(Interval(second: second, count: h.totalCount,
                                       p50Micros: h.totalCount == 0 ? 0 : h.valueAtPercentile(50),
                                       p99Micros: h.totalCount == 0 ? 0 : h.valueAtPercentile(99),
                                       maxMicros: h.maxRecorded))
        sink?(second, length, h)
        entry.histogram.reset()
        state.spare.append(entry.histogram)
        state.nextSecond = second + 1
    }
}
