import Foundation
import TestSupport
import Testing
import Metrics
@testable import Reports

// How the expected text is derived, following wrk 4.1's src/wrk.c:
//   print_stats_header  printf("  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev")
//   print_stats         printf("    %-10s", name); print_units(mean, fmt, 8); print_units(stdev, fmt, 10);
//                       print_units(max, fmt, 9); printf("%8.2Lf%%\n", within_stdev)
//   print_units         pad = 2 minus one per trailing letter (of the last two characters);
//                       printf("%*.*s%.*s", width - pad, width - pad, msg, pad, "  ")
//   print_stats_latency printf("%7.0Lf%%", p); print_units(value, format_time_us, 10); printf("\n")
//   then "  %llu requests in %s, %sB read\n", the error lines, "Requests/sec: %9.2Lf\n" and
//   "Transfer/sec: %10sB\n".
// The three real outputs below are copied from wrk bug reports, with inputs chosen to give
// the same figures.

struct WrkTextPrinterTests {
    /// The header names the duration with format_time_s, the URL, threads and connections.
    @Test(arguments: [
        (10.0, "http://127.0.0.1:8080/", 2, 100, "Running 10s test @ http://127.0.0.1:8080/\n  2 threads and 100 connections\n"),
        (120, "https://172.16.98.197:9701", 8, 400, "Running 2m test @ https://172.16.98.197:9701\n  8 threads and 400 connections\n"),
        (5, "http://localhost:8081", 2, 2, "Running 5s test @ http://localhost:8081\n  2 threads and 2 connections\n"),
    ] as [(Double, String, Int, Int, String)])
    func header(duration: Double, url: String, threads: Int, connections: Int, expected: String) {
        let configuration = RunConfiguration(url: url, threads: threads, connections: connections, durationSeconds: duration)
        #expect(WrkTextPrinter.header(configuration: configuration) == expected)
    }

