import LoadGen

/// Parses `-R`: a total rate in requests/sec (`1000`, `2.5k`, `1M`) or a linear ramp
/// (`1000:20000`, from the first rate at the start to the second at the end).
public enum RateParser {
    /// The rates in `text` (start, end); nil when it is not a rate or a ramp of positive rates.
    public static func rates(_ text: String) -> (start: Double, end: Double)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        guard let start = single(parts[0]) else { return nil }
        guard parts.count == 2 else { return (start, start) }
        guard let end = single(parts[1]) else { return nil }
        return (start, end)
    }

    /// The schedule for `text` over `durationNanos`.
    public static func schedule(_ text: String, durationNanos: UInt64) -> RateSchedule? {
        guard let (start, end) = rates(text), durationNanos > 0 else { return nil }
        return RateSchedule(startRate: start, endRate: end, durationNanos: durationNanos)
    }

    private static func single(_ part: Substring) -> Double? {
        var digits = part.trimmingPrefix(" ")
        var scale = 1.0
        switch digits.last {
        case "k", "K": scale = 1e3; digits = digits.dropLast()
        case "m", "M": scale = 1e6; digits = digits.dropLast()
        default: break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." }),
              let value = Double(String(digits)), value.isFinite else { return nil }
        let rate = value * scale
        return rate > 0 && rate <= 100_000_000 ? rate : nil
    }
}
