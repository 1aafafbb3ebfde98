import Metrics

/// A load setting that differs between a baseline and a new result. What is not configuration
/// is not compared: the port of a loopback URL (servers started by `volley bench` listen on a
/// port picked at start), timestamps and host names live elsewhere in the file.
public struct ConfigurationChange: Codable, Sendable, Equatable {
    public var variant: String
    public var field: String
    public var base: String
    public var new: String

    public static func between(_ a: RunConfiguration, _ b: RunConfiguration, variant: String) -> [ConfigurationChange] {
        var changes: [ConfigurationChange] = []
        func check(_ field: String, _ x: String, _ y: String) {
            if x != y { changes.append(ConfigurationChange(variant: variant, field: field, base: x, new: y)) }
        }
        func number(_ v: Double?) -> String { v.map { Quantity.trim($0) } ?? "none" }
        check("url", comparableURL(a.url), comparableURL(b.url))
        check("method", a.method, b.method)
        check("threads", String(a.threads), String(b.threads))
        check("connections", String(a.connections), String(b.connections))
        check("duration", number(a.durationSeconds) + "s", number(b.durationSeconds) + "s")
        check("timeout", number(a.timeoutSeconds) + "s", number(b.timeoutSeconds) + "s")
        check("pipeline", String(a.pipeline), String(b.pipeline))
        check("headers", a.headers.joined(separator: "; "), b.headers.joined(separator: "; "))
        check("body bytes", String(a.bodyBytes), String(b.bodyBytes))
        check("rate", number(a.rate), number(b.rate))
        check("rate end", number(a.rateEnd), number(b.rateEnd))
        return changes
    }

    /// The URL with the port removed when the host is loopback (`http://127.0.0.1/json`).
    static func comparableURL(_ url: String) -> String {
        for prefix in ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"] where url.hasPrefix(prefix) {
            let rest = url.dropFirst(prefix.count).drop { $0.isNumber }
            return String(prefix.dropLast()) + rest
        }
        return url
    }

    /// `variant: field base → new`.
    public var line: String { "`\(variant)`: \(field) \(base) → \(new)" }
}
