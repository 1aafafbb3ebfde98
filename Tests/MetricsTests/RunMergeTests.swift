import Foundation
import Histogram
import Metrics
import Testing

/// A deterministic pseudo-random latency stream (xorshift), so tests see wide, uneven histograms.
private struct Latencies {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        // Mostly 50 µs .. 5 ms, a tail up to ~2 s.
        return state % 97 == 0 ? 10_000 + state % 2_000_000 : 50 + state % 5_000
    }
}

/// The configuration every segment of the test run shares (threads aside).
private func segmentConfiguration(threads: Int = 2) -> RunConfiguration {
    RunConfiguration(url: "http://127.0.0.1:8080/", threads: threads, connections: 8, durationSeconds: 3, rate: 4000)
}

/// Segment `index` of `count` of a made-up 3-second constant-rate run starting `offsetMicros` after a
/// common instant; returns its result file and its raw histograms.
private func segmentFile(index: Int, count: Int, offsetMicros: UInt64 = 0, completed: Bool = true,
                         configuration: RunConfiguration = segmentConfiguration(), seed: UInt64 = 1)
    -> (file: SegmentFile, latency: Histogram<UInt64>, uncorrected: Histogram<UInt64>, seconds: [Histogram<UInt64>]) {
    var stream = Latencies(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
    var m = LoadMeasurement(elapsedNanoseconds: 3_000_000_000)
    m.uncorrectedLatency = LoadMeasurement.makeLatencyHistogram()
    m.scheduleLag = LoadMeasurement.makeLatencyHistogram()
    m.loopLag = LoadMeasurement.makeLatencyHistogram()
    var seconds: [Histogram<UInt64>] = []
    for second in 0..<3 {
        var h = LoadMeasurement.makeLatencyHistogram()
        let n = 900 + index * 50 + second * 10
        for _ in 0..<n {
            let v = stream.next()
            h.record(v)
            m.latency.record(v)
            m.uncorrectedLatency!.record(max(1, v / 2))
            m.scheduleLag!.record(v % 100)
        }
        m.perSecond.append(SecondSlice(second: second, requests: UInt64(n), errors: UInt64(second)))
        m.requests += UInt64(n)
        seconds.append(h)
    }
    m.requestRate.record(1000 + UInt64(index))
    m.loopLag!.record(20 + UInt64(index))
    m.bytesRead = m.requests * 120
    m.bytesWritten = m.requests * 40
    m.statusClasses = [0, 0, m.requests - 3, 0, 3, 0]
    m.errors.status = 3
    m.errors.timeout = UInt64(index)
    m.askedRequests = m.requests + 1
    m.threads = [ThreadLoad(thread: 0, cpuSeconds: 0.5, wallSeconds: 3, cpuPercent: 16, peakCpuPercent: 20)]
    var variant = VariantResult(name: "run", configuration: configuration, measurement: m)
    let start: UInt64 = 1_796_409_000_000_000 + offsetMicros
    variant.segment = SegmentRecord(index: index, count: count, startEpochNanos: start * 1000,
                                    startAtEpochNanos: 1_796_409_000_000_000_000, measurement: m,
                                    intervals: seconds.enumerated().map {
                                        SegmentInterval(second: $0.offset, lengthSeconds: 1, latency: PortableHistogram($0.element))
                                    }, completed: completed)
    let report = RunReport(host: sampleHost, createdAt: "2026-12-04T18:30:03Z", variants: [variant])
    return (SegmentFile(path: "segment-\(index).json", report: report), m.latency, m.uncorrectedLatency!, seconds)
}

@Suite struct RunMergeTests {
    /// A histogram survives the V2 form with its buckets, count, exact minimum, maximum and percentiles.
    @Test func portableHistogramIsLossless() throws {
        var stream = Latencies(state: 42)
        var h = LoadMeasurement.makeLatencyHistogram()
        for _ in 0..<20_000 { h.record(stream.next()) }
        h.record(1_234_567)
        let json = try JSONEncoder().encode(PortableHistogram(h))
        let back = try JSONDecoder().decode(PortableHistogram.self, from: json).decode()
        #expect(back.totalCount == h.totalCount && back.min == h.min && back.maxRecorded == h.maxRecorded)
        for p in [0.0, 1, 25, 50, 90, 99, 99.9, 99.99, 99.999, 100] {
            #expect(back.valueAtPercentile(p) == h.valueAtPercentile(p), "p\(p)")
        }
        #expect(Array(back.recordedValues().map(\.count)) == Array(h.recordedValues().map(\.count)))
        // An empty histogram too (a quiet second).
        #expect(try PortableHistogram(LoadMeasurement.makeLatencyHistogram()).decode().totalCount == 0)
        // The compressed V2 bytes are HdrHistogram's own (cookie 0x1c849314).
        let bytes = [UInt8](Data(base64Encoded: PortableHistogram(h).hdr)!)
        #expect(Array(bytes.prefix(4)) == [0x1c, 0x84, 0x93, 0x14])
    }

    /// Four segments merge into histograms that are the sum of theirs: counts add and every percentile
    /// is the percentile of the added histograms; counters are summed; threads are their sum.
    @Test func mergeAddsHistogramsAndCounters() throws {
        let parts = (0..<4).map { segmentFile(index: $0, count: 4, seed: UInt64($0 + 1)) }
        // Given out of order: the merge orders by index.
        let merged = try RunMerge.merge([parts[2].file, parts[0].file, parts[3].file, parts[1].file])
        let variant = try #require(merged.variants.first)
        var added = LoadMeasurement.makeLatencyHistogram(), addedUncorrected = LoadMeasurement.makeLatencyHistogram()
        for part in parts { added.add(part.latency); addedUncorrected.add(part.uncorrected) }
        let total = parts.reduce(0) { $0 + $1.file.report.variants[0].summary.requests }
        #expect(variant.summary.requests == total)
        #expect(variant.latencyHistogram.totalCount == total && added.totalCount == total)
        #expect(variant.latencyHistogram == EncodedHistogram(added))
        #expect(variant.uncorrectedLatencyHistogram == EncodedHistogram(addedUncorrected))
        #expect(variant.latency == LatencyStats(added))
        #expect(variant.latency.max == added.maxRecorded && variant.latency.min == added.min)
        for p in variant.latency.percentiles {
            #expect(p.valueMicros == added.valueAtPercentile(p.percentile), "p\(p.percentile)")
        }
        #expect(variant.summary.errors.timeout == 0 + 1 + 2 + 3)
        #expect(variant.summary.statusClasses.clientError == 12)
        #expect(variant.summary.bytesRead == total * 120)
        #expect(variant.pacing?.askedRequests == total + 4)
        #expect(variant.configuration.threads == 8 && variant.configuration.connections == 8)
        #expect(variant.generator?.threads.map(\.thread) == [0, 1, 2, 3])
        #expect(variant.segment == nil)
        // Per second: requests summed, percentiles of the added per-second histograms.
        #expect(variant.perSecond.count == 3)
        for second in 0..<3 {
            var h = LoadMeasurement.makeLatencyHistogram()
            for part in parts { h.add(part.seconds[second]) }
            #expect(variant.perSecond[second].requests == h.totalCount)
            #expect(variant.perSecond[second].errors == UInt64(4 * second))
            #expect(variant.perSecond[second].p99Micros == h.valueAtPercentile(99))
            #expect(variant.perSecond[second].maxMicros == h.maxRecorded)
        }
        #expect(merged.notes?.contains { $0.hasPrefix("merged from 4 segments") } == true)
    }

    /// Seconds are aligned on the wall clock: a segment's second goes to the merged second holding its
    /// middle, so one that started 1.2 s later lands one second later and one 1.6 s later two.
    @Test(arguments: [(UInt64(1_200_000), 1), (UInt64(1_600_000), 2)])
    func intervalsAlignOnAbsoluteTime(offsetMicros: UInt64, shift: Int) throws {
        let early = segmentFile(index: 0, count: 2)
        var late = segmentFile(index: 1, count: 2, offsetMicros: offsetMicros)
        late.file.report.variants[0].segment?.lateSeconds = Double(offsetMicros) / 1e6
        let variant = try #require(try RunMerge.merge([early.file, late.file]).variants.first)
        // The late segment is named in the notes, not hidden.
        #expect(variant.notes?.contains(String(format: "segment 1 started %.3f s after --start-at and ran its whole duration from then",
                                               Double(offsetMicros) / 1e6)) == true, "\(variant.notes ?? [])")
        var expected = early.seconds.map(\.totalCount) + Array(repeating: 0, count: shift)
        for (k, h) in late.seconds.enumerated() { expected[k + shift] += h.totalCount }
        #expect(variant.perSecond.map(\.requests) == expected)
        #expect(variant.perSecond.map(\.second) == Array(0..<(3 + shift)))
        #expect(abs(variant.summary.elapsedSeconds - (3 + Double(offsetMicros) / 1e6)) < 1e-9)
    }

    /// Incomplete or mixed sets are refused, each naming the file or the segment at fault.
    @Test func badSetsAreRefused() throws {
        let a = segmentFile(index: 0, count: 3).file, b = segmentFile(index: 1, count: 3).file, c = segmentFile(index: 2, count: 3).file
        func refusal(_ files: [SegmentFile]) -> String? {
            do { _ = try RunMerge.merge(files); return nil } catch { return error.description }
        }
        #expect(refusal([a, b, c]) == nil)
        #expect(refusal([a, c])?.contains("segment 1/3 missing") == true)
        var twice = b
        twice.path = "again.json"
        #expect(refusal([a, b, twice, c]) == "segment 1/3 is given twice: segment-1.json and again.json")
        var otherRate = segmentConfiguration()
        otherRate.rate = 5000
        let mixed = segmentFile(index: 2, count: 3, configuration: otherRate).file
        #expect(refusal([a, b, mixed]) == "segment-2.json: not the same run as segment-0.json: variant `run` has another configuration (rate 5000.0 instead of 4000.0)")
        // Threads may differ between segments (a generator's own choice).
        #expect(refusal([a, b, segmentFile(index: 2, count: 3, configuration: segmentConfiguration(threads: 1)).file]) == nil)
        #expect(refusal([a, b, segmentFile(index: 2, count: 4).file])?.hasPrefix("segment-2.json: not the same run") == true)
        #expect(refusal([a, b, segmentFile(index: 2, count: 3, completed: false).file])?.hasPrefix("segment-2.json: segment 2 was interrupted") == true)
        var plain = c
        plain.report.variants[0].segment = nil
        #expect(refusal([a, b, plain])?.hasPrefix("segment-2.json: variant `run` is not a segment result") == true)
        var corrupt = c
        corrupt.report.variants[0].segment?.latency.hdr = "AAAA"
        #expect(refusal([a, b, corrupt])?.hasPrefix("segment-2.json: variant `run`: segment.latency") == true)
        #expect(refusal([]) == "no segment files to merge")
    }

    /// A segment record survives the result file's JSON form.
    @Test func segmentRecordRoundTrips() throws {
        let file = segmentFile(index: 1, count: 2).file
        let back = try RunReport.decode(try file.report.jsonData())
        #expect(back == file.report)
        #expect(back.variants[0].segment?.startAtEpochMillis == 1_796_409_000_000)
    }
}
