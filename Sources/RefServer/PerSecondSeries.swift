import Clocks
import Synchronization

/// The one time origin of the server's per-second series: second `n` is
/// `[origin + n s, origin + n + 1 s)` on the monotonic clock; `unixSeconds` is the wall-clock
/// time of second 0, so that a client can put the series on its own (wall-clock) time axis.
public struct SeriesOrigin: Sendable {
    public let nanos: UInt64
    public let unixSeconds: Double

    public init(nanos: UInt64, unixSeconds: Double) {
        self.nanos = nanos
        self.unixSeconds = unixSeconds
    }

    /// Taken once per process (when the first server registry is made).
    public static let process = SeriesOrigin(nanos: MonotonicClock.nanoseconds(), unixSeconds: WallClock.nowSeconds())

    /// The second that monotonic time `now` falls in (0 for anything before the origin).
    @inline(__always)
    public func second(_ now: UInt64) -> Int { now > nanos ? Int((now &- nanos) / 1_000_000_000) : 0 }
}

/// A fixed ring of the last `capacity` seconds, two figures per second (e.g. p99 and max, or a
/// sum and a count). Written by one thread (under its owner's lock, once per second or per
/// publication, never per request); its storage is allocated once, on the first write.
public struct SecondRing: Sendable, Equatable {
    /// An hour of seconds.
    public static let defaultCapacity = 3600
    public let capacity: Int
    private var seconds: [Int] = []
    private var a: [UInt64] = []
    private var b: [UInt64] = []
    /// The latest second written (-1: none).
    public private(set) var latest = -1

    public init(capacity: Int = SecondRing.defaultCapacity) { self.capacity = max(1, capacity) }

    /// Sets second `second`'s figures (overwriting what it had, and whatever second shared its slot).
    public mutating func set(_ second: Int, _ first: UInt64, _ second2: UInt64) {
        guard second >= 0 else { return }
        if seconds.isEmpty {
            seconds = Array(repeating: -1, count: capacity)
            a = Array(repeating: 0, count: capacity)
            b = Array(repeating: 0, count: capacity)
        }
        let slot = second % capacity
        seconds[slot] = second
        a[slot] = first
        b[slot] = second2
        latest = max(latest, second)
    }

    /// Second `second`'s figures, if the ring still holds them.
    public func value(_ second: Int) -> (UInt64, UInt64)? {
        guard second >= 0, !seconds.isEmpty else { return nil }
        let slot = second % capacity
        return seconds[slot] == second ? (a[slot], b[slot]) : nil
    }

    /// The earliest second still held.
    public var earliest: Int? { seconds.filter { $0 >= 0 }.min() }
}

/// Merges several threads' rings into one series over `[first, last]`, the span any of them
/// holds within the last `capacity` seconds before `now` (inclusive).
public enum PerSecondMerge {
    /// The span of seconds to show: from the earliest second held (no further back than
    /// `capacity` before `now`) to `now`; nil when no ring holds anything.
    public static func span(_ rings: [SecondRing], now: Int) -> ClosedRange<Int>? {
        guard let earliest = rings.compactMap(\.earliest).min() else { return nil }
        let capacity = rings.map(\.capacity).min() ?? SecondRing.defaultCapacity
        let last = max(now, rings.map(\.latest).max() ?? now)
        let first = max(earliest, last - capacity + 1)
        return first <= last ? first...last : nil
    }

    /// Per second, the largest first figure over the rings (e.g. the worst loop's lag p99), and
    /// the largest second figure (its max); nil for a second no ring holds.
    public static func worst(_ rings: [SecondRing], span: ClosedRange<Int>) -> (first: [UInt64?], second: [UInt64?]) {
        var first: [UInt64?] = [], second: [UInt64?] = []
        for s in span {
            let values = rings.compactMap { $0.value(s) }
            first.append(values.map(\.0).max())
            second.append(values.map(\.1).max())
        }
        return (first, second)
    }

    /// Per second, the rings' summed first figures over their summed second ones (a sum of
    /// microseconds over a count: the mean), and the summed count; nil mean for a second with no count.
    public static func mean(_ rings: [SecondRing], span: ClosedRange<Int>) -> (mean: [Double?], count: [UInt64]) {
        var means: [Double?] = [], counts: [UInt64] = []
        for s in span {
            var sum: UInt64 = 0, count: UInt64 = 0
            for r in rings { if let (x, n) = r.value(s) { sum &+= x; count &+= n } }
            means.append(count > 0 ? (Double(sum) / Double(count) * 10).rounded() / 10 : nil)
            counts.append(count)
        }
        return (means, counts)
    }

