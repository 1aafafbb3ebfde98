import Clocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--start-at`: the instant every segment of a run starts, agreed in advance instead of by a
/// coordinator. Each process sleeps until it on its own (synchronized) wall clock.
public enum StartInstant {
    /// Parses RFC 3339 (`2026-12-04T18:30:00Z`, `2026-12-04T19:30:00.250+01:00`) or whole
    /// milliseconds since the Unix epoch (`1796409000000`) into nanoseconds since the epoch.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) {
            guard let millis = UInt64(trimmed), millis <= UInt64.max / 1_000_000 else { return nil }
            return millis * 1_000_000
        }
        guard let seconds = UTCTime.parse(trimmed), seconds >= 0 else { return nil }
        return UInt64((seconds * 1000).rounded()) * 1_000_000
    }

    /// Sleeps until `epochNanos` on the wall clock (an absolute sleep: a clock step while waiting
    /// moves the wake-up with it). Returns how late the caller already was, 0 if it was on time.
    @discardableResult
    public static func wait(untilEpochNanos epochNanos: UInt64) -> UInt64 {
        let now = WallClock.nowNanos()
        if now >= epochNanos { return now - epochNanos }
        var target = timespec(tv_sec: Int(epochNanos / 1_000_000_000), tv_nsec: Int(epochNanos % 1_000_000_000))
        // EINTR (a signal that did not end the process) just sleeps again.
        while clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, nil) == EINTR {}
        return 0
    }

    /// `epochNanos` as RFC 3339 in UTC with milliseconds, for messages and result files.
    public static func format(epochNanos: UInt64) -> String {
        UTCTime.format(epochSeconds: Double(epochNanos / 1_000_000) / 1000, milliseconds: true)
    }
}
