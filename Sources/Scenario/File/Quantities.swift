import Foundation

/// Parses the quantities people write in scenario files and on the command line:
/// durations (`10s`, `150ms`), percentages (`5%`), and plain numbers with an optional `k`/`M`.
public enum Quantity {
    /// Nanoseconds in a duration such as `10s`, `1.5s`, `150ms`, `250us`, `2m`, `1h`; nil if not one.
    /// A bare number is not accepted: a unit keeps `timeout: 2` from meaning 2 ns or 2 hours.
    public static func durationNanos(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, nanos: Double)] = [
            ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count)).trimmingCharacters(in: .whitespaces)
            guard let value = plainNumber(number), value * unit.nanos < 1e18 else { return nil }
            return UInt64((value * unit.nanos).rounded())
        }
        return nil
    }

    /// A fraction from a percentage such as `5%` or `0.1%` (0.05, 0.001); nil if not one.
    public static func percent(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%"), let value = plainNumber(String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces)) else {
            return nil
        }
        return value / 100
    }

    /// A non-negative number, optionally with `k` (×1000) or `M` (×1000000): `10000`, `10k`, `1.5M`.
    public static func count(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("k") || trimmed.hasSuffix("K") { return plainNumber(String(trimmed.dropLast())).map { $0 * 1e3 } }
        if trimmed.hasSuffix("M") { return plainNumber(String(trimmed.dropLast())).map { $0 * 1e6 } }
        return plainNumber(trimmed)
    }

    /// Digits with at most one decimal point; no sign, exponent, `inf` or hex.
    static func plainNumber(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1, text != "." else { return nil }
        return Double(text)
    }

    /// A duration for people: `10s`, `1.5s`, `150ms`, `250us`.
    public static func formatDuration(_ nanos: UInt64) -> String {
        if nanos >= 1_000_000_000 { return trim(Double(nanos) / 1e9) + "s" }
        if nanos >= 1_000_000 { return trim(Double(nanos) / 1e6) + "ms" }
        if nanos >= 1_000 { return trim(Double(nanos) / 1e3) + "us" }
        return "\(nanos)ns"
    }

    /// A latency in microseconds for people, with 3 significant figures: `950us`, `1.23ms`, `2.50s`.
    public static func formatMicros(_ micros: Double) -> String {
        if micros >= 1e6 { return String(format: "%.2fs", micros / 1e6) }
        if micros >= 1e3 { return String(format: "%.2fms", micros / 1e3) }
        return String(format: "%.0fus", micros)
    }

    /// Requests/sec for people: `950`, `12.3k`, `1.20M`.
    public static func formatRate(_ rate: Double) -> String {
        if rate >= 1e6 { return String(format: "%.2fM", rate / 1e6) }
        if rate >= 1e4 { return String(format: "%.1fk", rate / 1e3) }
        return String(format: "%.0f", rate)
    }

    static func trim(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
