import Foundation

/// Timestamps in UTC as people and result files read them (ISO 8601 / RFC 3339), written and
/// read in one place so every file, message and report agrees on the form.
public enum UTCTime {
    /// `2025-03-01T12:00:00Z`, or with `milliseconds` `2025-03-01T12:00:00.250Z`.
    public static func format(epochSeconds: Double, milliseconds: Bool = false) -> String {
        format(Date(timeIntervalSince1970: epochSeconds), milliseconds: milliseconds)
    }

    /// `date` as `2025-03-01T12:00:00Z`, or with `milliseconds` `2025-03-01T12:00:00.250Z`.
    public static func format(_ date: Date, milliseconds: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = milliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Seconds since the Unix epoch of an RFC 3339 timestamp, with or without a fraction and in
    /// any offset (`2026-12-04T18:30:00Z`, `2026-12-04T19:30:00.250+01:00`); nil if it is not one.
    public static func parse(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    /// `date` as `20250301T120000Z`, the form of result and profile file names.
    public static func fileStamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
