import HTTP1

/// The routes of the reference server contract (DESIGN.md), plus the two non-routes a
/// request can end in: an unknown path, and a request refused before it had a route.
public enum Route: Int, CaseIterable, Sendable {
    case root, plaintext, json, sleep, cpu, cpuOffload, gzip, upload, health
    case debugStats, debugSlow, debugProfile
    case fetch, db, queries, multi
    case notFound, rejected

    /// The path as the stats report it.
    public var name: String {
        switch self {
        case .root: "/"
        case .plaintext: "/plaintext"
        case .json: "/json"
        case .sleep: "/sleep"
        case .cpu: "/cpu"
        case .cpuOffload: "/cpu-offload"
        case .gzip: "/gzip"
        case .upload: "/upload"
        case .health: "/health"
        case .debugStats: "/debug/stats"
        case .debugSlow: "/debug/slow"
        case .debugProfile: "/debug/profile"
        case .fetch: "/fetch"
        case .db: "/db"
        case .queries: "/queries"
        case .multi: "/multi"
        case .notFound: "(not found)"
        case .rejected: "(rejected)"
        }
    }

    /// Whether the route takes a body (POST); the others answer GET and HEAD.
    public var isPost: Bool { self == .upload }

    /// The route named by `path` exactly (no trailing slash, no percent-decoding).
    @inlinable
    static func classify(_ b: UnsafeRawBufferPointer, _ path: Range<Int>) -> Route {
        // An absolute-form target with no path means "/".
        if path.isEmpty { return .root }
        switch path.count {
        case 1: return b[path.lowerBound] == UInt8(ascii: "/") ? .root : .notFound
        case 3: return matches(b, path, "/db") ? .db : .notFound
        case 4: return matches(b, path, "/cpu") ? .cpu : .notFound
        case 5:
            if matches(b, path, "/json") { return .json }
            if matches(b, path, "/gzip") { return .gzip }
        case 6:
            if matches(b, path, "/sleep") { return .sleep }
            if matches(b, path, "/fetch") { return .fetch }
            if matches(b, path, "/multi") { return .multi }
        case 7:
            if matches(b, path, "/upload") { return .upload }
            if matches(b, path, "/health") { return .health }
        case 8: return matches(b, path, "/queries") ? .queries : .notFound
        case 10: return matches(b, path, "/plaintext") ? .plaintext : .notFound
        case 11:
            if matches(b, path, "/debug/slow") { return .debugSlow }
        case 12:
            if matches(b, path, "/cpu-offload") { return .cpuOffload }
            if matches(b, path, "/debug/stats") { return .debugStats }
        case 14: return matches(b, path, "/debug/profile") ? .debugProfile : .notFound
        default: break
        }
        return .notFound
    }

    @inlinable
    static func matches(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let p = text.utf8Start
        var i = 0
        while i < range.count {
            if b[range.lowerBound &+ i] != p[i] { return false }
            i &+= 1
        }
        return true
    }
}

/// The integer query parameters the routes read, taken from the head while its bytes
/// are at hand (they are gone once the buffer moves on). Absent or malformed → nil.
public struct RouteParameters: Sendable, Equatable {
    /// `ms` of /sleep, /cpu, /cpu-offload.
    public var ms: Int?
    /// `kb` and `offload` of /gzip.
    public var kb: Int?
    public var offload: Int?
    /// `q` of /queries, `n` of /multi.
    public var q: Int?
    public var n: Int?
    /// `/multi?mode=gather` (true) or `mode=seq` (false); nil when absent or other.
    public var gather: Bool?

    public init(ms: Int? = nil, kb: Int? = nil, offload: Int? = nil, q: Int? = nil, n: Int? = nil, gather: Bool? = nil) {
        self.ms = ms; self.kb = kb; self.offload = offload; self.q = q; self.n = n; self.gather = gather
    }

    /// Reads only the parameters `route` uses.
    @inlinable
    static func read(_ route: Route, _ head: RequestHead, _ b: UnsafeRawBufferPointer) -> RouteParameters {
        var p = RouteParameters()
        guard head.query != nil else { return p }
        switch route {
        case .sleep, .cpu, .cpuOffload:
            p.ms = head.queryInteger(named: "ms", in: b)
        case .gzip:
            p.kb = head.queryInteger(named: "kb", in: b)
            p.offload = head.queryInteger(named: "offload", in: b)
        case .queries:
            p.q = head.queryInteger(named: "q", in: b)
        case .multi:
            p.n = head.queryInteger(named: "n", in: b)
            if let query = head.query {
                let q = UnsafeRawBufferPointer(rebasing: b[query])
                if containsPair(q, "mode=gather") { p.gather = true } else if containsPair(q, "mode=seq") { p.gather = false }
            }
        default:
            break
        }
        return p
    }

    @inlinable
    static func containsPair(_ q: UnsafeRawBufferPointer, _ pair: StaticString) -> Bool {
        var start = 0
        while start <= q.count {
            var end = start
            while end < q.count && q[end] != UInt8(ascii: "&") { end &+= 1 }
            if Route.matches(q, start..<end, pair) { return true }
            start = end &+ 1
        }
        return false
    }
}
