import Metrics

/// The search of `volley probe`: the highest constant rate whose p99 latency (corrected for
/// coordinated omission) stays under a bound. It doubles the rate from `startRate` until a
/// step fails (or `maxRate` passes), then bisects between the highest passing and the lowest
/// failing rate until they are within `precision` of each other. Pure: it is told each step's
/// outcome and says which rate to try next, so it is tested without sockets.
public struct ProbeSearch: Sendable {
    /// One constant-rate step and its verdict.
    public struct Step: Sendable, Equatable {
        public var askedRate: Double
        public var achievedRate: Double
        public var p50Micros: UInt64
        public var p99Micros: UInt64
        public var requests: UInt64
        public var errors: UInt64
        /// The generator said it was the limit of this step.
        public var generatorBound: Bool
        public var passed: Bool
        /// Requests the schedule asked for, and connections (whose requests may be in flight at the end).
        public var askedRequests: UInt64
        public var connections: Int

        public init(askedRate: Double, achievedRate: Double, p50Micros: UInt64, p99Micros: UInt64, requests: UInt64,
                    errors: UInt64, generatorBound: Bool = false, passed: Bool = false, askedRequests: UInt64 = 0,
                    connections: Int = 0) {
            self.askedRate = askedRate; self.achievedRate = achievedRate; self.p50Micros = p50Micros
            self.p99Micros = p99Micros; self.requests = requests; self.errors = errors
            self.generatorBound = generatorBound; self.passed = passed
            self.askedRequests = askedRequests; self.connections = connections
        }
    }

    public let p99BoundMicros: UInt64
    public let startRate: Double
    public let maxRate: Double
    /// Bisection stops when (lowest failing − highest passing) ≤ precision × highest passing.
    public let precision: Double
    public let maxSteps: Int
    public private(set) var steps: [Step] = []
    /// The highest passing step so far.
    public private(set) var best: Step?
    private var lowestFailing: Double?
    /// The generator, not the server, limited a step: the search stops there.
    public private(set) var stoppedByGenerator = false

    public init(p99BoundMicros: UInt64, startRate: Double = 100, maxRate: Double = 1_000_000, precision: Double = 0.05,
                maxSteps: Int = 20) {
        precondition(startRate > 0 && maxRate >= startRate && precision > 0 && maxSteps > 0)
        self.p99BoundMicros = p99BoundMicros; self.startRate = startRate; self.maxRate = maxRate
        self.precision = precision; self.maxSteps = maxSteps
    }

    /// Whether a step meets the bound: p99 within it, at least 90% of the asked rate achieved (or
    /// short by no more than the requests that may be in flight at the end, which matters in short,
    /// slow steps), and errors at most 0.1% of the requests.
    public func passes(_ step: Step) -> Bool {
        let keptUp = step.achievedRate >= 0.9 * step.askedRate
            || step.askedRequests <= step.requests + UInt64(step.connections)
        return step.p99Micros <= p99BoundMicros && keptUp && step.errors * 1000 <= step.requests && step.requests > 0
    }

    /// The rate to try next, or nil when the search is over.
    public func nextRate() -> Double? {
        if stoppedByGenerator || steps.count >= maxSteps { return nil }
        guard let last = steps.last else { return startRate }
        guard let failing = lowestFailing else {
            // Still doubling: every step so far passed.
            return last.askedRate >= maxRate ? nil : min(maxRate, last.askedRate * 2)
        }
        let passing = best?.askedRate ?? 0
        if passing == 0 && failing <= startRate / 16 { return nil }   // even low rates fail
        if failing - passing <= precision * max(passing, 1) { return nil }
        return ((passing + failing) / 2).rounded()
    }

    /// Records the outcome of the step at `step.askedRate`; returns it with its verdict.
    @discardableResult
    public mutating func record(_ step: Step) -> Step {
        var step = step
        step.passed = passes(step)
        steps.append(step)
        if step.passed {
            if step.askedRate > (best?.askedRate ?? 0) { best = step }
        } else {
            if step.generatorBound { stoppedByGenerator = true }
            lowestFailing = min(lowestFailing ?? .infinity, step.askedRate)
        }
        return step
    }
}

extension ProbeSearch.Step {
    /// The figures of one constant-rate run.
    public init(askedRate: Double, result: VariantResult) {
        self.init(askedRate: askedRate, achievedRate: result.summary.requestsPerSecond,
                  p50Micros: result.latency.value(atPercentile: 50) ?? 0,
                  p99Micros: result.latency.value(atPercentile: 99) ?? 0,
                  requests: result.summary.requests, errors: result.summary.errors.total,
                  generatorBound: result.generator?.bottleneck ?? false,
                  askedRequests: result.pacing?.askedRequests ?? 0, connections: result.configuration.connections)
    }
}

/// Runs a probe: one short constant-rate load per step of a `ProbeSearch`.
public enum Prober {
    /// Runs steps of `stepNanos` with `base`'s target, threads and connections until the
    /// search ends; `onStep` sees each step as it completes (e.g. to print the curve).
    /// A stop requested on `stop` ends the step in progress (which is not recorded) and the search.
    public static func run(base: LoadOptions, stepNanos: UInt64, search: ProbeSearch, stop: StopToken? = nil,
                           onStep: (ProbeSearch.Step) -> Void = { _ in }) throws(LoadError) -> ProbeSearch {
        var search = search
        while let rate = search.nextRate(), stop?.isRequested != true {
            var options = base
            options.durationNanos = stepNanos
            options.pipeline = 1
            options.rate = RateSchedule(startRate: rate, durationNanos: stepNanos)
            let runner = try LoadRunner(options: options)
            let measurement = runner.run(stop: stop)
            if runner.interrupted { break }
            let result = VariantResult(name: "probe", configuration: options.configuration, measurement: measurement)
            onStep(search.record(ProbeSearch.Step(askedRate: rate, result: result)))
        }
        return search
    }
}
