import Metrics

/// wrk 4.1's text output, line for line and byte for byte, from a `VariantResult`.
///
/// It follows wrk's `main` (src/wrk.c) and its helpers `print_stats_header`,
/// `print_stats`, `print_units` and `print_stats_latency`:
///
/// ```
/// Running 10s test @ http://127.0.0.1:8080/
///   2 threads and 100 connections
///   Thread Stats   Avg      Stdev     Max   +/- Stdev
///     Latency   525.29ms  210.25ms   1.73s    82.12%
///     Req/Sec    11.21      7.05    40.00     65.48%
///   Latency Distribution
///      50%  489.47ms
///      75%  570.62ms
///      90%  710.66ms
///      99%    1.56s
///   377 requests in 20.08s, 4.54MB read
///   Socket errors: connect 0, read 0, write 0, timeout 1
/// Requests/sec:     18.77
/// Transfer/sec:    231.74KB
/// ```
///
/// Figures are computed in C `long double` where wrk does (on x86_64), and printed through
/// the C library's `printf`, so rounding matches. Differences from wrk that come from the
/// data rather than the format: latencies come from an HdrHistogram (exact below 2048 µs,
/// within 0.1% above), percentiles use HdrHistogram's rank rule, and wrk's own coordinated
/// omission correction (`stats_correct`) is not applied.
public enum WrkTextPrinter {
    /// What wrk prints before the run: "Running 10s test @ URL\n  2 threads and 100 connections\n".
    public static func header(configuration: RunConfiguration) -> String {
        "Running \(formatTimeSeconds(CLongDouble(configuration.durationSeconds))) test @ \(configuration.url)\n"
            + "  \(configuration.threads) threads and \(configuration.connections) connections\n"
    }

    /// What wrk prints after the run: thread statistics, the latency distribution if asked
    /// (`--latency`), totals, errors if any, and the rates.
    ///
    /// One Volley extension: when responses failed to parse, the socket errors line gets
    /// ", parse N" at its end (and is printed even if wrk's four counters are all 0).
    public static func body(_ result: VariantResult, latencyDistribution: Bool) -> String {
        var out = ""
        // print_stats_header: printf("  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev")
        out += "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"

        let latency = result.latency
        out += statsLine(name: "Latency", mean: CLongDouble(latency.mean), stdev: CLongDouble(latency.stdev),
                         max: CLongDouble(latency.max), samples: latency.count,
                         withinStdev: CLongDouble(latency.withinStdevPercent), format: formatTimeMicros)
        let rate = result.requestRate
        out += statsLine(name: "Req/Sec", mean: CLongDouble(rate.mean), stdev: CLongDouble(rate.stdev),
                         max: CLongDouble(rate.max), samples: rate.samples,
                         withinStdev: CLongDouble(rate.withinStdevPercent), format: formatMetric)

        if latencyDistribution {
            // print_stats_latency: printf("%7.0Lf%%", p); print_units(n, format_time_us, 10); printf("\n")
            out += "  Latency Distribution\n"
            for p in [50.0, 75.0, 90.0, 99.0] {
                let value = latencyAt(p, in: result)
                out += CFormat.string("%7.0\(longDoubleModifier)f%%", CLongDouble(p))
                out += column(formatTimeMicros(CLongDouble(value)), width: 10) + "\n"
            }
        }

        // wrk measures the run in whole microseconds (runtime_us), then
        //   long double runtime_s = runtime_us / 1000000.0;   (a double division)
        //   long double req_per_s = complete / runtime_s;  bytes_per_s = bytes / runtime_s;
        let summary = result.summary
        let runtimeMicros = UInt64(max(0, (summary.elapsedSeconds * 1e6).rounded()))
        let runtimeSeconds = CLongDouble(Double(runtimeMicros) / 1_000_000.0)
        let requestsPerSecond = CLongDouble(summary.requests) / runtimeSeconds
        let bytesPerSecond = CLongDouble(summary.bytesRead) / runtimeSeconds

        out += "  \(summary.requests) requests in \(formatTimeMicros(CLongDouble(runtimeMicros))), "
            + "\(formatBinary(CLongDouble(summary.bytesRead)))B read\n"
        if let tls = summary.tls { out += tls.textLine }
        let errors = summary.errors
        if errors.connect > 0 || errors.read > 0 || errors.write > 0 || errors.timeout > 0 || errors.parse > 0 || errors.tls > 0 {
            out += "  Socket errors: connect \(errors.connect), read \(errors.read), write \(errors.write), timeout \(errors.timeout)"
            if errors.parse > 0 { out += ", parse \(errors.parse)" }
            if errors.tls > 0 { out += ", tls \(errors.tls)" }
            out += "\n"
        }
        if errors.status > 0 {
            out += "  Non-2xx or 3xx responses: \(errors.status)\n"
        }
        out += CFormat.string("Requests/sec: %9.2\(longDoubleModifier)f\n", requestsPerSecond)
        out += "Transfer/sec: " + rightAligned(formatBinary(bytesPerSecond), width: 10) + "B\n"
        return out
    }

    /// print_stats: `printf("    %-10s", name)`, three `print_units` columns (8, 10, 9
    /// wide) and `printf("%8.2Lf%%\n", within)`. With no samples wrk divides 0 by 0 there
    /// and glibc prints the x87 default NaN as "-nan"; so do we.
    static func statsLine(name: String, mean: CLongDouble, stdev: CLongDouble, max: CLongDouble, samples: UInt64,
                          withinStdev: CLongDouble, format: (CLongDouble) -> String) -> String {
        let within: CLongDouble = samples == 0 ? -CLongDouble.nan : withinStdev
        return "    " + name.leftAligned(width: 10) + column(format(mean), width: 8) + column(format(stdev), width: 10)
            + column(format(max), width: 9) + CFormat.string("%8.2\(longDoubleModifier)f%%\n", within)
    }

    /// The latency at `percentile` from the table, or from the histogram if the table lacks it.
    static func latencyAt(_ percentile: Double, in result: VariantResult) -> UInt64 {
        if let value = result.latency.value(atPercentile: percentile) { return value }
        return (try? result.latencyHistogram.decode().valueAtPercentile(percentile)) ?? 0
    }

    /// `%Ns`: right-aligned in `width` characters, never truncated.
    static func rightAligned(_ text: String, width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.utf8.count)) + text
    }
}

extension String {
    /// `%-Ns`: left-aligned in `length` characters, never truncated.
    fileprivate func leftAligned(width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - utf8.count))
    }
}
