// The samples the Metrics and Reports tests were written against (the printers' tests moved to
// ReportsTests with the printers): one copy, so the figures worked out by hand stay the same for both.

import Foundation
import Histogram
import Metrics

/// A configuration for tests: `-t2 -c100 -d10s http://127.0.0.1:8080/`.
public func sampleConfiguration() -> RunConfiguration {
    RunConfiguration(url: "http://127.0.0.1:8080/", threads: 2, connections: 100, durationSeconds: 10)
}

/// A measurement whose figures are easy to work out by hand:
/// latencies 100 µs ×50, 200 ×25, 300 ×15, 400 ×9, 2000 ×1 (mean 201, sample stdev 207.19);
/// requests/sec samples 900 ×5 and 1100 ×5 (mean 1000, sample stdev 105.41);
/// 100 requests in exactly 10 s, 97.5 MiB read, 12 timeouts, 3 responses ≥ 400.
public func sampleMeasurement() -> LoadMeasurement {
    var m = LoadMeasurement(elapsedNanoseconds: 10_000_000_000)
    for (value, count) in [(100, 50), (200, 25), (300, 15), (400, 9), (2000, 1)] as [(UInt64, UInt64)] {
        m.latency.record(value, count: count)
    }
    m.requestRate.record(900, count: 5)
    m.requestRate.record(1100, count: 5)
    m.requests = 100
    m.bytesRead = 102_236_160
    m.bytesWritten = 4_000
    m.errors.timeout = 12
    m.errors.status = 3
    m.reconnects = 2
    m.statusClasses = [0, 0, 97, 0, 3, 0]
    m.perSecond = (0..<10).map { SecondSlice(second: $0, requests: 10) }
    return m
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A latency histogram of `count` random values spread over six orders of magnitude.
public func randomLatencies(seed: UInt64, count: Int) -> Histogram<UInt64> {
    var generator = SeededGenerator(state: seed)
    var histogram = LoadMeasurement.makeLatencyHistogram()
    for _ in 0..<count {
        let magnitude = Double.random(in: 0...6.5, using: &generator)
        histogram.record(UInt64(pow(10, magnitude)))
    }
    return histogram
}