    /// The whole body for the hand-computed sample measurement, column for column.
    @Test func goldenSample() {
        let result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement())
        // Latency: mean 201 → "201.00us" (8 wide, pad 0); stdev 207.19 → "  207.19us" (10, pad 0);
        //   max 2000 ≥ 850 → "2.00ms" → "   2.00ms" (9, pad 0); 99.00 → "%8.2Lf%%" → "   99.00%".
        // Req/Sec: mean 1000 ≥ 850 → "1.00k": pad 1 → "%7.7s" + " " → "  1.00k ";
        //   stdev 105.41: pad 2 → "%8.8s" + "  " → "  105.41  "; max 1100 → "1.10k" → "   1.10k ";
        //   100.00 → "  100.00%".
        // Distribution: "%7.0Lf%%" → "     50%", then "%10.10s" of "100.00us" → "  100.00us".
        // Columns: the digits end at columns 20, 30 and 39; the header's "Avg", "Stdev" and
        //   "Max" end at 20, 31 and 39 (wrk's own geometry); units hang to the right.
        // Totals: 10 000 000 µs → 10 s → "10.00s"; 102236160 B = 97.5 MiB → "97.50M".
        // Rates: 100 / 10.0 = 10 → "%9.2Lf" → "    10.00"; 10223616 B/s = 9.75 MiB → "%10s" → "     9.75M".
        let expected = """
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   201.00us  207.19us   2.00ms   99.00%
                Req/Sec     1.00k   105.41     1.10k   100.00%
              Latency Distribution
                 50%  100.00us
                 75%  200.00us
                 90%  300.00us
                 99%  400.00us
              100 requests in 10.00s, 97.50MB read
              Socket errors: connect 0, read 0, write 0, timeout 12
              Non-2xx or 3xx responses: 3
            Requests/sec:     10.00
            Transfer/sec:      9.75MB

            """
        #expect(WrkTextPrinter.body(result, latencyDistribution: true) == expected)
    }

    /// Without --latency the distribution block is left out and nothing else changes.
    @Test func withoutDistribution() {
        let result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement())
        let full = WrkTextPrinter.body(result, latencyDistribution: true)
        let short = WrkTextPrinter.body(result, latencyDistribution: false)
        let distribution = "  Latency Distribution\n     50%  100.00us\n     75%  200.00us\n     90%  300.00us\n     99%  400.00us\n"
        #expect(full.replacingOccurrences(of: distribution, with: "") == short)
        #expect(!short.contains("Latency Distribution"))
    }

    /// No responses at all reproduces wrk's own output, "-nan%" included (github.com/wg/wrk/issues/336).
    @Test func goldenNoResponses() {
        let result = VariantResult(name: "run", configuration: sampleConfiguration(),
                                   measurement: LoadMeasurement(elapsedNanoseconds: 1_000_000_000))
        let expected = """
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     0.00us    0.00us   0.00us    -nan%
                Req/Sec     0.00      0.00     0.00      -nan%
              Latency Distribution
                 50%    0.00us
                 75%    0.00us
                 90%    0.00us
                 99%    0.00us
              0 requests in 1.00s, 0.00B read
            Requests/sec:      0.00
            Transfer/sec:       0.00B

            """
        #expect(WrkTextPrinter.body(result, latencyDistribution: true) == expected)
    }

    /// Read errors and bytes without responses reproduce github.com/wg/wrk/issues/497.
    @Test func goldenReadErrors() {
        var measurement = LoadMeasurement(elapsedNanoseconds: 5_000_000_000)
        measurement.bytesRead = 15_473          // 15.11 KiB; 3094.6 B/s = 3.02 KiB/s
        measurement.errors.read = 236
        let configuration = RunConfiguration(url: "http://localhost:8081", threads: 2, connections: 2, durationSeconds: 5)
        let result = VariantResult(name: "run", configuration: configuration, measurement: measurement)
        let expected = """
            Running 5s test @ http://localhost:8081
              2 threads and 2 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     0.00us    0.00us   0.00us    -nan%
                Req/Sec     0.00      0.00     0.00      -nan%
              Latency Distribution
                 50%    0.00us
                 75%    0.00us
                 90%    0.00us
                 99%    0.00us
              0 requests in 5.00s, 15.11KB read
              Socket errors: connect 0, read 236, write 0, timeout 0
            Requests/sec:      0.00
            Transfer/sec:      3.02KB

            """
        #expect(WrkTextPrinter.header(configuration: configuration)
            + WrkTextPrinter.body(result, latencyDistribution: true) == expected)
    }

    /// The statistics lines of github.com/wg/wrk/issues/328, from the figures wrk printed.
    @Test func realStatsLines() {
        let latency = WrkTextPrinter.statsLine(name: "Latency", mean: 525_290, stdev: 210_250, max: 1_730_000, samples: 377,
                                               withinStdev: 82.12, format: { WrkTextPrinter.formatTimeMicros($0) })
        #expect(latency == "    Latency   525.29ms  210.25ms   1.73s    82.12%\n")
        let rate = WrkTextPrinter.statsLine(name: "Req/Sec", mean: 11.21, stdev: 7.05, max: 40, samples: 200,
                                            withinStdev: 65.48, format: { WrkTextPrinter.formatMetric($0) })
        #expect(rate == "    Req/Sec    11.21      7.05    40.00     65.48%\n")
        // "     99%    1.56s " keeps print_units' trailing space in wrk's output too.
        #expect("     99%" + WrkTextPrinter.column(WrkTextPrinter.formatTimeMicros(1_560_000 as Double), width: 10) == "     99%    1.56s ")
    }

    /// Volley's parse errors extend wrk's socket errors line, and alone they make it appear.
    @Test(arguments: [
        (ErrorCounts(), nil),
        (errors(parse: 2), "  Socket errors: connect 0, read 0, write 0, timeout 0, parse 2\n"),
        (errors(connect: 1, timeout: 4), "  Socket errors: connect 1, read 0, write 0, timeout 4\n"),
        (errors(write: 3, parse: 1), "  Socket errors: connect 0, read 0, write 3, timeout 0, parse 1\n"),
    ] as [(ErrorCounts, String?)])
    func socketErrorsLine(counts: ErrorCounts, expected: String?) {
        var measurement = sampleMeasurement()
        measurement.errors = counts
        let body = WrkTextPrinter.body(VariantResult(name: "run", configuration: sampleConfiguration(), measurement: measurement),
                                       latencyDistribution: false)
        let line = body.split(separator: "\n", omittingEmptySubsequences: false)
            .first { $0.hasPrefix("  Socket errors:") }.map { String($0) + "\n" }
        #expect(line == expected)
        #expect(!body.contains("Non-2xx"))
    }

    /// Percentiles missing from the table are read from the histogram instead.
    @Test func distributionFallsBackToHistogram() {
        var result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement())
        let expected = WrkTextPrinter.body(result, latencyDistribution: true)
        result.latency.percentiles = []
        #expect(WrkTextPrinter.body(result, latencyDistribution: true) == expected)
    }
}

/// Error counts with the given classes set.
func errors(connect: UInt64 = 0, read: UInt64 = 0, write: UInt64 = 0, timeout: UInt64 = 0, status: UInt64 = 0,
            parse: UInt64 = 0) -> ErrorCounts {
    var counts = ErrorCounts()
    counts.connect = connect; counts.read = read; counts.write = write
    counts.timeout = timeout; counts.status = status; counts.parse = parse
    return counts
}

extension WrkTextPrinterTests {
    /// The numbers' last digits line up where wrk puts them: under the end of "Avg" and "Max", one before the end of "Stdev".
    @Test func columnsAlignWithHeader() {
        let body = WrkTextPrinter.body(VariantResult(name: "run", configuration: sampleConfiguration(),
                                                     measurement: sampleMeasurement()), latencyDistribution: false)
        let lines = body.split(separator: "\n").map { Array($0.utf8) }
        let header = lines[0]
        func end(of word: String, in line: [UInt8]) -> Int {
            let w = Array(word.utf8)
            let start = (0...(line.count - w.count)).first { Array(line[$0..<$0 + w.count]) == w }!
            return start + w.count
        }
        let avgEnd = end(of: "Avg", in: header), stdevEnd = end(of: "Stdev", in: header), maxEnd = end(of: "Max", in: header)
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        for line in lines[1...2] {
            // print_units gives Avg 8 - pad, Stdev 10 - pad and Max 9 - pad characters plus the
            // pad, against header fields of 6, 11 and 8: the Stdev values end one column early.
            for column in [avgEnd, stdevEnd - 1, maxEnd] {
                #expect(isDigit(line[column - 1]) && !isDigit(line[column]), "\(String(decoding: line, as: UTF8.self))")
            }
        }
    }
}
