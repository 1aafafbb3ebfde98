#if canImport(Glibc)
import Glibc
#endif

/// The wall clock (CLOCK_REALTIME), for the few things that must agree with the world or across
/// machines: a run's common start instant, the absolute time of its seconds, timestamps people
/// read. Everything measured stays on `MonotonicClock`.
public enum WallClock {
    /// Now, in nanoseconds since the Unix epoch.
    public static func nowNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Now, in seconds since the Unix epoch.
    public static func nowSeconds() -> Double { Double(nowNanos()) / 1e9 }
}
