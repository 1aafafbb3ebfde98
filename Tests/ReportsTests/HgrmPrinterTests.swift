import Foundation
import Histogram
import Metrics
@testable import Reports
import TestSupport
import Testing

/// A latency histogram holding one 500 µs and one 1500 µs value (both exact below 2048).
func twoValueHistogram() -> Histogram<UInt64> {
    var histogram = LoadMeasurement.makeLatencyHistogram()
    histogram.record(500)
    histogram.record(1500)
    return histogram
}

// Derivation of the golden texts. Percentile levels start at 0 and grow by
// 100 / (5 × 2^(⌊log2(100 / (100 − level))⌋ + 1)): 10 per step below 50, then 5 below 75…
// A row is printed when the cumulative percentile of the current bucket reaches the level:
// the 500 µs bucket (50%) serves levels 0…50, the 1500 µs bucket (100%) serves 55, after
// which all values are counted and a last row at 100% ends the table.
// Mean 1000 µs, population stdev 500 µs, max 1500 µs; values divided by 1000 (ms).
// 1..3600000000 at 3 digits: 2048 sub-buckets and 22 buckets.

struct HgrmPrinterTests {
    /// HdrHistogram Java's layout: "%12.3f %2.12f %10d %14.2f", a three-column last row, the footer.
    @Test func goldenHdrHistogramStyle() {
        let expected = """
                   Value     Percentile TotalCount 1/(1-Percentile)

                   0.500 0.000000000000          1           1.00
                   0.500 0.100000000000          1           1.11
                   0.500 0.200000000000          1           1.25
                   0.500 0.300000000000          1           1.43
                   0.500 0.400000000000          1           1.67
                   0.500 0.500000000000          1           2.00
                   1.500 0.550000000000          2           2.22
                   1.500 1.000000000000          2
            #[Mean    =        1.000, StdDeviation   =        0.500]
            #[Max     =        1.500, Total count    =            2]
            #[Buckets =           22, SubBuckets     =         2048]

            """
        #expect(HgrmPrinter.text(twoValueHistogram()) == expected)
    }

    /// wrk2's (HdrHistogram_c's) layout: "%12.3f %12f %12d %12.2f", with "inf" on the last row.
    @Test func goldenWrk2Style() {
        let expected = """
                   Value   Percentile   TotalCount 1/(1-Percentile)

                   0.500     0.000000            1         1.00
                   0.500     0.100000            1         1.11
                   0.500     0.200000            1         1.25
                   0.500     0.300000            1         1.43
                   0.500     0.400000            1         1.67
                   0.500     0.500000            1         2.00
                   1.500     0.550000            2         2.22
                   1.500     1.000000            2          inf
            #[Mean    =        1.000, StdDeviation   =        0.500]
            #[Max     =        1.500, Total count    =            2]
            #[Buckets =           22, SubBuckets     =         2048]

            """
        #expect(HgrmPrinter.text(twoValueHistogram(), style: .wrk2) == expected)
    }

    /// On random data the rows are monotone, end at percentile 1.0, and the footer matches the histogram.
    @Test(arguments: [HgrmPrinter.Style.hdrHistogram, .wrk2])
    func structure(style: HgrmPrinter.Style) throws {
        let histogram = randomLatencies(seed: 99, count: 20_000)
        let lines = HgrmPrinter.text(histogram, style: style).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("       Value "))
        #expect(lines[0].hasSuffix(" 1/(1-Percentile)"))
        #expect(lines[1].isEmpty)
        #expect(lines.last == "")
        let rows = lines[2..<(lines.count - 4)].map { $0.split(separator: " ").map(String.init) }
        let footer = lines[(lines.count - 4)..<(lines.count - 1)]
        #expect(rows.count > 50)
        var previous = (value: -1.0, percentile: -1.0, count: 0 as UInt64, inverse: 0.0)
        for row in rows.dropLast() {
            #expect(row.count == 4)
            let current = (value: Double(row[0])!, percentile: Double(row[1])!, count: UInt64(row[2])!, inverse: Double(row[3])!)
            #expect(current.value >= previous.value && current.count >= previous.count && current.inverse >= previous.inverse)
            if style == .hdrHistogram {
                // 12 decimals: strictly increasing, and the last column is 1/(1 − percentile).
                #expect(current.percentile > previous.percentile)
                #expect(abs(current.inverse - 1 / (1 - current.percentile)) < 0.01)
            } else {
                // "%12f" keeps 6 decimals, so close levels may print alike.
                #expect(current.percentile >= previous.percentile)
            }
            previous = current
        }
        let last = rows.last!
        #expect(Double(last[1]) == 1.0)
        #expect(UInt64(last[2]) == histogram.totalCount)
        #expect(last.count == (style == .wrk2 ? 4 : 3))
        if style == .wrk2 { #expect(last[3] == "inf") }
        #expect(footer.first!.hasPrefix("#[Mean    = ") && footer.first!.contains(", StdDeviation   = "))
        let mean = footer.first!.split(separator: "=")[1].split(separator: ",")[0].trimmingCharacters(in: .whitespaces)
        #expect(mean == String(format: "%.3f", histogram.mean / 1000))
        #expect(footer.dropFirst().first! == "#[Max     = " + String(format: "%12.3f", Double(style == .wrk2
            ? histogram.lowestEquivalentForValue(histogram.maxRecorded) : histogram.max) / 1000)
            + ", Total count    = " + String(format: "%12d", histogram.totalCount) + "]")
        #expect(footer.last! == "#[Buckets =           22, SubBuckets     =         2048]")
    }

    /// The HdrHistogram style is byte for byte what hdrhistogram-swift prints while counts fit in 31 bits.
    @Test(arguments: [5, 6] as [UInt64])
    func matchesPackageOutput(seed: UInt64) {
        let histogram = randomLatencies(seed: seed, count: 10_000)
        var packageText = ""
        histogram.outputPercentileDistribution(to: &packageText, outputValueUnitScalingRatio: 1000)
        #expect(HgrmPrinter.text(histogram) == packageText)
    }

    /// Counts beyond 2³¹ are printed whole (the package's "%d" would wrap them).
    @Test func largeCounts() {
        var histogram = LoadMeasurement.makeLatencyHistogram()
        histogram.record(1500, count: 3_000_000_000)
        let text = HgrmPrinter.text(histogram)
        #expect(text.contains("       1.500 1.000000000000 3000000000\n"))
        #expect(text.contains("Total count    =   3000000000]"))
    }

    /// An empty histogram prints the header and footer only.
    @Test func empty() {
        let text = HgrmPrinter.text(LoadMeasurement.makeLatencyHistogram())
        #expect(text == """
                   Value     Percentile TotalCount 1/(1-Percentile)

            #[Mean    =        0.000, StdDeviation   =        0.000]
            #[Max     =        0.000, Total count    =            0]
            #[Buckets =           22, SubBuckets     =         2048]

            """)
    }

    /// A variant's .hgrm comes from its encoded histogram, in milliseconds.
    @Test func fromVariant() throws {
        var measurement = LoadMeasurement(elapsedNanoseconds: 1_000_000_000)
        measurement.latency = twoValueHistogram()
        let result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: measurement)
        #expect(try HgrmPrinter.text(result) == HgrmPrinter.text(twoValueHistogram()))
    }
}
