import Clocks
import Foundation
import LoadGen
import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// `volley bench --baseline-binary BASE --server-binary NEW`: measures two builds of the server
/// side by side. For each variant both builds' servers are started (same spec, same CPUs) and
/// the variant's load goes to one, then the other, in short slots — pair k is base then new for
/// even k and new then base for odd k (ABBA), so that a drift within a pair cancels too.
///
/// Why: on a shared machine the speed of the whole machine wanders by 20–40% over seconds
/// (BENCHMARKS.md, "Regression gate"). Two runs a few seconds apart differ by that much whatever
/// the builds, so a 10% change drowns. The two slots of a pair are a few milliseconds apart and
/// see the same machine; `volley compare` judges the change from the pairs' ratios
/// (`ChangeEstimate.paired`), in which the machine's wandering cancels.
///
/// Each slot is a whole short run of the engine (fresh connections, the same warm servers), kept
/// as one repeat of its side's result with a `PairSlot`; a bench `--repeat` restarts both servers
/// and runs the pairs again, so differences between two server processes of one build (memory
/// layout) are sampled too.
public struct PairedServerRunner: Sendable {
    public var base: ServerRunner
    public var new: ServerRunner
    /// Length of one slot (the load on one side between two switches).
    public var slotNanos: UInt64

    public static let defaultSlotNanos: UInt64 = 100_000_000

    public init(base: ServerRunner, new: ServerRunner, slotNanos: UInt64 = PairedServerRunner.defaultSlotNanos) {
        self.base = base; self.new = new; self.slotNanos = slotNanos
    }

    /// Why a variant cannot be measured in pairs, or nil.
    public func unsupported(_ plan: VariantPlan) -> String? {
        guard case .server = plan.target else {
            return "a paired bench (--baseline-binary) starts both builds' `volley serve`: it needs `server:` variants"
        }
        if plan.load.rate != nil {
            return "a paired bench alternates a closed-loop load between the two servers; `rate` is not supported"
        }
        if plan.load.script != nil {
            return "a paired bench restarts the load every slot; a `script` keeps state across requests and is not supported"
        }
        return base.unsupported(plan) ?? new.unsupported(plan)
    }

    /// Both sides' slots of one paired run, in the order run.
    public struct Outcome: Sendable {
        public var base: [VariantResult]
        public var new: [VariantResult]
        public var interrupted: Bool
    }

    /// How many slots each side gets: the variant's duration in slots, at least 2.
    public func slots(for load: LoadSpec) -> Int { max(2, Int(load.durationNanos / max(1, slotNanos))) }

    public func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> Outcome {
        guard case .server(let spec) = plan.target else { throw VariantRunError("not a server variant") }
        let interrupted = { context.stop?.isRequested == true }
        if interrupted() { throw VariantRunError("interrupted", interrupted: true) }
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("volley-pair-\(getpid())-\(context.index)").path
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var children: [ChildProcess] = []
        defer { base.stop(children, logs: logs) }
        let baseServer = try base.startServer(spec, logs: logs, children: &children, interrupted: interrupted)
        let newServer = try new.startServer(spec, logs: logs, children: &children, interrupted: interrupted)

        var load = plan.load
        if spec.tls { load.insecure = true }
        let scheme = spec.tls ? "https" : "http"
        let baseURL = try LoadPhase.requestURL(base: "\(scheme)://127.0.0.1:\(baseServer.port)/", load: load)
        let newURL = try LoadPhase.requestURL(base: "\(scheme)://127.0.0.1:\(newServer.port)/", load: load)

        let restore = CPUAffinity.pin(load.cpus)
        defer { CPUAffinity.restore(restore) }
        if load.warmupNanos > 0 {
            context.progress.phase("warm-up (both builds)", nanos: 2 * load.warmupNanos)
            for url in [baseURL, newURL] {
                let warm = try LoadPhase.runner(LoadPhase.options(load, url: url, durationNanos: load.warmupNanos))
                _ = warm.run(stop: context.stop)
                if warm.interrupted { throw VariantRunError("interrupted during warm-up", interrupted: true) }
            }
        }
        let baseEngine = try LoadPhase.runner(LoadPhase.options(load, url: baseURL, durationNanos: slotNanos))
        let newEngine = try LoadPhase.runner(LoadPhase.options(load, url: newURL, durationNanos: slotNanos))
        baseEngine.serverProcessID = baseServer.server.pid
        newEngine.serverProcessID = newServer.server.pid

        let run = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let count = slots(for: load)
        let note = "paired with the other build: \(count) slots of \(Quantity.formatDuration(slotNanos)) per side, alternated A B, B A, … (run \(run))"
        let serverNote = "servers: " + ServerRunner.serverDescription(arguments: baseServer.arguments, spec: spec, load: load)
        var outcome = Outcome(base: [], new: [], interrupted: false)
        context.progress.phase("paired load", nanos: 2 * UInt64(count) * slotNanos)
        slots: for slot in 0..<count {
            let order: [(engine: LoadRunner, side: String)] = slot % 2 == 0
                ? [(baseEngine, "base"), (newEngine, "new")] : [(newEngine, "new"), (baseEngine, "base")]
            for (engine, side) in order {
                let measurement = engine.run(stop: context.stop)
                if engine.interrupted { outcome.interrupted = true; break slots }
                var result = VariantResult(name: plan.name, configuration: engine.options.configuration, measurement: measurement)
                result.pairing = PairSlot(run: run, slot: slot, side: side)
                result.notes = [note, serverNote]
                if side == "base" { outcome.base.append(result) } else { outcome.new.append(result) }
            }
        }
        // A slot pair is only whole with both sides: drop a lone first half of a cut-short pair.
        let complete = min(outcome.base.count, outcome.new.count)
        outcome.base.removeLast(outcome.base.count - complete)
        outcome.new.removeLast(outcome.new.count - complete)
        for (server, which) in [(baseServer.server, "baseline"), (newServer.server, "new")] {
            if let code = server.exited() {
                throw VariantRunError("the \(which) build's volley serve exited with status \(code) during the load: \(server.logTail())")
            }
        }
        if complete == 0 && outcome.interrupted { throw VariantRunError("interrupted before a slot pair finished", interrupted: true) }
        return outcome
    }
}
