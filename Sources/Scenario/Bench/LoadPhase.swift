import Foundation
import HTTP1
import LoadGen
import Metrics
import Scripting
#if canImport(Glibc)
import Glibc
#endif

/// Runs a variant's load in this process with the engine: optional warm-up (thrown away),
/// then the measured run, with the generator's CPU time (and the server's, when its process is
/// known) read by the engine over the measured run only.
/// Shared by every runner, so that servers started by Volley and external URLs are loaded the same way.
public enum LoadPhase {
    /// Why the engine cannot drive `load` yet, or nil.
    public static func unsupported(_ load: LoadSpec) -> String? {
        if load.rate != nil && load.pipeline > 1 {
            return "`rate` cannot be combined with `pipeline` > 1: each request of a constant-rate run needs its own slot in the schedule"
        }
        return nil
    }

    /// The request URL for a base URL and the load's path (which replaces the base's path when given).
    public static func requestURL(base: String, load: LoadSpec) throws(VariantRunError) -> HTTPURL {
        let parsed: HTTPURL
        do { parsed = try HTTPURL(parsing: base) } catch { throw VariantRunError("invalid url `\(base)`: \(error)") }
        guard let path = load.paths?.first?.path else { return parsed }
        do { return try HTTPURL(parsing: "\(parsed.scheme)://\(parsed.hostHeader)\(path)") } catch {
            throw VariantRunError("invalid path `\(path)`: \(error)")
        }
    }

    /// The engine's options for `load` against `url`: a constant rate spans the run (warm-up
    /// included, at the same rate), and several paths go to the engine with their weights.
    public static func options(_ load: LoadSpec, url: HTTPURL, durationNanos: UInt64? = nil) -> LoadOptions {
        let duration = durationNanos ?? load.durationNanos
        let paths = load.paths ?? []
        var options = LoadOptions(url: url, threads: load.threads, connections: load.connections, durationNanos: duration,
                           timeoutNanos: load.timeoutNanos, pipeline: load.pipeline, method: load.method,
                           headers: load.headers.map { ($0.name, $0.value) }, body: Array((load.body ?? "").utf8),
                           rate: load.rate.map { RateSchedule(startRate: $0, durationNanos: duration) },
                           paths: paths.count > 1 ? paths.map { WeightedRequestPath(path: $0.path, weight: $0.weight) } : [])
        options.tls.verify = !load.insecure
        return options
    }

    /// Warm-up, then the measured run; returns the variant's result named `name`.
    /// `measured` is told when the measured run (not the warm-up) begins and ends, for a profile of exactly that window.
    /// `serverProcess`: the server's pid, whose CPU (with its children's) is read beside the generator's.
    public static func run(name: String, load: LoadSpec, url: HTTPURL, context: VariantContext,
                           serverProcess: Int32? = nil, measured: MeasuredWindow? = nil) throws(VariantRunError) -> VariantOutcome {
        let restore = CPUAffinity.pin(load.cpus)
        defer { CPUAffinity.restore(restore) }
        let segment = SegmentPhase(context: context)
        func options(_ load: LoadSpec, url: HTTPURL, durationNanos: UInt64? = nil) -> LoadOptions {
            let whole = Self.options(load, url: url, durationNanos: durationNanos)
            return segment?.restrict(whole) ?? whole
        }
        if load.warmupNanos > 0 {
            let warmOptions = options(load, url: url, durationNanos: load.warmupNanos)
            let warm = try runner(warmOptions, scripts: try ScriptPhase.threads(try ScriptPhase.open(load, url: url), options: warmOptions))
            segment?.attach(to: warm, measured: false)
            context.progress.phase("warm-up", nanos: load.warmupNanos)
            _ = warm.run(stop: context.stop, onProgress: context.progress.live)
            if warm.interrupted { throw VariantRunError("interrupted during warm-up", interrupted: true) }
        }
        let measuredOptions = options(load, url: url)
        let script = try ScriptPhase.open(load, url: url)
        let engine = try runner(measuredOptions, scripts: try ScriptPhase.threads(script, options: measuredOptions))
        segment?.attach(to: engine, measured: true)
        engine.serverProcessID = serverProcess
        context.progress.phase("load", nanos: load.durationNanos)
        measured?.begin()
        let measurement = engine.run(stop: context.stop, onProgress: context.progress.live)
        measured?.end()
        var configuration = engine.options.configuration
        configuration.script = script?.reference
        // The engine's measurement carries its threads' health and the process CPU times.
        var result = VariantResult(name: name, configuration: configuration, measurement: measurement)
        result.segment = segment?.record(engine: engine, measurement: measurement)
        var notes: [String] = []
        if load.warmupNanos > 0 { notes.append("after \(Quantity.formatDuration(load.warmupNanos)) of warm-up") }
        if let paths = load.paths, paths.count > 1 {
            // The configuration's url names the first path only; the mix is kept here.
            notes.append("paths: " + paths.map { "\($0.path) ×\($0.weight == $0.weight.rounded() ? String(Int($0.weight)) : String($0.weight))" }.joined(separator: ", "))
        }
        if let script { notes += try ScriptPhase.finish(script, measurement: measurement) }
        if !notes.isEmpty { result.notes = notes }
        if engine.interrupted { result.interrupted = true }
        return VariantOutcome(result: result, interrupted: engine.interrupted)
    }

