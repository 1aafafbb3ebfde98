import Metrics

/// A scenario file, validated: what to start, what load to drive, which variants to run,
/// and what counts as passing. Built by `ScenarioParser`; every field is already checked.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// The file the scenario was read from (names it in messages).
    public var file: String
    /// The variants to run, in order, with the matrix expanded.
    public var variants: [VariantPlan]
    /// Whether to record a CPU profile of the server during each variant.
    public var profile: Bool
    /// Pass/fail rules, each applying to the variants it names.
    public var thresholds: [ThresholdRule]
    /// Allowed regression against a baseline, for `volley compare --scenario`.
    public var maxRegression: RegressionTolerances?
}

/// Where the load goes: servers Volley starts, or a URL someone else serves.
public enum Target: Sendable, Equatable {
    /// A reference server started by `volley bench` for the variant.
    case server(ServerSpec)
    /// An external `http://` base URL; the load's path replaces its path when given.
    case external(url: String)
    /// The user's own server, started from `server.command` for the variant.
    case command(CommandSpec)
}

/// The reference server to start for a variant.
public struct ServerSpec: Sendable, Equatable {
    public enum Model: String, Sendable, CaseIterable { case sync, async }
    public var model: Model
    /// Server processes sharing the port (SO_REUSEPORT).
    public var workers: Int
    /// Threads per worker (sync: handler threads; async: event loops).
    public var threads: Int
    public var database: DatabaseSpec
    /// CPUs to pin the server to (`taskset`), or nil for no pinning.
    public var cpus: [Int]?
    /// Threshold of the server's slow-callback warning, in nanoseconds, or nil for its default.
    public var slowCallbackNanos: UInt64?
    /// Async: how the server talks to MongoDB (`db_driver`, `serve --db-driver`); nil: serve's default (native).
    public var dbDriver: DatabaseDriver?

    /// `native`: the non-blocking driver on the loops; `threadpool`: libmongoc in the work queue.
    public enum DatabaseDriver: String, Sendable, CaseIterable { case native, threadpool }

    /// Serve https with a throwaway self-signed certificate (`server.tls: true`); the load then
    /// skips certificate verification.
    public var tls = false

    public init(model: Model, workers: Int = 1, threads: Int = 1, database: DatabaseSpec = .none,
                cpus: [Int]? = nil, slowCallbackNanos: UInt64? = nil) {
        self.model = model; self.workers = workers; self.threads = threads; self.database = database
        self.cpus = cpus; self.slowCallbackNanos = slowCallbackNanos
    }
}

/// The database behind a server variant.
public enum DatabaseSpec: Sendable, Equatable {
    case none
    /// Volley's built-in mongod, answering after `latencyNanos`, seeded with the fixtures.
    case builtin(latencyNanos: UInt64)
    /// An existing MongoDB at this URI (loopback only).
    case uri(String)
}

/// One request path and its share of the requests.
public struct WeightedPath: Sendable, Equatable {
    public var path: String
    public var weight: Double
    public init(path: String, weight: Double = 1) { self.path = path; self.weight = weight }
}

/// The load driven at a variant.
public struct LoadSpec: Sendable, Equatable {
    public var threads: Int = 2
    public var connections: Int = 10
    public var durationNanos: UInt64 = 10_000_000_000
    /// Load run before the measured one and thrown away.
    public var warmupNanos: UInt64 = 0
    /// Requests/sec for a constant-rate run; nil for closed loop.
    public var rate: Double?
    public var method: String = "GET"
    /// One path (weight 1) or several weighted ones; nil to use the target URL's own path.
    public var paths: [WeightedPath]?
    public var headers: [HeaderField] = []
    public var body: String?
    public var pipeline: Int = 1
    public var timeoutNanos: UInt64 = 2_000_000_000
    /// CPUs to pin the generator to, or nil.
    public var cpus: [Int]?
    /// A wrk Lua script building the requests (resolved path), and its `init(args)` arguments.
    public var script: String?
    public var scriptArguments: [String] = []
    /// https targets: skip certificate verification (`load.insecure: true`, like `-k`).
    public var insecure = false

    public init() {}
}

/// One request header.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// One variant to run: a name unique in the scenario, its target and its load.
public struct VariantPlan: Sendable, Equatable {
    public var name: String
    public var target: Target
    public var load: LoadSpec
    /// The matrix values that made this variant, `axis → value label`, in axis order.
    public var coordinates: [Coordinate]

    public struct Coordinate: Sendable, Equatable {
        public var axis: String
        public var label: String
    }

    public init(name: String, target: Target, load: LoadSpec, coordinates: [Coordinate] = []) {
        self.name = name; self.target = target; self.load = load; self.coordinates = coordinates
    }
}

/// How much worse a figure may get against a baseline before it is a regression: fractions
/// for relative changes (0.05 is 5%), and percentage points of error rate for `errors`.
public struct RegressionTolerances: Sendable, Equatable, Codable {
    public var rps: Double
    public var p50: Double
    public var p99: Double
    public var p999: Double
    /// Allowed rise of the error rate, as a fraction of requests (0.001 is 0.1 points).
    public var errors: Double

    /// The same relative tolerance for every latency and throughput figure; errors may not rise.
    public init(all: Double, errors: Double = 0) {
        rps = all; p50 = all; p99 = all; p999 = all; self.errors = errors
    }

    public init(rps: Double, p50: Double, p99: Double, p999: Double, errors: Double) {
        self.rps = rps; self.p50 = p50; self.p99 = p99; self.p999 = p999; self.errors = errors
    }

    /// 5% on every figure, no rise in the error rate.
    public static let standard = RegressionTolerances(all: 0.05)

    /// The figure names accepted in files and on the command line.
    public static let figureNames = ["rps", "p50", "p99", "p99.9", "errors"]

    /// Sets one figure by name; false when the name is not a figure.
    public mutating func set(_ figure: String, _ value: Double) -> Bool {
        switch figure {
        case "rps": rps = value
        case "p50": p50 = value
        case "p99": p99 = value
        case "p99.9": p999 = value
        case "errors": errors = value
        default: return false
        }
        return true
    }

    /// Parses the command-line form: `5%` for every figure, or `rps=3%,p99=10%` on top of the standard ones.
    public static func parse(_ text: String) -> RegressionTolerances? {
        if let all = Quantity.percent(text) { return RegressionTolerances(all: all) }
        var result = RegressionTolerances.standard
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let value = Quantity.percent(pieces[1]), result.set(pieces[0], value) else { return nil }
        }
        return result
    }
}
