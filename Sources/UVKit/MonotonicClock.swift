internal import CLibUV

/// The one monotonic clock of Volley's Swift code (`uv_hrtime`: CLOCK_MONOTONIC, never steps
/// back, unaffected by wall-clock changes). Measure durations with it, never with `Date`.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    public static func nanoseconds() -> UInt64 { uv_hrtime() }

    /// Seconds since an arbitrary fixed point.
    public static func seconds() -> Double { Double(uv_hrtime()) / 1e9 }
}
