import Foundation
import HTTP1
import Metrics
import PeerFixtures
import Testing
@testable import LoadGen

/// Peak resident memory of this process while `body` runs, in bytes: the kernel's high-water
/// mark is reset first (writing 5 to /proc/self/clear_refs), then read back (VmHWM).
private func peakResidentBytes(during body: () throws -> Void) rethrows -> (before: Int, peak: Int) {
    func status(_ key: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let before = status("VmRSS")
    try body()
    return (before, status("VmHWM"))
}

private let runMillis: UInt64 = 700
private let timeoutMillis: UInt64 = 300

/// Runs 4 connections on one thread against a server where every other connection misbehaves.
private func loadHostile(_ misbehaviour: Misbehaviour, timeout: UInt64 = timeoutMillis) throws -> LoadMeasurement {
    let server = try HostileServer(misbehaviour, every: 2)
    defer { server.stop() }
    let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
    let options = LoadOptions(url: url, threads: 1, connections: 4, durationNanos: runMillis * 1_000_000,
                              timeoutNanos: timeout * 1_000_000)
    let runner = try LoadRunner(options: options)
    try runner.checkReachable()
    return runner.run()
}

@Suite(.serialized) struct HostilePeerTests {
    /// Each misbehaviour of the hostile server and the error class it must be counted in (plain and TLS).
    static let misbehaviours: [(Misbehaviour, KeyPath<ErrorCounts, UInt64> & Sendable)] = [
        (.resetMidResponse, \.read),
        (.garbageStatusLine, \.parse),
        (.truncatedBody, \.read),
        (.endlessChunked, \.timeout),
        (.trickle, \.timeout),
        (.neverAnswer, \.timeout),
    ]

    /// Each misbehaviour is counted in its error class while the healthy connections keep
    /// working and the run ends on time (duration plus at most the timeout).
    @Test(arguments: HostilePeerTests.misbehaviours)
    func misbehavingServer(_ misbehaviour: Misbehaviour, errorClass: KeyPath<ErrorCounts, UInt64> & Sendable) throws {
        let m = try loadHostile(misbehaviour)
        #expect(m.errors[keyPath: errorClass] >= 1, "\(misbehaviour): \(m.errors)")
        #expect(m.statusClasses[2] > 50, "healthy connections kept answering")
        #expect(m.elapsedNanoseconds < (runMillis + timeoutMillis + 400) * 1_000_000)
    }

    /// A server that closes every other connection at once: failures are counted (read or
    /// write, depending on when the close is seen), reconnects happen, the rest keep working.
    @Test func closeRightAfterAccept() throws {
        let m = try loadHostile(.closeOnAccept)
        #expect(m.errors.read + m.errors.write + m.errors.connect >= 1, "\(m.errors)")
        #expect(m.reconnects >= 1)
        #expect(m.statusClasses[2] > 50)
    }

    /// 100 MB response bodies are skipped as they stream in, not buffered: they count as
    /// successful responses and the process's peak memory grows by far less than one body.
    @Test func hugeBodiesKeepMemoryBounded() throws {
        var m: LoadMeasurement?
        let memory = try peakResidentBytes { m = try loadHostile(.hugeBody, timeout: 2000) }
        let measurement = try #require(m)
        #expect(measurement.errors.total == 0, "\(measurement.errors)")
        #expect(measurement.bytesRead > 100_000_000, "at least one whole 100 MB body was read")
        #expect(memory.peak - memory.before < 48 << 20, "peak RSS grew \((memory.peak - memory.before) >> 20) MiB")
    }
}
