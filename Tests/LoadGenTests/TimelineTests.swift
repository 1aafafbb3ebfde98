import Foundation
import Histogram
import Metrics
import Testing
@testable import LoadGen

@Suite struct TimelineTests {
    /// Runs under 20 s get 100 ms slices; longer runs keep whole seconds.
    @Test func sliceLengthFitsTheRun() {
        #expect(IntervalCollector.sliceNanos(forDuration: 2_000_000_000) == 100_000_000)
        #expect(IntervalCollector.sliceNanos(forDuration: 19_999_000_000) == 100_000_000)
        #expect(IntervalCollector.sliceNanos(forDuration: 20_000_000_000) == 1_000_000_000)
    }

    /// With 100 ms slices, responses and errors land in their slice, and the per-second series is unchanged.
    @Test func recorderCountsPerSlice() {
        var recorder = Recorder(start: 0, expectedSeconds: 2, sliceNanos: 100_000_000)
        recorder.recordResponse(status: 200, latencyNanos: 1_000, now: 50_000_000)
        recorder.recordResponse(status: 200, latencyNanos: 1_000, now: 250_000_000)
        recorder.recordResponse(status: 503, latencyNanos: 1_000, now: 1_150_000_000)
        recorder.recordError(.timeout, now: 1_160_000_000)
        let m = recorder.measurement(end: 1_200_000_000)
        #expect(m.timeline?.sliceMillis == 100)
        #expect(m.timeline?.slices.map(\.requests) == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(m.timeline?.slices.map(\.errors) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
        #expect(m.perSecond.map(\.requests) == [2, 1])
        #expect(m.perSecond.map(\.errors) == [0, 2])
    }

    /// A run with whole-second slices writes no timeline (the per-second series is it).
    @Test func longRunsHaveNoTimeline() {
        var recorder = Recorder(start: 0, expectedSeconds: 30)
        recorder.recordResponse(status: 200, latencyNanos: 1_000, now: 50_000_000)
        #expect(recorder.measurement(end: 1_000_000_000).timeline == nil)
    }

    /// Slices from two threads merge into per-slice latency, while the per-second figures and the
    /// --hlog sink stay per second (one call per second, the last one partial).
    @Test func collectorMergesSlicesAndSeconds() {
        let calls = Calls()
        let intervals = IntervalCollector(threads: 2) { second, length, h in
            calls.append(second, length, h.totalCount)
        }
        var a = Recorder(start: 0, expectedSeconds: 2, intervals: intervals, sliceNanos: 100_000_000)
        var b = Recorder(start: 0, expectedSeconds: 2, intervals: intervals, sliceNanos: 100_000_000)
        for _ in 0..<10 { a.recordResponse(status: 200, latencyNanos: 100_000, now: 10_000_000) }
        b.recordResponse(status: 200, latencyNanos: 9_000_000, now: 350_000_000)
        a.recordResponse(status: 200, latencyNanos: 2_000_000, now: 1_050_000_000)
        a.finishIntervals()
        b.finishIntervals()
        let seconds = intervals.finish(elapsedNanos: 1_500_000_000)
        let slices = intervals.slices
        #expect(seconds.map(\.count) == [11, 1])
        #expect(slices.map(\.second) == [0, 3, 10])   // quiet slices have no figures
        #expect(slices[0].count == 10 && slices[0].p99Micros >= 99 && slices[0].p99Micros <= 101)
        #expect(slices[1].count == 1 && slices[1].p50Micros >= 8_900 && slices[1].p50Micros <= 9_100)
        #expect(slices[2].count == 1)
        let logged = calls.all
        #expect(logged.map(\.0) == [0, 1])
        #expect(logged.map(\.2) == [11, 1])
        #expect(abs(logged[0].1 - 1) < 1e-9)
        #expect(logged[1].1 > 0.05 && logged[1].1 <= 0.5 + 1e-9)
    }

    /// A constant-rate run's timeline says how many requests the schedule asked for in each slice.
    @Test func askedRequestsPerSlice() {
        var timeline = Timeline(sliceMillis: 100, slices: [])
        let schedule = RateSchedule(startRate: 1000, durationNanos: 1_000_000_000)
        timeline.fill([], schedule: schedule, elapsedNanos: 1_000_000_000)
        #expect(timeline.slices.count == 10)
        #expect(timeline.slices.allSatisfy { $0.askedRequests == 100 })
    }
}

/// The sink's calls, gathered from whichever thread finishes a second.
final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(Int, Double, UInt64)] = []
    func append(_ second: Int, _ length: Double, _ count: UInt64) { lock.lock(); calls.append((second, length, count)); lock.unlock() }
    var all: [(Int, Double, UInt64)] { lock.lock(); defer { lock.unlock() }; return calls }
}
