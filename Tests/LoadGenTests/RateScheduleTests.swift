import Metrics
import Testing
@testable import LoadGen

@Suite struct RateScheduleTests {
    /// A constant rate puts request n at n / rate seconds.
    @Test(arguments: [1.0, 3.0, 1000.0, 50_000.0])
    func constantRate(rate: Double) {
        let s = RateSchedule(startRate: rate, durationNanos: 10_000_000_000)
        for n: UInt64 in [0, 1, 2, 17, 999, 123_456] {
            let expected = Double(n) / rate * 1e9
            #expect(abs(Double(s.offsetNanos(ofRequest: n)) - expected) <= 1)
        }
        #expect(s.isConstant)
    }

    /// A ramp asks (start + end) / 2 × duration requests in all, and its instantaneous rate rises linearly.
    @Test func rampTotals() {
        let s = RateSchedule(startRate: 1000, endRate: 20_000, durationNanos: 10_000_000_000)
        #expect(abs(s.cumulative(atSeconds: 10) - 105_000) < 1e-6)
        #expect(s.rate(atSeconds: 0) == 1000 && s.rate(atSeconds: 5) == 10_500 && s.rate(atSeconds: 10) == 20_000)
        // The last request of the ramp is due at its end; requests of the first second are spaced ~1 ms.
        #expect(abs(Double(s.offsetNanos(ofRequest: 105_000)) - 10e9) < 10)
        let gap = s.offsetNanos(ofRequest: 2) - s.offsetNanos(ofRequest: 1)
        #expect(gap > 990_000 && gap <= 1_000_000)
        // Past the duration the rate stays at the end rate.
        let after = s.offsetNanos(ofRequest: 105_000 + 20_000) - s.offsetNanos(ofRequest: 105_000)
        #expect(abs(Double(after) - 1e9) < 10)
    }

    /// A falling ramp is solved as exactly as a rising one.
    @Test func fallingRamp() {
        let s = RateSchedule(startRate: 5000, endRate: 1000, durationNanos: 2_000_000_000)
        #expect(abs(s.cumulative(atSeconds: 2) - 6000) < 1e-6)
        var previous: UInt64 = 0
        for n: UInt64 in stride(from: 1, through: 6000, by: 7) {
            let t = s.offsetNanos(ofRequest: n)
            #expect(t > previous)
            #expect(abs(s.cumulative(atSeconds: Double(t) / 1e9) - Double(n)) < 1e-3)
            previous = t
        }
    }

    /// requestsDue counts exactly the requests whose offsets are at or before the time.
    @Test(arguments: [(300.0, 300.0), (100.0, 2500.0), (7.0, 3.0)])
    func requestsDueInvertsOffsets(start: Double, end: Double) {
        let s = RateSchedule(startRate: start, endRate: end, durationNanos: 1_000_000_000)
        for n: UInt64 in [0, 1, 2, 5, 50, 200] {
            let t = s.offsetNanos(ofRequest: n)
            #expect(s.requestsDue(byOffsetNanos: t + 1) == n + 1)
            if n > 0 { #expect(s.requestsDue(byOffsetNanos: t - 2) == n) }
        }
    }

    /// Connection j of C takes requests j, j + C, …: together they cover every request once, in time order per connection.
    @Test func connectionsInterleave() {
        let s = RateSchedule(startRate: 250, durationNanos: 1_000_000_000)
        let c: UInt64 = 7
        var all: [UInt64] = []
        for j in 0..<c {
            let times = (0..<40).map { s.offsetNanos(ofRequest: UInt64($0) * c + j) }
            #expect(times == times.sorted())
            all += times
        }
        #expect(all.sorted() == (0..<(40 * c)).map { s.offsetNanos(ofRequest: $0) })
    }
}

@Suite struct PacedMachineTests {
    private let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".utf8)

    /// A paced connection waits for its slot after connecting and after each response instead of sending.
    @Test func waitsForSlots() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = ConnectionMachine(paced: true)
        machine.connecting()
        #expect(machine.connected(now: 1_000) == .wait)
        #expect(machine.state == .idle)
        #expect(machine.sendScheduled(intended: 10_000, now: 30_000, recorder: &recorder) == .send)
        #expect(recorder.scheduleLag.max >= 19 && recorder.scheduleLag.max <= 20)
        let action = ok.withUnsafeBytes { machine.received($0, now: 2_030_000, recorder: &recorder) }
        #expect(action == .wait)
        // Corrected from the intended send (2.02 ms), uncorrected from the actual one (2 ms).
        #expect(recorder.latency.max >= 2018 && recorder.latency.max <= 2021)
        #expect(recorder.uncorrectedLatency.max >= 1998 && recorder.uncorrectedLatency.max <= 2001)
    }

    /// Bytes arriving while nothing was asked are a parse error and the connection is reopened.
    @Test func bytesWhileIdle() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = ConnectionMachine(paced: true)
        machine.connecting()
        _ = machine.connected(now: 0)
        let action = ok.withUnsafeBytes { machine.received($0, now: 10, recorder: &recorder) }
        #expect(action == .reconnect)
        #expect(recorder.errors.parse == 1)
    }

    /// A slot that comes while the connection is not idle sends nothing.
    @Test func slotWhileBusy() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = ConnectionMachine(paced: true)
        machine.connecting()
        #expect(machine.sendScheduled(intended: 0, now: 5, recorder: &recorder) == .none)
        #expect(recorder.scheduleLag.totalCount == 0)
    }
}
