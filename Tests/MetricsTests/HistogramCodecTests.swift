import Foundation
import Histogram
import Testing
@testable import Metrics

@Suite struct HistogramCodecTests {
    /// ZigZag LEB128 words as HdrHistogram writes them, both ways, up to the 9-byte form.
    @Test(arguments: [(Int64(0), [UInt8(0)]), (1, [2]), (-1, [1]), (63, [126]), (64, [0x80, 1]), (-2048, [0xff, 0x1f]),
                      (Int64.max, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
                      (Int64.min, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])] as [(Int64, [UInt8])])
    func zigZag(value: Int64, bytes: [UInt8]) throws {
        var out: [UInt8] = []
        HistogramCodec.putZigZag(value, into: &out)
        #expect(out == bytes)
        var offset = 0
        #expect(try HistogramCodec.getZigZag(out, &offset, end: out.count) == value)
        #expect(offset == out.count)
    }

    /// Our compressed encoding is byte for byte what another HdrHistogram port produced for the same histogram.
    @Test func matchesAForeignEncoder() {
        var h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 300, numberOfSignificantValueDigits: .three)
        for v: UInt64 in [100, 200, 250] { _ = h.record(v) }
        let text = Data(HistogramCodec.encodeCompressed(h)).base64EncodedString()
        #expect(text == "HISTFAAAACV4nJNpmSzMwMDAwQABzFCaEUrp2H+AsI4zMh1lZEpkAgBdIQSk")
    }

    /// Histograms written by HdrHistogram Java and C decode to the values those implementations report.
    @Test func decodesForeignHistograms() throws {
        let boundary = try HistogramCodec.decode(base64: "HISTFAAAACB4nJNpmSzMwMDAzAABMJoRQnEw2H+AsP7LMwEARZgDpQ==")
        #expect(boundary.totalCount == 1 && boundary.maxRecorded == 2049 || boundary.valuesAreEquivalent(boundary.maxRecorded, 2048))
        let three = try HistogramCodec.decode(base64: "HISTFAAAACV4nJNpmSzMwMDAwQABzFCaEUrp2H+AsI4zMh1lZEpkAgBdIQSk")
        #expect(three.totalCount == 3)
        #expect(three.recordedValues().map(\.value) == [100, 200, 250])
    }

    /// A latency histogram survives encode and decode, plain and compressed: same buckets, counts and percentiles.
    @Test func roundTrip() throws {
        var h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var x: UInt64 = 12345
        for _ in 0..<20_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            _ = h.record(1 + (x >> 33) % 5_000_000, count: 1 + (x >> 60))
        }
        _ = h.record(1, count: 3)
        _ = h.record(3_000_000_000)
        for bytes in [HistogramCodec.encode(h), HistogramCodec.encodeCompressed(h)] {
            let back = try HistogramCodec.decode(bytes)
            #expect(back.totalCount == h.totalCount)
            #expect(Array(back.recordedValues().map { [$0.value, UInt64($0.count)] })
                    == Array(h.recordedValues().map { [$0.value, UInt64($0.count)] }))
            for p in [0.0, 50, 99, 99.99, 100] {
                #expect(back.valueAtPercentile(p) == h.valueAtPercentile(p) || back.valuesAreEquivalent(back.valueAtPercentile(p), h.valueAtPercentile(p)))
            }
            #expect(back.numberOfSignificantValueDigits == .three && back.highestTrackableValue == 3_600_000_000)
        }
        #expect(HistogramCodec.encodeCompressed(h).count < HistogramCodec.encode(h).count)
    }

    /// An empty histogram encodes to a header only and decodes to an empty histogram.
    @Test func emptyHistogram() throws {
        let h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1000, numberOfSignificantValueDigits: .two)
        #expect(HistogramCodec.encode(h).count == 40)
        #expect(try HistogramCodec.decode(HistogramCodec.encodeCompressed(h)).totalCount == 0)
    }

    /// Truncated or foreign bytes are errors, not crashes.
    @Test func badInput() {
        var h = Histogram<UInt64>(highestTrackableValue: 1000)
        _ = h.record(5)
        let good = HistogramCodec.encodeCompressed(h)
        #expect(throws: HistogramCodec.DecodeError.self) { try HistogramCodec.decode(Array(good.prefix(good.count - 3))) }
        #expect(throws: HistogramCodec.DecodeError.self) { try HistogramCodec.decode([1, 2, 3, 4, 5, 6, 7, 8, 9]) }
        #expect(throws: HistogramCodec.DecodeError.self) { try HistogramCodec.decode(Array(HistogramCodec.encode(h).prefix(41))) }
    }

    /// An interval log has the standard header and legend, and its lines read back to the same histograms.
    @Test func intervalLog() throws {
        var a = Histogram<UInt64>(highestTrackableValue: 3_600_000_000)
        _ = a.record(2100, count: 10)
        _ = a.record(4500)
        let text = HistogramLog.header(startTime: 1_795_461_204.5)
            + HistogramLog.line(start: 0, length: 1, histogram: a) + HistogramLog.line(start: 1, length: 0.25, histogram: a)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "#[Histogram log format version 1.3]")
        #expect(lines[1] == "#[StartTime: 1795461204.500 (seconds since epoch), Mon Nov 23 19:13:24 UTC 2026]")
        #expect(lines[3] == "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"")
        #expect(lines[4].hasPrefix("0.000,1.000,4.503,HISTF"))   // Java prints the bucket's highest equivalent value
        let intervals = try HistogramLog.parse(text)
        #expect(intervals.count == 2 && intervals[1].start == 1 && intervals[1].length == 0.25)
        #expect(intervals[0].histogram.totalCount == 11 && intervals[0].histogram.valueAtPercentile(50) == a.valueAtPercentile(50))
    }
}
