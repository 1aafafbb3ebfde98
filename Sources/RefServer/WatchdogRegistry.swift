import Clocks
import Histogram
import Profiler
import Synchronization
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// What kind of loop callback ran application code.
public enum CallbackKind: Sendable {
    /// Route handling, straight from a read.
    case request
    /// A timer's completion (/sleep).
    case timer
    /// A work-queue completion (/cpu-offload, /gzip?offload=1, DB routes).
    case completion
}

/// One callback that took at least the threshold.
public struct SlowCallback: Sendable, Equatable {
    public var loop: Int
    public var kind: CallbackKind
    /// What ran, e.g. `GET /cpu?ms=150`.
    public var what: String
    public var nanos: UInt64
    /// Monotonic nanoseconds since the server started, when the callback ended.
    public var sinceStartNanos: UInt64
    /// Wall-clock time when it ended (a label for people, never used for durations).
    public var unixSeconds: Double
}

/// What one loop's watchdog publishes for other threads: the slow-callback count and ring, and
/// its busy/lag histograms as of the last publication (every 100 ms). The loop thread writes
/// under the mutex only on the slow path and on publication, never per request.
public final class LoopHealth: Sendable {
    /// Recent slow callbacks kept per loop.
    public static let ringCapacity = 32

    struct State {
        var recent: [SlowCallback] = []
        var next = 0
        var busy = LoopHealth.makeHistogram()
        var lag = LoopHealth.makeHistogram()
        var busyNanosTotal: UInt64 = 0
        var lagSamples: UInt64 = 0
        /// Per second on the series origin: this loop's lag p99 and max, µs (the running second
        /// as of the last publication).
        var lagSeconds = SecondRing()
    }

    public let loop: Int
    public let slowCount = Counter()
    let state = Mutex(State())

    init(loop: Int) {
        self.loop = loop
        state.withLock { $0.recent.reserveCapacity(LoopHealth.ringCapacity) }
    }

    /// Microseconds, 1 µs to an hour, 2 significant digits (a few KiB).
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
    }

    func record(_ entry: SlowCallback) {
        slowCount.add(1)
        state.withLock { state in
            if state.recent.count < LoopHealth.ringCapacity {
                state.recent.append(entry)
            } else {
                state.recent[state.next] = entry
            }
            state.next = (state.next + 1) % LoopHealth.ringCapacity
        }
    }

    /// The ring's entries, oldest first.
    public var recent: [SlowCallback] {
        state.withLock { state in
            guard state.recent.count == LoopHealth.ringCapacity else { return state.recent }
            return Array(state.recent[state.next...] + state.recent[..<state.next])
        }
    }
}

/// The watchdog's settings and every loop's published health; shared by the routes.
public final class WatchdogRegistry: Sendable {
    public let thresholdNanos: UInt64
    public let lagIntervalMillis: UInt64
    public let loops: [LoopHealth]
    let startNanos = MonotonicClock.nanoseconds()
    /// Where the per-second lag series counts seconds from.
    let origin: SeriesOrigin

    public init(thresholdNanos: UInt64, lagIntervalMillis: UInt64 = 10, loops: Int, origin: SeriesOrigin = .process) {
        self.origin = origin
        self.thresholdNanos = thresholdNanos
        self.lagIntervalMillis = lagIntervalMillis
        self.loops = (0..<loops).map { LoopHealth(loop: $0) }
    }

    /// Every loop's per-second lag (p99, max), for /debug/stats's `perSecond`.
    public func lagRings() -> [SecondRing] { loops.map { $0.state.withLock { $0.lagSeconds } } }

    /// Slow callbacks counted over all loops.
    public var slowCallbackCount: Int { loops.reduce(0) { $0 + $1.slowCount.current } }

    /// Every loop's recent slow callbacks, oldest first.
    public var recent: [SlowCallback] {
        loops.flatMap(\.recent).sorted { $0.sinceStartNanos < $1.sinceStartNanos }
    }

    /// The body of `GET /debug/slow`.
    public func slowJSON() -> String {
        "{\"enabled\":true,\"thresholdSeconds\":\(seconds(thresholdNanos)),"
            + "\"slowCallbackCount\":\(slowCallbackCount),\"slowCallbacks\":\(recentJSON())}"
    }

    /// The keys `/debug/stats` adds: count, recent list, and each loop's busy and lag percentiles.
    public func statsFields() -> String {
        let perLoop = loops.map { health -> String in
            let (busy, lag, busyTotal) = health.state.withLock { ($0.busy, $0.lag, $0.busyNanosTotal) }
            return "{\"loop\":\(health.loop),\"slowCallbackCount\":\(health.slowCount.current),"
                + "\"busyMicros\":\(Self.summary(busy)),\"busySecondsTotal\":\(seconds(busyTotal)),"
                + "\"lagMicros\":\(Self.summary(lag))}"
        }
        return "\"watchdog\":{\"enabled\":true,\"thresholdSeconds\":\(seconds(thresholdNanos)),\"lagIntervalMillis\":\(lagIntervalMillis)},"
            + "\"slowCallbackCount\":\(slowCallbackCount),\"slowCallbacks\":\(recentJSON()),"
            + "\"loops\":[\(perLoop.joined(separator: ","))]"
    }

    /// What the sync model (no loops) answers at `/debug/slow`.
    public static let disabledSlowJSON = "{\"enabled\":false,\"slowCallbackCount\":0,\"slowCallbacks\":[]}"

    func recentJSON() -> String {
        "[" + recent.map { e in
            "{\"loop\":\(e.loop),\"kind\":\"\(e.kind)\",\"what\":\(JSONText.quoted(e.what)),\"seconds\":\(seconds(e.nanos)),"
                + "\"sinceStartSeconds\":\(seconds(e.sinceStartNanos)),\"at\":\"\(UTCTime.format(epochSeconds: e.unixSeconds, milliseconds: true))\"}"
        }.joined(separator: ",") + "]"
    }

    static func summary(_ h: Histogram<UInt64>) -> String {
        guard h.totalCount > 0 else { return "{\"count\":0}" }
        let mean = (h.mean * 10).rounded() / 10
        return "{\"count\":\(h.totalCount),\"mean\":\(mean),\"p50\":\(h.valueAtPercentile(50)),\"p90\":\(h.valueAtPercentile(90)),"
            + "\"p99\":\(h.valueAtPercentile(99)),\"p99_9\":\(h.valueAtPercentile(99.9)),\"max\":\(h.max)}"
    }
}

/// Seconds with millisecond precision, as asyncio prints them (`0.151`).
func seconds(_ nanos: UInt64) -> String {
    let ms = (nanos + 500_000) / 1_000_000
    let frac = ms % 1000
    return "\(ms / 1000)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
}
