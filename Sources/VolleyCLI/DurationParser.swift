import Foundation

/// Parses the durations wrk users type: `10s`, `1m`, `500ms`, `2h`, `1.5s`, `250us`, or a bare number of seconds.
public enum DurationParser {
    /// Nanoseconds in `text`, or nil when it is not a duration.
    public static func nanoseconds(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        let units: [(suffix: String, nanos: Double)] = [
            ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var number = trimmed
        var scale = 1e9
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = String(trimmed.dropLast(unit.suffix.count))
            scale = unit.nanos
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale < 1e18 else { return nil }
        // Reject forms Double accepts but a person would not mean ("inf", "1e3", "0x10").
        guard number.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return UInt64((value * scale).rounded())
    }
}
