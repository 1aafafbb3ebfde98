import Histogram
import Testing
import Metrics
@testable import Reports

/// A paced measurement: 1000 requests over 1 s, corrected latencies 2–3 ms, uncorrected 2 ms, lag 10–30 µs.
private func pacedResult(rateEnd: Double? = nil) -> VariantResult {
    var m = LoadMeasurement(elapsedNanoseconds: 1_000_000_000)
    m.requests = 1000
    m.bytesRead = 78_000
    m.statusClasses[2] = 1000
    var uncorrected = LoadMeasurement.makeLatencyHistogram(), lag = LoadMeasurement.makeLatencyHistogram()
    for i in 0..<1000 {
        _ = m.latency.record(UInt64(2000 + i))
        _ = uncorrected.record(2000)
        _ = lag.record(UInt64(10 + i % 21))
    }
    _ = m.requestRate.record(1000)
    m.uncorrectedLatency = uncorrected
    m.scheduleLag = lag
    m.askedRequests = 1001
    m.loopLag = LoadMeasurement.makeLatencyHistogram()
    m.threads = [ThreadLoad(thread: 0, cpuSeconds: 0.05, wallSeconds: 1, cpuPercent: 5, peakCpuPercent: 5)]
    let configuration = RunConfiguration(url: "http://127.0.0.1:8080/", threads: 1, connections: 10, durationSeconds: 1,
                                         rate: 1000, rateEnd: rateEnd)
    return VariantResult(name: "run", configuration: configuration, measurement: m)
}

@Suite struct RateTextPrinterTests {
    /// The header names the asked rate, constant or ramp.
    @Test func header() {
        #expect(RateTextPrinter.header(configuration: pacedResult().configuration)
                == "Running 1s test @ http://127.0.0.1:8080/\n  1 threads and 10 connections, 1000 requests/sec (constant rate)\n")
        #expect(RateTextPrinter.header(configuration: pacedResult(rateEnd: 20_000).configuration).hasSuffix(
                ", 1000 to 20000 requests/sec (linear ramp)\n"))
    }

    /// Corrected and uncorrected side by side, the schedule lag and the asked rate, in wrk's layout around them.
    @Test func body() {
        let text = RateTextPrinter.body(pacedResult(), latencyDistribution: true)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "  Thread Stats   Avg      Stdev     Max   +/- Stdev")
        #expect(lines[1].hasPrefix("    Latency     2.50ms  288.86us   3.00ms"))
        #expect(lines[2].hasPrefix("    Uncorr.     2.00ms    0.00us   2.00ms  100.00%"))
        #expect(lines[3].hasPrefix("    Req/Sec "))
        #expect(lines[4] == "  Latency Distribution (corrected / uncorrected)")
        #expect(lines[5] == " 50.000%    2.50ms    2.00ms")
        #expect(lines[12] == "100.000%    3.00ms    2.00ms")
        #expect(text.contains("  Detailed Percentile spectrum (corrected):\n       Value   Percentile   TotalCount 1/(1-Percentile)\n"))
        #expect(text.contains("\n----------------------------------------------------------\n  1000 requests in 1.00s, 76.17KB read\n"))
        #expect(text.contains("\n  Schedule lag: p50 20.00us, p99 30.00us, max 30.00us\n"))
        #expect(text.contains("\n  Asked 1001.00 req/s, achieved 1000.00 req/s (99.90%)\nRequests/sec:   1000.00\n"))
        #expect(!text.contains("Warning"))
    }

    /// Without --latency there is no distribution, and the generator's warning closes the text when
    /// there is one: the finding the model recorded, framed as a warning with the remedy.
    @Test func warningAtTheEnd() {
        var result = pacedResult()
        result.generator?.warnings = ["the load generator, not the server, limited this run"]
        let text = RateTextPrinter.body(result, latencyDistribution: false)
        #expect(!text.contains("Latency Distribution"))
        let line = "Warning: the load generator, not the server, limited this run. \(GeneratorAdvice.remedy)\n"
        #expect(text.hasSuffix("B\n" + line))
        #expect(RateTextPrinter.warnings(result) == line)
    }

    /// A file written before findings and advice were split keeps its sentence as it was.
    @Test func oldWarningKeptAsItWas() {
        var result = pacedResult()
        result.generator?.warnings = ["Warning: the load generator, not the server, limited this run. Use -t."]
        #expect(RateTextPrinter.warnings(result) == "Warning: the load generator, not the server, limited this run. Use -t.\n")
    }
}
