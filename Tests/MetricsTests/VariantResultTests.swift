import Foundation
import Histogram
import Metrics
import TestSupport
import Testing

struct VariantResultTests {
    /// Every summary figure comes from the measurement, rates over its elapsed time.
    @Test func summary() {
        let result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement())
        let s = result.summary
        #expect(s.requests == 100 && s.bytesRead == 102_236_160 && s.bytesWritten == 4_000)
        #expect(s.elapsedSeconds == 10)
        #expect(s.requestsPerSecond == 10)
        #expect(s.bytesPerSecond == 10_223_616)
        #expect(s.errors.timeout == 12 && s.errors.status == 3 && s.reconnects == 2)
        #expect(s.statusClasses == StatusClassCounts(success: 97, clientError: 3))
        #expect(result.perSecond.count == 10)
        #expect(result.name == "run" && result.configuration == sampleConfiguration())
    }

    /// Latency figures are computed as wrk's stats.c does: mean, sample stdev, share within one stdev.
    @Test func latencyStatistics() {
        let latency = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement()).latency
        #expect(latency.unit == "us")
        #expect(latency.count == 100 && latency.min == 100 && latency.max == 2000)
        #expect(latency.mean == 201)
        // Σ count·(v − 201)² = 4249900; / 99 = 42928.28…; √ = 207.1914…
        #expect(abs(latency.stdev - (4_249_900.0 / 99).squareRoot()) < 1e-9)
        // mean ± stdev = [−6.19, 408.19] holds every value but 2000.
        #expect(latency.withinStdevPercent == 99)
        #expect(latency.percentiles.map(\.percentile) == [50, 75, 90, 99, 99.9, 99.99, 99.999])
        #expect(latency.percentiles.map(\.valueMicros) == [100, 200, 300, 400, 2000, 2000, 2000])
        #expect(latency.value(atPercentile: 90) == 300)
    }

    /// Request-rate figures are the same statistics over the per-thread samples.
    @Test func requestRateStatistics() {
        let rate = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: sampleMeasurement()).requestRate
        #expect(rate.samples == 10 && rate.max == 1100 && rate.mean == 1000)
        #expect(abs(rate.stdev - (100_000.0 / 9).squareRoot()) < 1e-9)
        #expect(rate.withinStdevPercent == 100)
    }

    /// An empty measurement gives zeros, never NaN (JSON cannot hold NaN).
    @Test func emptyMeasurement() throws {
        let result = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: LoadMeasurement())
        #expect(result.summary.requestsPerSecond == 0 && result.summary.bytesPerSecond == 0)
        #expect(result.latency.mean == 0 && result.latency.stdev == 0 && result.latency.withinStdevPercent == 0)
        #expect(result.latency.min == 0 && result.latency.max == 0 && result.latency.count == 0)
        #expect(result.requestRate.samples == 0 && result.requestRate.mean == 0)
        _ = try JSONEncoder().encode(result)
    }

    /// Above 2048 µs a bucket stands for its median equivalent value, as HdrHistogram's mean does.
    @Test func bucketedValuesUseMedianEquivalent() {
        var histogram = LoadMeasurement.makeLatencyHistogram()
        histogram.record(1_000_000, count: 3)
        let latency = LatencyStats(histogram)
        #expect(latency.mean == histogram.mean)
        #expect(latency.max == 1_000_000)
        #expect(latency.withinStdevPercent == 100)
    }

    /// Status classes map from the measurement's array, index 0 being "other".
    @Test(arguments: [
        ([1, 2, 3, 4, 5, 6], StatusClassCounts(other: 1, informational: 2, success: 3, redirection: 4, clientError: 5, serverError: 6)),
        ([0, 0, 7], StatusClassCounts(success: 7)),
        ([], StatusClassCounts()),
    ] as [([UInt64], StatusClassCounts)])
    func statusClasses(array: [UInt64], expected: StatusClassCounts) {
        #expect(StatusClassCounts(array) == expected)
    }

    /// Status classes are keyed "1xx" … "5xx" and "other" in JSON.
    @Test func statusClassKeys() throws {
        let data = try JSONEncoder().encode(StatusClassCounts(success: 7))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Int]
        #expect(object == ["other": 0, "1xx": 0, "2xx": 7, "3xx": 0, "4xx": 0, "5xx": 0])
    }
}

@Suite struct ProcessCPUResultTests {
    /// The engine's CPU totals become the generator's CPU per request and the server's `cpuSeconds`,
    /// `cpuMicrosPerRequest` and `cpuProcesses`; the per-slice and per-second CPU survive a round trip
    /// through the file, and a file without them (older engines) still reads.
    @Test func totalsAndSeriesInTheResult() throws {
        var m = sampleMeasurement()
        m.loopLag = LoadMeasurement.makeLatencyHistogram()
        m.cpu = ProcessCPU(generatorUserSeconds: 0.3, generatorSystemSeconds: 0.2, serverSeconds: 0.8, serverProcesses: 3)
        m.perSecond[0].generatorCpuPercent = 41.5
        m.perSecond[0].serverCpuPercent = 97.2
        m.timeline = Timeline(sliceMillis: 100, slices: [TimeSlice(slice: 0, requests: 1, generatorCpuPercent: 12.5, serverCpuPercent: 150)])
        let v = VariantResult(name: "run", configuration: sampleConfiguration(), measurement: m)
        #expect(v.generator?.cpuMicrosPerRequest == 5_000)
        #expect(v.serverCPUSeconds == 0.8 && v.serverCPUMicrosPerRequest == 8_000)
        #expect(v.server?["cpuProcesses"] == .integer(3))

        let report = RunReport(host: HostInfo(cpuModel: "c", logicalCores: 2, kernel: "k", architecture: "x86_64", hostname: "h"),
                               createdAt: "2026-12-04T12:00:00Z", variants: [v])
        let back = try RunReport.decode(try report.jsonData()).variants[0]
        #expect(back.perSecond[0].generatorCpuPercent == 41.5 && back.perSecond[0].serverCpuPercent == 97.2)
        #expect(back.perSecond[1].serverCpuPercent == nil)
        #expect(back.timeline?.slices[0].serverCpuPercent == 150)
        #expect(back.serverCPUSeconds == 0.8)
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(text.contains("\"serverCpuPercent\" : 97.2"))
        // Older files: no CPU fields at all.
        let older = text.replacingOccurrences(of: "\"generatorCpuPercent\" : 41.5,", with: "")
        #expect(older != text)
        #expect(try RunReport.decode(Data(older.utf8)).variants[0].perSecond[0].generatorCpuPercent == nil)
    }
}
