import Foundation

/// Parses the quantities people write on the command line and in scenario files, with one set
/// of rules for both: durations (`10s`, `150ms`), counts and rates (`10000`, `10k`, `1.5M`, ramps
/// `1000:20000`), percentages (`5%`) and sizes (`64KiB`, `1MiB`). Pure: no I/O, no state.
/// Numbers are plain digits with at most one decimal point (no sign, exponent, `inf` or hex);
/// every refusal says why (`QuantityError`).
public enum Quantity {
    /// What a number without a unit means for a duration.
    public enum BareNumber: Sendable {
        /// Seconds, as wrk reads `-d 10` (the command line).
        case seconds
        /// Refused: a unit keeps `timeout: 2` from meaning 2 ns or 2 hours (scenario files).
        case refused
    }

    static let durationUnits: [(suffix: String, nanos: Double)] = [
        ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Nanoseconds in a duration such as `10s`, `1.5s`, `150ms`, `250us`, `2m`, `1h`.
    public static func parseDuration(_ text: String, bareNumber: BareNumber = .refused) throws(QuantityError) -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { throw QuantityError("empty; e.g. 10s, 500ms, 1m") }
        var digits = trimmed
        var scale: Double? = nil
        for unit in durationUnits where trimmed.hasSuffix(unit.suffix) {
            digits = String(trimmed.dropLast(unit.suffix.count)).trimmingCharacters(in: .whitespaces)
            scale = unit.nanos
            break
        }
        if scale == nil {
            if let unit = trimmed.drop(while: { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }).first, !unit.isNumber,
               digits.first?.isNumber == true {
                throw QuantityError("unknown unit in '\(text)' (units: ns, us, ms, s, m, h)")
            }
            guard bareNumber == .seconds else {
                throw QuantityError(plainNumber(trimmed) != nil ? "needs a unit: \(trimmed)s or \(trimmed)ms" : "not a duration; e.g. 10s, 500ms, 1m")
            }
            scale = 1e9
        }
        let value = try number(digits, in: text)
        guard value * scale! < 1e18 else { throw QuantityError("'\(text)' is too long a duration") }
        return UInt64((value * scale!).rounded())
    }

    /// A duration that must be more than zero (run lengths, timeouts, intervals).
    public static func parsePositiveDuration(_ text: String, bareNumber: BareNumber = .refused) throws(QuantityError) -> UInt64 {
        let nanos = try parseDuration(text, bareNumber: bareNumber)
        guard nanos > 0 else { throw QuantityError("must be more than 0; e.g. 10s, 500ms") }
        return nanos
    }

    /// `parseDuration`, nil instead of the reason.
    public static func durationNanos(_ text: String, bareNumber: BareNumber = .refused) -> UInt64? {
        try? parseDuration(text, bareNumber: bareNumber)
    }

    /// A fraction from a percentage such as `5%` or `0.1%` (0.05, 0.001).
    public static func parsePercent(_ text: String) throws(QuantityError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%") else { throw QuantityError("'\(text)' is not a percentage; e.g. 5%, 0.1%") }
        return try number(String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces), in: text) / 100
    }

    /// `parsePercent`, nil instead of the reason.
    public static func percent(_ text: String) -> Double? { try? parsePercent(text) }

    /// A non-negative number, optionally with `k`/`K` (×1000) or `M` (×1000000): `10000`, `10k`, `1.5M`.
    public static func parseCount(_ text: String) throws(QuantityError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.last {
        case "k", "K": return try number(String(trimmed.dropLast()), in: text) * 1e3
        case "M": return try number(String(trimmed.dropLast()), in: text) * 1e6
        default: return try number(trimmed, in: text)
        }
    }

    /// `parseCount`, nil instead of the reason.
    public static func count(_ text: String) -> Double? { try? parseCount(text) }

    /// Most requests per second a rate may ask for.
    public static let maxRate = 100_000_000.0

    /// A rate in requests/sec (`2000`, `10k`, `1.5M`; `m` is also read as M here, as wrk2 users
    /// write it), or a linear ramp `START:END`. Both ends must be above 0 and at most 100M.
    public static func parseRate(_ text: String) throws(QuantityError) -> (start: Double, end: Double) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { throw QuantityError("'\(text)': a rate, or a ramp START:END") }
        func one(_ part: Substring) throws(QuantityError) -> Double {
            var piece = String(part).trimmingCharacters(in: .whitespaces)
            if piece.hasSuffix("m") { piece = String(piece.dropLast()) + "M" }
            guard !piece.isEmpty else { throw QuantityError("'\(text)': a ramp needs both ends, e.g. 1000:20000") }
            let rate = try parseCount(piece)
            guard rate > 0 else { throw QuantityError("'\(text)': a rate must be more than 0") }
            guard rate <= maxRate else { throw QuantityError("'\(text)': at most 100M requests/sec") }
            return rate
        }
        let start = try one(parts[0])
        return (start, parts.count == 2 ? try one(parts[1]) : start)
    }

    /// Bytes in a size such as `512`, `64KiB`, `64kb`, `1MiB`, `1.5MB`, `1GiB`. Binary and decimal
    /// spellings both mean powers of 1024 here, as nginx and most servers read `k` and `m`.
    public static func parseSize(_ text: String) throws(QuantityError) -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, bytes: Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1024), ("mb", 1_048_576),
            ("gb", 1_073_741_824), ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("b", 1),
        ]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let value = try number(String(trimmed.dropLast(unit.suffix.count)).trimmingCharacters(in: .whitespaces), in: text)
            guard value * unit.bytes < 1e18 else { throw QuantityError("'\(text)' is too large") }
            return UInt64((value * unit.bytes).rounded())
        }
        return UInt64(try number(trimmed, in: text))
    }

    /// Digits with at most one decimal point; nil for anything else.
    public static func plainNumber(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1, text != "." else { return nil }
        return Double(text)
    }

    /// `plainNumber`, or the reason it is not one (`whole` names the input in the message).
    static func number(_ text: String, in whole: String) throws(QuantityError) -> Double {
        if let value = plainNumber(text) { return value }
        if text.hasPrefix("-") { throw QuantityError("'\(whole)' cannot be negative") }
        if text.isEmpty { throw QuantityError("'\(whole)' has no number") }
        throw QuantityError("'\(whole)': write plain digits (e.g. 1000 or 1.5), not \(text.contains("e") || text.contains("x") ? "exponents or hex" : "'\(text)'")")
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

    /// A number with at most three decimals and no trailing zeros: `1.5`, `10`, `0.125`.
    public static func trim(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Why a quantity was refused, for the person who typed it.
public struct QuantityError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