    static func runner(_ options: LoadOptions, scripts: [(script: ThreadScript, address: (host: String, port: UInt16)?)] = []) throws(VariantRunError) -> LoadRunner {
        do {
            let runner = try LoadRunner(options: options, scripts: scripts)
            try runner.checkReachable()
            return runner
        } catch {
            throw VariantRunError(error.description)
        }
    }
}

/// Callbacks around the measured run of a variant (after the warm-up).
public struct MeasuredWindow {
    public var begin: () -> Void
    public var end: () -> Void
    public init(begin: @escaping () -> Void, end: @escaping () -> Void) { self.begin = begin; self.end = end }
}

/// Pins the calling thread (and so the engine threads it starts, which inherit it) to CPUs.
enum CPUAffinity {
    typealias AffinityCall = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    /// glibc declares sched_{get,set}affinity only under _GNU_SOURCE, which Swift's Glibc
    /// module does not define; look them up at run time instead.
    static func call(_ name: String) -> AffinityCall? {
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: AffinityCall.self)
    }

    /// Pins to `cpus` and returns the previous mask to restore, or nil when nothing was changed.
    static func pin(_ cpus: [Int]?) -> cpu_set_t? {
        guard let cpus, !cpus.isEmpty, let get = call("sched_getaffinity"), let set = call("sched_setaffinity") else { return nil }
        var previous = cpu_set_t()
        guard get(0, MemoryLayout<cpu_set_t>.size, &previous) == 0 else { return nil }
        var mask = cpu_set_t()
        withUnsafeMutableBytes(of: &mask) { raw in
            for cpu in cpus where cpu / 8 < raw.count { raw[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        }
        // A CPU that does not exist makes this fail; the load then runs unpinned rather than not at all.
        return set(0, MemoryLayout<cpu_set_t>.size, &mask) == 0 ? previous : nil
    }

    static func restore(_ previous: cpu_set_t?) {
        guard var previous, let set = call("sched_setaffinity") else { return }
        _ = set(0, MemoryLayout<cpu_set_t>.size, &previous)
    }
}

/// Runs variants whose scenario names an external `url`: nothing to start, only load to drive.
public struct ExternalURLRunner: VariantRunner {
    public init() {}

    public func unsupported(_ plan: VariantPlan) -> String? {
        guard case .external(let base) = plan.target else { return "not an external URL" }
        if let why = LoadPhase.unsupported(plan.load) { return why }
        do { _ = try LoadPhase.requestURL(base: base, load: plan.load) } catch { return error.message }
        return nil
    }

    public func run(_ plan: VariantPlan, context: VariantContext) throws(VariantRunError) -> VariantOutcome {
        guard case .external(let base) = plan.target else { throw VariantRunError("not an external URL") }
        let url = try LoadPhase.requestURL(base: base, load: plan.load)
        return try LoadPhase.run(name: plan.name, load: plan.load, url: url, context: context)
    }
}
