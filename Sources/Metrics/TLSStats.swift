import Histogram

/// What one thread (then, merged, the run) measured of TLS: handshakes, how many resumed a
/// session, their latency, what was negotiated and why handshakes failed.
public struct TLSMeasurement: Sendable {
    /// Completed handshakes (full and resumed).
    public var handshakes: UInt64 = 0
    /// Handshakes that resumed an earlier session.
    public var resumed: UInt64 = 0
    /// From TCP connected to handshake finished, µs; not part of request latency.
    public var handshakeLatency = LoadMeasurement.makeLatencyHistogram()
    /// As negotiated by the first handshake, e.g. "TLSv1.3", "TLS_AES_256_GCM_SHA384", "X25519".
    public var protocolVersion = ""
    public var cipher = ""
    public var group = ""
    /// Failed handshakes by reason ("certificate has expired", "handshake timed out", …).
    public var failures: [String: UInt64] = [:]

    public init() {}

    /// Records a finished handshake.
    @inline(__always)
    public mutating func recordHandshake(nanos: UInt64, resumed: Bool) {
        handshakes &+= 1
        if resumed { self.resumed &+= 1 }
        _ = handshakeLatency.record(min(max(nanos / 1000, 1), handshakeLatency.highestTrackableValue))
    }

    /// Adds another thread's figures.
    public mutating func merge(_ other: TLSMeasurement) {
        handshakes += other.handshakes
        resumed += other.resumed
        handshakeLatency.add(other.handshakeLatency)
        if protocolVersion.isEmpty {
            protocolVersion = other.protocolVersion; cipher = other.cipher; group = other.group
        }
        for (reason, count) in other.failures { failures[reason, default: 0] += count }
    }
}

/// The TLS figures of a run as stored in results (`summary.tls`).
public struct TLSSummary: Codable, Sendable, Equatable {
    /// Completed handshakes (full and resumed).
    public var handshakes: UInt64
    /// Handshakes that resumed an earlier session (0 with `--no-tls-resume`).
    public var resumed: UInt64
    /// Negotiated protocol, cipher and key-exchange group ("" when no handshake finished).
    public var `protocol`: String
    public var cipher: String
    public var group: String
    /// Handshake latency, µs: from TCP connected to handshake finished.
    public var handshakeLatency: LatencyStats
    /// Failed handshakes by reason; absent when none failed.
    public var failures: [String: UInt64]?

    public init(handshakes: UInt64, resumed: UInt64, protocol: String, cipher: String, group: String,
                handshakeLatency: LatencyStats, failures: [String: UInt64]? = nil) {
        self.handshakes = handshakes; self.resumed = resumed; self.protocol = `protocol`
        self.cipher = cipher; self.group = group; self.handshakeLatency = handshakeLatency; self.failures = failures
    }

    public init(_ m: TLSMeasurement) {
        self.init(handshakes: m.handshakes, resumed: m.resumed, protocol: m.protocolVersion, cipher: m.cipher,
                  group: m.group, handshakeLatency: LatencyStats(m.handshakeLatency),
                  failures: m.failures.isEmpty ? nil : m.failures)
    }

    /// The one line the text output gets, e.g.
    /// "  TLS: TLSv1.3 TLS_AES_256_GCM_SHA384 X25519, 100 handshakes (99 resumed), handshake p50 1.20ms p99 3.40ms".
    public var textLine: String {
        var line = "  TLS: \(`protocol`.isEmpty ? "-" : `protocol`) \(cipher.isEmpty ? "-" : cipher)"
        if !group.isEmpty { line += " \(group)" }
        line += ", \(handshakes) handshakes (\(resumed) resumed)"
        if handshakeLatency.count > 0 {
            let p50 = handshakeLatency.value(atPercentile: 50) ?? 0
            let p99 = handshakeLatency.value(atPercentile: 99) ?? 0
            line += ", handshake p50 \(Self.millis(p50)) p99 \(Self.millis(p99))"
        }
        if let failures, !failures.isEmpty {
            line += ", failed: " + failures.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return line + "\n"
    }

    private static func millis(_ micros: UInt64) -> String {
        micros >= 1000 ? "\(Double(micros / 10) / 100)ms" : "\(micros)us"
    }
}
