import Foundation
import Histogram
import Metrics
import TestSupport
import Testing

struct EncodedHistogramTests {
    static let percentiles: [Double] = [0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100]

    /// Decoding gives back a histogram equal to the original, with the same percentiles, mean and extremes.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func roundTripPreservesPercentiles(seed: UInt64) throws {
        let original = randomLatencies(seed: seed, count: 5000)
        let decoded = try EncodedHistogram(original).decode()
        #expect(decoded == original)
        for p in Self.percentiles {
            #expect(decoded.valueAtPercentile(p) == original.valueAtPercentile(p), "p\(p)")
        }
        #expect(decoded.totalCount == original.totalCount)
        #expect(decoded.min == original.min)
        #expect(decoded.maxRecorded == original.maxRecorded)
        #expect(decoded.mean == original.mean)
        #expect(decoded.stdDeviation == original.stdDeviation)
    }

    /// Merging two decoded histograms equals decoding the merge of the originals.
    @Test(arguments: [(10, 11), (12, 13)] as [(UInt64, UInt64)])
    func mergeCommutesWithDecoding(seedA: UInt64, seedB: UInt64) throws {
        let a = randomLatencies(seed: seedA, count: 3000), b = randomLatencies(seed: seedB, count: 2000)
        var mergedOriginals = a
        mergedOriginals.add(b)
        var mergedDecoded = try EncodedHistogram(a).decode()
        mergedDecoded.add(try EncodedHistogram(b).decode())
        let decodedMerge = try EncodedHistogram(mergedOriginals).decode()
        #expect(mergedDecoded == decodedMerge)
        for p in Self.percentiles {
            #expect(mergedDecoded.valueAtPercentile(p) == decodedMerge.valueAtPercentile(p), "p\(p)")
        }
        #expect(EncodedHistogram(mergedDecoded) == EncodedHistogram(mergedOriginals))
    }

    /// The JSON form is sparse `[value, count]` pairs of highest equivalent values, with the exact extremes.
    @Test func encodesSparsePairs() throws {
        var histogram = LoadMeasurement.makeLatencyHistogram()
        histogram.record(97)
        histogram.record(97)
        histogram.record(212)
        histogram.record(1_000_000)   // bucket of 1024 values: 999424...1000447
        let encoded = EncodedHistogram(histogram)
        #expect(encoded.counts == [[97, 2], [212, 1], [1_000_447, 1]])
        #expect(encoded.min == 97 && encoded.max == 1_000_000 && encoded.totalCount == 4)
        #expect(encoded.lowest == 1 && encoded.highest == 3_600_000_000 && encoded.significantDigits == 3)
        let decoded = try encoded.decode()
        #expect(decoded.maxRecorded == 1_000_000)
        #expect(decoded.valueAtPercentile(100) == 1_000_000)
    }

    /// Extremes sharing one bucket, a single value, zeros and an empty histogram all survive the round trip.
    @Test(arguments: [[], [5], [0, 0, 7], [3000, 3001, 3002], [1_000_000, 1_000_100], [0]] as [[UInt64]])
    func edgeCasesRoundTrip(values: [UInt64]) throws {
        var histogram = LoadMeasurement.makeLatencyHistogram()
        for value in values { histogram.record(value) }
        let decoded = try EncodedHistogram(histogram).decode()
        #expect(decoded == histogram)
        #expect(decoded.min == histogram.min)
        #expect(decoded.maxRecorded == histogram.maxRecorded)
        for p in Self.percentiles {
            #expect(decoded.valueAtPercentile(p) == histogram.valueAtPercentile(p), "p\(p)")
        }
    }

    /// An auto-resizing histogram (grown past its initial range) decodes to an equal one.
    @Test func autoResizedRoundTrip() throws {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .two)
        for value in [3, 70, 900, 12_345, 7_000_000] as [UInt64] { histogram.record(value) }
        let decoded = try EncodedHistogram(histogram).decode()
        #expect(decoded == histogram)
        #expect(decoded.valueAtPercentile(50) == histogram.valueAtPercentile(50))
        #expect(EncodedHistogram(decoded) == EncodedHistogram(histogram))
    }

    /// The encoding survives JSON, including counts above 2⁵³.
    @Test func survivesJSON() throws {
        var histogram = LoadMeasurement.makeLatencyHistogram()
        histogram.record(150, count: 9_007_199_254_740_993)
        histogram.record(2_500_000)
        let encoded = EncodedHistogram(histogram)
        let data = try JSONEncoder().encode(encoded)
        let back = try JSONDecoder().decode(EncodedHistogram.self, from: data)
        #expect(back == encoded)
        #expect(try back.decode() == histogram)
    }

    /// Malformed encodings are refused with a reason rather than decoded into something else.
    @Test(arguments: [
        #"{"lowest":1,"highest":1000,"significantDigits":7,"totalCount":0,"min":0,"max":0,"counts":[]}"#,
        #"{"lowest":0,"highest":1000,"significantDigits":3,"totalCount":0,"min":0,"max":0,"counts":[]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":1,"min":5,"max":5,"counts":[[5]]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":2,"min":5,"max":9,"counts":[[9,1],[5,1]]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":3,"min":5,"max":5,"counts":[[5,1]]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":1,"min":5,"max":5,"counts":[[5,0]]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":1,"min":9,"max":9,"counts":[[99999999999,1]]}"#,
        #"{"lowest":1,"highest":1000,"significantDigits":3,"totalCount":1,"min":5,"max":700,"counts":[[5,1]]}"#,
    ])
    func rejectsMalformed(json: String) throws {
        let encoded = try JSONDecoder().decode(EncodedHistogram.self, from: Data(json.utf8))
        #expect(throws: EncodedHistogram.DecodeError.self) { try encoded.decode() }
    }
}
