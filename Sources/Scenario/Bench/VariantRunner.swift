import LoadGen
import Foundation
import LoadGen
import Metrics

/// What a runner is told about the variant it runs.
public struct VariantContext: Sendable {
    /// 0-based position of the variant, and how many there are.
    public var index: Int
    public var count: Int
    public var scenario: String
    /// Whether the scenario asks for a CPU profile of the server.
    public var profile: Bool
    /// Where the session writes its files (profiles may go beside the result).
    public var outputDirectory: String
    /// Requested by the command line on SIGINT/SIGTERM: the variant stops early (nil: nothing stops it).
    public var stop: StopToken?
    public var progress: BenchProgress
    /// `--segment i/N`: run only this segment of each variant's load (nil: the whole load).
    public var segment: ExecutionSegment?
    /// `--start-at` (ns since the Unix epoch): when the variant's first load phase starts; nil: at once.
    public var startAtEpochNanos: UInt64?

    public init(index: Int, count: Int, scenario: String, profile: Bool = false, outputDirectory: String = ".",
                stop: StopToken? = nil, progress: BenchProgress) {
        self.index = index; self.count = count; self.scenario = scenario; self.profile = profile
        self.outputDirectory = outputDirectory; self.stop = stop; self.progress = progress
    }
}

/// What one variant produced.
public struct VariantOutcome: Sendable {
    public var result: VariantResult
    /// The load was cut short by a stop request (SIGINT, SIGTERM).
    public var interrupted: Bool
    public init(result: VariantResult, interrupted: Bool = false) { self.result = result; self.interrupted = interrupted }
}

/// Why a variant could not run; the session stops and exits 2.
public struct VariantRunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// A stop request ended the variant before it had a result; the session ends with 130/143.
    public var interrupted: Bool
    public init(_ message: String, interrupted: Bool = false) { self.message = message; self.interrupted = interrupted }
    public var description: String { message }
}

/// The seam between `volley bench` and whatever serves a variant: a runner starts what the
/// variant needs (servers, a database), runs the load, collects server-side figures and
/// profiles, stops everything it started (also when it fails), and hands back the result.
public protocol VariantRunner: Sendable {
    /// Why this runner cannot run `plan`, checked for every variant before anything starts; nil if it can.
    func unsupported(_ plan: VariantPlan) -> String?
    /// Runs one variant. Must leave no child process behind, whatever happens.
    func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> VariantOutcome
}

/// Sends each variant to the runner for its kind of target: `external` for a `url`, `server`
/// (a `ServerRunner` in `volley bench`) for servers Volley starts; without one, such scenarios
/// are refused up front.
public struct RoutingRunner: VariantRunner {
    public var external: any VariantRunner
    public var server: (any VariantRunner)?

    public init(external: any VariantRunner = ExternalURLRunner(), server: (any VariantRunner)? = nil) {
        self.external = external; self.server = server
    }

    func runner(for plan: VariantPlan) -> (any VariantRunner)? {
        if case .external = plan.target { return external }
        return server
    }

    public func unsupported(_ plan: VariantPlan) -> String? {
        guard let runner = runner(for: plan) else {
            return "no volley binary to start reference servers from here (give --server-binary, or an external `url`)"
        }
        return runner.unsupported(plan)
    }

    public func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> VariantOutcome {
        guard let runner = runner(for: plan) else { throw VariantRunError(unsupported(plan) ?? "no runner") }
        return try runner.run(plan, context: context)
    }
}
