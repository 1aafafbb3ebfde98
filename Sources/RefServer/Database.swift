public import MongoBackend

/// One DB route's work, planned on the thread that read the request.
public struct DatabaseRequest: Sendable, Equatable {
    public var route: Route
    public var parameters: RouteParameters
    /// Rows to read: `q` of /queries or `n` of /multi clamped to 1...500 (absent or not a
    /// number counts as 1, as TechEmpower says); 1 for /db and /fetch.
    public var count: Int
    /// `/multi?mode=gather`: issue the reads at once (async model) instead of one after another.
    public var gather: Bool
    /// Seeds this request's World ids; drawn from the planning thread's own generator.
    public var seed: UInt64

    public init(route: Route, parameters: RouteParameters = RouteParameters(), count: Int = 1, gather: Bool = false, seed: UInt64 = 1) {
        self.route = route; self.parameters = parameters; self.count = count; self.gather = gather; self.seed = seed
    }

    /// Most rows one request reads.
    public static let maxRows = 500

    /// TechEmpower's rule for `queries`: not a number or below 1 → 1, above 500 → 500.
    public static func rowCount(_ value: Int?) -> Int { min(maxRows, max(1, value ?? 1)) }

    /// The World ids this request reads, in order.
    public var ids: XorShift64 { XorShift64(mixing: seed) }
}

/// The outcome of one blocking read of a World row.
public enum DatabaseRead: Sendable, Equatable {
    case row(WorldRow)
    /// The answer to give instead (503 unavailable, 500 otherwise).
    case failed(Response)
}

/// What the DB routes (/fetch, /db, /queries, /multi) call. Its calls block: the sync model
/// calls them on the serving thread; the async model only on libuv work-queue threads,
/// answering from the completion on the loop.
public protocol DatabaseBackend: Sendable {
    /// Does all of `request` with one pooled client and answers it (one work item in async).
    func respond(to request: DatabaseRequest) -> Response
    /// One World row: one work item of an async `/multi`.
    func worldRow(id: Int32) -> DatabaseRead
    /// True for a moment after a read found the database unreachable: DB routes then get
    /// 503 at once instead of each waiting out the server-selection timeout.
    var isUnavailable: Bool { get }
    /// `"key":value` members `/debug/stats` shows under `"database"` (empty: nothing).
    var statsFields: String { get }
    /// The non-blocking driver when this backend is one: the async model then issues the
    /// reads on its loop instead of running `respond` in the work queue (nil by default).
    var loopDriver: NativeMongoDatabase? { get }
}

extension DatabaseBackend {
    public var statsFields: String { "" }
}

/// The answers the DB routes share, so that both models encode the same bytes.
public enum DatabaseAnswer {
    public static let unavailable = Response(status: 503, body: .fixed("database unavailable\n"))

    /// /db answers one object; /queries and /multi an array.
    public static func rows(_ rows: [WorldRow], for route: Route) -> Response {
        if route == .db, let row = rows.first { return Response(contentType: .json, body: .world(row)) }
        return Response(contentType: .json, body: .worlds(rows))
    }

    /// 503 when the database cannot be reached (the client may retry), 500 otherwise.
    public static func failure(_ error: MongoBackendError) -> Response {
        error.kind == .unavailable ? unavailable : Response.error(500, "database error: \(error.message)")
    }
}