    /// `[1,2,null,4]`.
    static func json<T>(_ values: [T?], _ text: (T) -> String) -> String {
        "[" + values.map { $0.map(text) ?? "null" }.joined(separator: ",") + "]"
    }
}

/// One thread's DB wait per second (an async loop's or a sync pool thread's): the time from a
/// DB route's work being issued to its answer, summed and counted per second. Only that thread
/// records; per request that is two relaxed stores (no lock, no allocation), and when the second
/// changes, one lock to file the finished second in the ring. Readers (/debug/stats) take the
/// lock and read the current second's running figures beside the ring.
public final class DBWaitSeries: Sendable {
    let origin: SeriesOrigin
    private let current = Atomic<Int>(-1)
    private let sumMicros = Atomic<UInt64>(0)
    private let count = Atomic<UInt64>(0)
    private let ring: Mutex<SecondRing>

    public init(origin: SeriesOrigin = .process, capacity: Int = SecondRing.defaultCapacity) {
        self.origin = origin
        ring = Mutex(SecondRing(capacity: capacity))
    }

    /// One DB operation that waited `waitNanos`, answered at monotonic time `now`.
    @inline(__always)
    public func record(waitNanos: UInt64, at now: UInt64) {
        let s = origin.second(now)
        if s != current.load(ordering: .relaxed) { roll(to: s) }
        sumMicros.store(sumMicros.load(ordering: .relaxed) &+ waitNanos / 1000, ordering: .relaxed)
        count.store(count.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    @inline(never)
    private func roll(to s: Int) {
        ring.withLock { ring in
            let previous = current.load(ordering: .relaxed)
            let n = count.load(ordering: .relaxed)
            if previous >= 0, n > 0 { ring.set(previous, sumMicros.load(ordering: .relaxed), n) }
            sumMicros.store(0, ordering: .relaxed)
            count.store(0, ordering: .relaxed)
            current.store(s, ordering: .relaxed)
        }
    }

    /// The ring with the running second filed in (a copy, for merging).
    public func snapshot() -> SecondRing {
        ring.withLock { ring in
            var copy = ring
            let s = current.load(ordering: .relaxed)
            let n = count.load(ordering: .relaxed)
            if s >= 0, n > 0 { copy.set(s, sumMicros.load(ordering: .relaxed), n) }
            return copy
        }
    }
}

/// The `"perSecond"` member of /debug/stats: the worst loop's lag per second (async model with
/// its watchdog) and the mean DB wait per operation per second (when there is a database).
public enum PerSecondStats {
    public static func json(origin: SeriesOrigin = .process, lag: [SecondRing], dbWait: [SecondRing]?,
                            now: UInt64 = MonotonicClock.nanoseconds()) -> String {
        let second = origin.second(now)
        let all = lag + (dbWait ?? [])
        let span = PerSecondMerge.span(all, now: second)
        var members = ["\"originUnixSeconds\":\((origin.unixSeconds * 1000).rounded() / 1000)",
                       "\"firstSecond\":\(span?.lowerBound ?? second)",
                       "\"seconds\":\(span?.count ?? 0)"]
        if !lag.isEmpty {
            let worst = span.map { PerSecondMerge.worst(lag, span: $0) } ?? (first: [], second: [])
            members.append("\"loopLagP99Micros\":\(PerSecondMerge.json(worst.first) { String($0) })")
            members.append("\"loopLagMaxMicros\":\(PerSecondMerge.json(worst.second) { String($0) })")
        }
        if let dbWait {
            let mean = span.map { PerSecondMerge.mean(dbWait, span: $0) } ?? (mean: [], count: [])
            members.append("\"dbWaitMeanMicros\":\(PerSecondMerge.json(mean.mean) { $0 == $0.rounded() ? String(Int($0)) : String($0) })")
            members.append("\"dbOperations\":[\(mean.count.map(String.init).joined(separator: ","))]")
        }
        return "\"perSecond\":{\(members.joined(separator: ","))}"
    }
}
