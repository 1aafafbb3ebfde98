import Histogram
import Metrics
import Foundation

/// Gathers each slice's latency histogram from every load thread, merges them, and when all
/// threads have handed in a slice, reduces it to that slice's percentiles; slices add up to
/// seconds, whose merged histograms go to `onInterval` (the `--hlog` writer), in order. A slice
/// is a second in long runs and `sliceNanos(forDuration:)` (100 ms) in short ones. Threads call
/// in once a slice, not per request; memory stays constant however long the run: only the
/// slices some thread has not finished yet and the current second are held.
public final class IntervalCollector: @unchecked Sendable {
    /// What is known of one second (or one slice) once every thread has handed it in.
    public struct Interval: Sendable, Equatable {
        /// The second, or for `slices` the slice index.
        public var second: Int
        public var count: UInt64
        public var p50Micros: UInt64
        public var p99Micros: UInt64
        public var maxMicros: UInt64
    }

    /// Called under the collector's lock, in order of seconds, with each finished second's
    /// merged histogram and the second's length in seconds (the last one may be partial).
    public typealias Sink = @Sendable (_ second: Int, _ lengthSeconds: Double, _ histogram: Histogram<UInt64>) -> Void

    /// Runs shorter than this get sub-second slices.
    public static let shortRunNanos: UInt64 = 20_000_000_000

    /// The slice length for a run of `durationNanos`: 100 ms below 20 s, else one second.
    public static func sliceNanos(forDuration durationNanos: UInt64) -> UInt64 {
        durationNanos < shortRunNanos ? 100_000_000 : 1_000_000_000
    }

    private struct Pending {
        var histogram: Histogram<UInt64>
        var reported: Int
        /// A thread handed it in as its last, partial slice: `finish` closes it with its true length.
        var partial = false
    }

    private struct State {
        var pending: [Int: Pending] = [:]
        var nextSlice = 0
        var finished: [Interval] = []
        var finishedSlices: [Interval] = []
        var spare: [Histogram<UInt64>] = []
        /// The slices of the current second merged so far (when slices are shorter than a second).
        var secondSoFar: Histogram<UInt64>?
    }

    private let threads: Int
    private let sink: Sink?
    /// Slices per second (1, or 10 for 100 ms slices).
    public let slicesPerSecond: Int
    // An NSLock rather than Synchronization's Mutex: ThreadSanitizer does not see the futex
    // underneath Mutex as synchronization and reports false races. Taken once a slice per
    // thread, never per request. `state` is only touched with `lock` held.
    private let lock = NSLock()
    private var state = State()

    /// A collector for `threads` threads whose slices last `sliceNanos` (a whole divisor of a second).
    public init(threads: Int, sliceNanos: UInt64 = 1_000_000_000, sink: Sink? = nil) {
        self.threads = threads
        self.sink = sink
        self.slicesPerSecond = max(1, Int(1_000_000_000 / max(sliceNanos, 1)))
    }

    /// One thread hands in its histogram of slice `second` (nil: nothing was recorded).
    func submit(second slice: Int, _ histogram: Histogram<UInt64>?, last: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        guard slice >= state.nextSlice else { return }
        var entry = state.pending[slice] ?? Pending(histogram: state.spare.popLast() ?? Measurement.makeLatencyHistogram(), reported: 0)
        if let histogram, histogram.totalCount > 0 { entry.histogram.add(histogram) }
        entry.reported += 1
        entry.partial = entry.partial || last
        state.pending[slice] = entry
        while let ready = state.pending[state.nextSlice], ready.reported >= threads, !ready.partial {
            finalize(&state, slice: state.nextSlice, length: 1 / Double(slicesPerSecond))
        }
    }

    /// The run is over (`elapsedNanos` after its start): finishes every slice still open and
    /// returns the per-second figures.
    public func finish(elapsedNanos: UInt64) -> [Interval] {
        lock.lock()
        defer { lock.unlock() }
        let last = state.pending.keys.max() ?? -1
        let sliceSeconds = 1 / Double(slicesPerSecond)
        while state.nextSlice <= last {
            let slice = state.nextSlice
            if state.pending[slice] == nil {
                state.pending[slice] = Pending(histogram: Measurement.makeLatencyHistogram(), reported: 0)
            }
            let left = Double(elapsedNanos) / 1e9 - Double(slice) * sliceSeconds
            finalize(&state, slice: slice, length: max(0.001, min(sliceSeconds, left)), closing: slice == last)
        }
        return state.finished
    }

    /// The per-slice figures, after `finish`; empty when slices are whole seconds.
    public var slices: [Interval] {
        lock.lock()
        defer { lock.unlock() }
        return state.finishedSlices
    }

    private static func figures(_ h: Histogram<UInt64>, at index: Int) -> Interval {
        Interval(second: index, count: h.totalCount,
                 p50Micros: h.totalCount == 0 ? 0 : h.valueAtPercentile(50),
                 p99Micros: h.totalCount == 0 ? 0 : h.valueAtPercentile(99),
                 maxMicros: h.maxRecorded)
    }

    private func finalize(_ state: inout State, slice: Int, length: Double, closing: Bool = false) {
        guard var entry = state.pending.removeValue(forKey: slice) else { return }
        let h = entry.histogram
        state.nextSlice = slice + 1
        if slicesPerSecond == 1 {
            state.finished.append(Self.figures(h, at: slice))
            sink?(slice, length, h)
        } else {
            state.finishedSlices.append(Self.figures(h, at: slice))
            if state.secondSoFar == nil { state.secondSoFar = Measurement.makeLatencyHistogram() }
            state.secondSoFar!.add(h)
            let second = slice / slicesPerSecond
            if (slice + 1) % slicesPerSecond == 0 || closing {
                let secondLength = Double(slice % slicesPerSecond) / Double(slicesPerSecond) + length
                state.finished.append(Self.figures(state.secondSoFar!, at: second))
                sink?(second, min(1, secondLength), state.secondSoFar!)
                state.secondSoFar!.reset()
            }
        }
        entry.histogram.reset()
        state.spare.append(entry.histogram)
    }
}
