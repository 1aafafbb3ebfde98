#if canImport(Glibc)
import Glibc
#endif

/// The one monotonic clock of Volley's Swift code: CLOCK_MONOTONIC, which never steps back and
/// ignores wall-clock changes. It is the clock libuv's `uv_hrtime` and the loops' precise timers
/// (`timerfd`) read, so its values compare with theirs. Measure durations with it, never with `Date`.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (inlined: the engine reads it per request).
    @inlinable @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Seconds since an arbitrary fixed point.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
