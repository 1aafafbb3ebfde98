import Clocks
import HTTP1
import Profiler
import UVKit

/// Work a route needs done before it can answer; runs on the loop, on a pool thread, or
/// on the sync server's thread, and gives the same response wherever it ran.
public enum RouteJob: Sendable {
    case cpu(ms: Int)
    case gzip(kb: Int)
    case database(DatabaseRequest, any DatabaseBackend)

    /// Does the work (blocking) and returns the answer.
    public func run() -> Response {
        switch self {
        case .cpu(let ms):
            burnCPU(milliseconds: ms)
            return Response(body: .number("burned ", ms, " ms\n"))
        case .gzip(let kb):
            return Response(contentType: .gzip, body: .bytes(Gzip.compressSample(kilobytes: kb)))
        case .database(let request, let backend):
            return backend.respond(to: request)
        }
    }
}

/// How to answer one request; the model decides where waiting and work happen.
public enum RoutePlan: Sendable {
    case respond(Response)
    /// Wait `ms` without using CPU (async: a timer; sync: the thread sleeps), then answer.
    case sleep(ms: Int, then: Response)
    /// Do `job`; `offload` asks the async model to use the work queue (sync ignores it).
    case work(RouteJob, offload: Bool)
    /// Record a CPU profile for `seconds`, then answer it in `format` (see `OnDemandProfile`).
    case profile(seconds: Int, format: ProfileFormat)
}

/// The route table shared by both models.
public struct Router: Sendable {
    public var database: (any DatabaseBackend)?
    public var stats: StatsRegistry?
    /// The async model's slow-callback watchdog, when on.
    public var watchdog: WatchdogRegistry?
    /// CPU time spun before planning each request (`serve --debug-work-per-request`): a real, fixed slowdown.
    public var workPerRequestNanos: UInt64 = 0

    /// Longest /sleep and /cpu accepted, in ms.
    public static let maxMilliseconds = 60_000
    /// Largest /gzip input, in KiB.
    public static let maxGzipKilobytes = Gzip.maxKilobytes

    public init(database: (any DatabaseBackend)? = nil, stats: StatsRegistry? = nil, watchdog: WatchdogRegistry? = nil) {
        self.database = database
        self.stats = stats
        self.watchdog = watchdog
    }

    static let hello = Response(body: .fixed("Hello, World!"))
    static let json = Response(contentType: .json, body: .fixed("{\"message\":\"Hello, World!\"}"))
    static let health = Response(body: .fixed("OK\n"))
    static let notFound = Response(status: 404, body: .fixed("not found\n"))
    static let getOnly = Response(status: 405, body: .fixed("method not allowed\n"), allow: "GET, HEAD")
    static let postOnly = Response(status: 405, body: .fixed("method not allowed\n"), allow: "POST")
    static let noDatabase = Response(status: 503, body: .fixed("no database configured: start with --mongo-uri\n"))
    static let badSeconds = Response(status: 400, body: .fixed("seconds must be an integer from 1 to 300\n"))
    static let badFormat = Response(status: 400, body: .fixed("format must be folded, speedscope or svg\n"))
    /// /debug/profile without `seconds` records this long, as Go's pprof endpoint does.
    public static let defaultProfileSeconds = 30
    static let badMs = Response(status: 400, body: .fixed("ms must be an integer from 0 to 60000\n"))
    static let badKb = Response(status: 400, body: .fixed("kb must be an integer from 1 to 4096\n"))

    /// How to answer `request`, with a fixed generator (tests).
    public func plan(_ request: ServerRequest) -> RoutePlan {
        var random = XorShift64(thread: 0)
        return plan(request, random: &random)
    }

    /// How to answer `request`; the DB routes draw their ids' seed from `random`, the
    /// calling thread's own generator.
    public func plan(_ request: ServerRequest, random: inout XorShift64) -> RoutePlan {
        if workPerRequestNanos > 0 { burnCPU(nanoseconds: workPerRequestNanos) }
        let route = request.route
        if route.isPost {
            if request.method != .post { return .respond(Router.postOnly) }
        } else if route != .notFound && request.method != .get && request.method != .head {
            return .respond(Router.getOnly)
        }
        let p = request.parameters
        switch route {
        case .root, .plaintext: return .respond(Router.hello)
        case .json: return .respond(Router.json)
        case .health: return .respond(Router.health)
        case .sleep:
            guard let ms = p.ms, (0...Router.maxMilliseconds).contains(ms) else { return .respond(Router.badMs) }
            return .sleep(ms: ms, then: Response(body: .number("slept ", ms, " ms\n")))
        case .cpu, .cpuOffload:
            guard let ms = p.ms, (0...Router.maxMilliseconds).contains(ms) else { return .respond(Router.badMs) }
            return .work(.cpu(ms: ms), offload: route == .cpuOffload)
        case .gzip:
            guard let kb = p.kb, (1...Router.maxGzipKilobytes).contains(kb) else { return .respond(Router.badKb) }
            return .work(.gzip(kb: kb), offload: p.offload == 1)
        case .upload:
            return .respond(Response(contentType: .json, body: .upload(size: request.bodyBytes, crc32: request.bodyCRC32)))
        case .debugStats:
            var extra = watchdog?.statsFields() ?? "\"watchdog\":{\"enabled\":false}"
            if let database { extra += ",\"database\":{\(database.statsFields)}" }
            extra += "," + PerSecondStats.json(lag: watchdog?.lagRings() ?? [],
                                               dbWait: database == nil ? nil : stats?.threads.map { $0.dbWait.snapshot() } ?? [])
            return .respond(Response(contentType: .json, body: .text((stats?.json(appending: extra) ?? "{\(extra)}") + "\n")))
        case .debugSlow:
            return .respond(Response(contentType: .json, body: .text((watchdog?.slowJSON() ?? WatchdogRegistry.disabledSlowJSON) + "\n")))
        case .debugProfile:
            let seconds = p.seconds ?? Router.defaultProfileSeconds
            guard (1...300).contains(seconds) else { return .respond(Router.badSeconds) }
            let format: ProfileFormat
            switch p.format {
            case nil, 0?: format = .folded
            case 1?: format = .speedscope
            case 2?: format = .svg
            default: return .respond(Router.badFormat)
            }
            return .profile(seconds: seconds, format: format)
        case .fetch, .db, .queries, .multi:
            guard let database else { return .respond(Router.noDatabase) }
            if database.isUnavailable { return .respond(DatabaseAnswer.unavailable) }
            let count = route == .queries ? DatabaseRequest.rowCount(p.q) : route == .multi ? DatabaseRequest.rowCount(p.n) : 1
            let work = DatabaseRequest(route: route, parameters: p, count: count, gather: route == .multi && p.gather == true,
                                       seed: random.next())
            return .work(.database(work, database), offload: true)
        case .notFound, .rejected: return .respond(Router.notFound)
        }
    }
}

/// Spins on the monotonic clock for `milliseconds`, keeping the thread busy. Never inlined:
/// profile tests look for this name in the sampled stacks.
@inline(never)
func burnCPU(milliseconds: Int) {
    burnCPU(nanoseconds: UInt64(milliseconds) &* 1_000_000)
}

/// Spins on the monotonic clock for `nanoseconds`.
@inline(never)
func burnCPU(nanoseconds: UInt64) {
    let end = MonotonicClock.nanoseconds() &+ nanoseconds
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    while MonotonicClock.nanoseconds() < end {
        for _ in 0..<256 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
    }
    blackHole(x)
}

@inline(never) func blackHole(_ x: UInt64) { _ = x }
