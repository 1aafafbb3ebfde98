import Synchronization

/// A counter with one writer (its thread) and any number of readers: the writer's
/// increment is a relaxed load and store (no lock, no read-modify-write), readers load.
public final class Counter: Sendable {
    let value = Atomic<Int>(0)
    @inline(__always) public func add(_ n: Int) {
        value.store(value.load(ordering: .relaxed) &+ n, ordering: .relaxed)
    }
    /// The value now (relaxed: no ordering with other counters).
    public var current: Int { value.load(ordering: .relaxed) }
}

/// The statuses counted one by one; anything else falls in "other".
let countedStatuses = [200, 400, 404, 405, 408, 413, 414, 417, 431, 500, 501, 503, 505]

@inline(__always)
func statusSlot(_ status: Int) -> Int {
    switch status {
    case 200: 0
    case 400: 1
    case 404: 2
    case 405: 3
    case 408: 4
    case 413: 5
    case 414: 6
    case 417: 7
    case 431: 8
    case 500: 9
    case 501: 10
    case 503: 11
    case 505: 12
    default: 13
    }
}

/// One thread's counters (an async worker's or a sync pool thread's). Only that thread writes.
public final class ThreadStats: Sendable {
    static let slots = 14
    let requests: [Counter]
    /// Connections open now (this thread's share).
    public let openConnections = Counter()
    public let acceptedConnections = Counter()
    public let bytesIn = Counter()
    public let bytesOut = Counter()
    /// https: handshakes completed (and how many resumed), failed (garbage, plain HTTP, bad
    /// certificates, resets mid-handshake) and timed out (a peer stalling mid-handshake).
    public let tlsHandshakes = Counter()
    public let tlsResumed = Counter()
    public let tlsFailed = Counter()
    public let tlsTimedOut = Counter()
    /// DB routes: per second, the time from issuing a request's DB work to its answer.
    public let dbWait = DBWaitSeries()

    public init() {
        requests = (0..<(Route.allCases.count * ThreadStats.slots)).map { _ in Counter() }
    }

    /// Counts one answered request.
    @inline(__always) public func count(_ route: Route, status: Int) {
        requests[route.rawValue &* ThreadStats.slots &+ statusSlot(status)].add(1)
    }
}

/// Every thread's counters, merged only when someone asks (/debug/stats).
public final class StatsRegistry: Sendable {
    public let threads: [ThreadStats]
    public let model: String
    /// The server speaks TLS: /debug/stats has a `tls` member.
    public let tls: Bool

    public init(model: String, threads: Int, tls: Bool = false) {
        self.model = model
        self.tls = tls
        _ = SeriesOrigin.process
        self.threads = (0..<threads).map { _ in ThreadStats() }
    }

    /// Requests answered for `route` with `status`, over all threads.
    public func requests(_ route: Route, status: Int) -> Int {
        threads.reduce(0) { $0 + $1.requests[route.rawValue * ThreadStats.slots + statusSlot(status)].current }
    }

    /// The merged counters as JSON: requests by route and status, connections, bytes; then
    /// `extra` (more `"key":value` members, e.g. the watchdog's) if given.
    public func json(appending extra: String = "") -> String {
        var routes: [String] = []
        var total = 0
        for route in Route.allCases {
            var statuses: [String] = []
            for slot in 0..<ThreadStats.slots {
                let n = threads.reduce(0) { $0 + $1.requests[route.rawValue * ThreadStats.slots + slot].current }
                guard n > 0 else { continue }
                total += n
                let name = slot < countedStatuses.count ? String(countedStatuses[slot]) : "other"
                statuses.append("\"\(name)\":\(n)")
            }
            if !statuses.isEmpty { routes.append("\"\(route.name)\":{\(statuses.joined(separator: ","))}") }
        }
        func sum(_ key: KeyPath<ThreadStats, Counter>) -> Int { threads.reduce(0) { $0 + $1[keyPath: key].current } }
        return "{\"model\":\"\(model)\",\"threads\":\(threads.count),\"requests\":\(total),"
            + "\"byRoute\":{\(routes.joined(separator: ","))},"
            + "\"openConnections\":\(sum(\.openConnections)),\"acceptedConnections\":\(sum(\.acceptedConnections)),"
            + "\"bytesIn\":\(sum(\.bytesIn)),\"bytesOut\":\(sum(\.bytesOut))"
            + (tls ? ",\"tls\":{\"handshakes\":\(sum(\.tlsHandshakes)),\"resumed\":\(sum(\.tlsResumed)),"
                + "\"failed\":\(sum(\.tlsFailed)),\"timedOut\":\(sum(\.tlsTimedOut))}" : "")
            + "\(extra.isEmpty ? "" : ",")\(extra)}"
    }
}
