import Metrics

/// Text output of a constant-throughput run (`-R`), in wrk2's spirit with what wrk2 leaves
/// out: the corrected latency (from the intended send) and the uncorrected one (from the
/// actual send) side by side, the schedule lag, the asked against the achieved rate, and the
/// generator's own warning when it, not the server, was the limit.
///
/// ```
///   Thread Stats   Avg      Stdev     Max   +/- Stdev
///     Latency     2.08ms  102.31us   3.01ms   92.10%
///     Uncorr.     2.05ms   98.03us   2.99ms   91.44%
///     Req/Sec   500.12     20.10   600.00     80.00%
///   Latency Distribution (corrected / uncorrected)
///      50%    2.07ms    2.05ms
///      …
///   Detailed Percentile spectrum (corrected):
///        Value   Percentile   TotalCount 1/(1-Percentile)
///   …
/// ----------------------------------------------------------
///   10000 requests in 10.00s, 1.20MB read
///   Schedule lag: p50 12.00us, p99 85.00us, max 1.20ms
///   Asked 1000.00 req/s, achieved 999.80 req/s (99.98%)
/// Requests/sec:    999.80
/// Transfer/sec:    120.00KB
/// ```
public enum RateTextPrinter {
    /// The percentiles of the side-by-side table (wrk2's list).
    public static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 99.999, 100]

    /// What is printed before the run.
    public static func header(configuration: RunConfiguration) -> String {
        var rate = ""
        if let start = configuration.rate {
            rate = configuration.rateEnd.map { ", \(number(start)) to \(number($0)) requests/sec (linear ramp)" }
                ?? ", \(number(start)) requests/sec (constant rate)"
        }
        return WrkTextPrinter.header(configuration: configuration).dropLast() + rate + "\n"
    }

    /// What is printed after the run.
    public static func body(_ result: VariantResult, latencyDistribution: Bool) -> String {
        let wrk = WrkTextPrinter.body(result, latencyDistribution: false)
        var lines = wrk.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // wrk's layout: header, Latency, Req/Sec, then totals. Insert after "Latency".
        var extra: [String] = []
        if let uncorrected = result.uncorrectedLatency {
            extra.append(String(WrkTextPrinter.statsLine(
                name: "Uncorr.", mean: CLongDouble(uncorrected.mean), stdev: CLongDouble(uncorrected.stdev),
                max: CLongDouble(uncorrected.max), samples: uncorrected.count,
                withinStdev: CLongDouble(uncorrected.withinStdevPercent), format: { WrkTextPrinter.formatTimeMicros($0) }).dropLast()))
        }
        lines.insert(contentsOf: extra, at: 2)
        var middle: [String] = []
        if latencyDistribution {
            middle.append("  Latency Distribution (corrected / uncorrected)")
            let corrected = try? result.latencyHistogram.decode()
            let uncorrected = try? result.uncorrectedLatencyHistogram?.decode()
            for p in percentiles {
                var line = CFormat.string("%7.3f%%", p)
                line += WrkTextPrinter.column(WrkTextPrinter.formatTimeMicros(CLongDouble(corrected?.valueAtPercentile(p) ?? 0)), width: 10)
                if let uncorrected {
                    line += WrkTextPrinter.column(WrkTextPrinter.formatTimeMicros(CLongDouble(uncorrected.valueAtPercentile(p))), width: 10)
                }
                middle.append(line)
            }
            if let corrected {
                middle.append("")
                middle.append("  Detailed Percentile spectrum (corrected):")
                middle += HgrmPrinter.text(corrected, style: .wrk2).split(separator: "\n").map(String.init)
            }
            middle.append("----------------------------------------------------------")
        }
        lines.insert(contentsOf: middle, at: 3 + extra.count)
        // After the "N requests in …" line: the pacing figures.
        if let pacing = result.pacing, let at = lines.firstIndex(where: { $0.contains(" requests in ") }) {
            let lag = pacing.scheduleLag
            let pacingLines = [
                "  Schedule lag: p50 \(time(lag.p50Micros)), p99 \(time(lag.p99Micros)), max \(time(lag.maxMicros))",
                "  Asked " + CFormat.string("%.2f", pacing.askedRate) + " req/s, achieved "
                    + CFormat.string("%.2f", pacing.achievedRate) + " req/s ("
                    + CFormat.string("%.2f", pacing.achievedPercent) + "%)",
            ]
            lines.insert(contentsOf: pacingLines, at: at + 1)
        }
        var out = lines.joined(separator: "\n")
        out += GeneratorAdvice.lines(result.generator).map { $0 + "\n" }.joined()
        return out
    }

    /// The generator's warnings, one per line (empty in a healthy run); printed after any run.
    public static func warnings(_ result: VariantResult) -> String {
        GeneratorAdvice.lines(result.generator).map { $0 + "\n" }.joined()
    }

    private static func time(_ micros: UInt64) -> String { WrkTextPrinter.formatTimeMicros(CLongDouble(micros)) }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
