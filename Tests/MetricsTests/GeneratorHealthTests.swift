import Testing
@testable import Metrics

private func thread(cpu: Double, busy: Double? = nil) -> ThreadLoad {
    ThreadLoad(thread: 0, cpuSeconds: cpu / 100, wallSeconds: 1, cpuPercent: cpu, peakCpuPercent: cpu,
               busyPercent: busy, peakBusyPercent: busy)
}

private func pacing(achieved: Double) -> PacingStats {
    PacingStats(askedRequests: 10_000, askedRate: 10_000, achievedRate: achieved, achievedPercent: achieved / 100,
                scheduleLag: LagStats(count: 1, p50Micros: 10, p99Micros: 9000, p999Micros: 9000, maxMicros: 250_000, meanMicros: 10))
}

private let calmLoop = LagStats(count: 10, p50Micros: 50, p99Micros: 200, p999Micros: 200, maxMicros: 200, meanMicros: 60)

@Suite struct GeneratorHealthTests {
    /// A saturated thread in a run that fell behind its rate is called out, plainly.
    @Test func saturatedAndBehind() {
        let health = GeneratorHealth(threads: [thread(cpu: 60, busy: 98)], loopLag: calmLoop, pacing: pacing(achieved: 4000))
        #expect(health.bottleneck)
        #expect(health.warnings.count == 1)
        #expect(health.warnings[0].contains("asked 10000 req/s, achieved 4000 (40%)"))
        #expect(health.warnings[0].contains("thread 0 wanted a CPU 98% of the time"))
    }

    /// Behind the rate with an idle generator: the server is the limit, no warning.
    @Test func serverBound() {
        let health = GeneratorHealth(threads: [thread(cpu: 20, busy: 25)], loopLag: calmLoop, pacing: pacing(achieved: 4000))
        #expect(!health.bottleneck && health.warnings.isEmpty)
    }

    /// A busy generator that keeps its rate is healthy, and closed-loop runs are never judged.
    @Test func busyButOnSchedule() {
        #expect(!GeneratorHealth(threads: [thread(cpu: 99)], loopLag: calmLoop, pacing: pacing(achieved: 9900)).bottleneck)
        #expect(!GeneratorHealth(threads: [thread(cpu: 100)], loopLag: calmLoop, pacing: nil).bottleneck)
    }

    /// At a low rate, a shortfall no larger than the requests in flight at the end is not falling behind.
    @Test func lowRateShortfall() {
        let few = PacingStats(askedRequests: 6, askedRate: 6, achievedRate: 5, achievedPercent: 83,
                              scheduleLag: LagStats(count: 5, p50Micros: 10, p99Micros: 20, p999Micros: 20, maxMicros: 20, meanMicros: 10))
        #expect(!GeneratorHealth(threads: [thread(cpu: 99)], loopLag: calmLoop, pacing: few, connections: 10).bottleneck)
        #expect(GeneratorHealth(threads: [thread(cpu: 99)], loopLag: calmLoop, pacing: pacing(achieved: 5000), connections: 10).bottleneck)
    }

    /// A stalled loop counts even when the CPU figures do not show it.
    @Test func stalledLoop() {
        let stalled = LagStats(count: 10, p50Micros: 50, p99Micros: 45_000, p999Micros: 45_000, maxMicros: 45_000, meanMicros: 5000)
        let health = GeneratorHealth(threads: [thread(cpu: 40)], loopLag: stalled, pacing: pacing(achieved: 5000))
        #expect(health.bottleneck && health.warnings[0].contains("event loop ran 45.0 ms late"))
    }
}
