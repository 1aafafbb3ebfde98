internal import CMongoc
import Synchronization

/// One row of TechEmpower's `World` table.
public struct WorldRow: Sendable, Equatable {
    public let id: Int32
    public let randomNumber: Int32

    public init(id: Int32, randomNumber: Int32) {
        self.id = id
        self.randomNumber = randomNumber
    }
}

/// What went wrong talking to the database, sorted by what a server does about it.
public struct MongoBackendError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The URI does not parse.
        case invalidURI
        /// No server could be reached (refused, timed out, connection lost): answer 503.
        case unavailable
        /// The server answered with an error.
        case server
        /// The document asked for does not exist.
        case notFound
        /// The document exists but lacks a field, or has it with another type.
        case badDocument
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A libmongoc client pool for the reference servers' MongoDB routes. Thread-safe: every
/// call pops a client from the pool (blocking while all are in use) and pushes it back.
/// Blocking only; the async server model calls it from its work-queue threads.
public final class MongoBackend: @unchecked Sendable {
    private let uri: OpaquePointer
    private let pool: OpaquePointer
    /// The URI with credentials-free text, for messages.
    public let uriString: String
    /// `{limit: 1, singleBatch: true}`, shared read-only by every call. (bson_t is 128-byte
    /// aligned, which Swift does not import: it is an OpaquePointer here.)
    let findOneOptions: OpaquePointer
    let emptyFilter: OpaquePointer
    /// The pool's size: most clients popped at once.
    public let maxClients: Int
    /// Clients popped now (one atomic add per pop and per push, beside the pool's own mutex):
    /// a client that is never pushed back shows here, and would starve the pool.
    private let popped = Atomic<Int>(0)

    /// libmongoc must be initialised once per process before anything else.
    // MONGOC_DISABLE_SHM: libmongoc's counters otherwise live in /dev/shm/mongoc-PID, which a
    // killed process leaves behind; a later process given the same PID then prints "Falling back
    // to malloc for counters" on stderr (into access logs). Volley never reads those counters.
    static let initialized: Void = { setenv("MONGOC_DISABLE_SHM", "1", 0); mongoc_init() }()

    /// Parses `uri` and creates a pool of at most `maxClients` clients. A pooled client waits
    /// up to `serverSelectionTimeoutMS` for a server when none is reachable (libmongoc's
    /// default is 30 s; a server wants to answer 503 sooner), unless the URI sets it.
    public init(uri uriString: String, maxClients: Int = 100, serverSelectionTimeoutMS: Int32 = 1000, appName: String = "volley") throws(MongoBackendError) {
        _ = Self.initialized
        let uri = try Self.parse(uriString)
        if !Self.uriSets(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS) {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, serverSelectionTimeoutMS)
        }
        if !Self.uriSets(uri, MONGOC_URI_CONNECTTIMEOUTMS) {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, serverSelectionTimeoutMS)
        }
        var error = bson_error_t()
        guard let pool = mongoc_client_pool_new_with_error(uri, &error) else {
            mongoc_uri_destroy(uri)
            throw MongoBackendError(.invalidURI, "cannot create a client pool for \(uriString): \(Self.message(error))")
        }
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        mongoc_client_pool_max_size(pool, UInt32(max(1, maxClients)))
        mongoc_client_pool_set_appname(pool, appName)
        self.uri = uri
        self.pool = pool
        self.uriString = uriString
        self.maxClients = max(1, maxClients)
        findOneOptions = bson_new()
        bson_append_int64(findOneOptions, "limit", -1, 1)
        bson_append_bool(findOneOptions, "singleBatch", -1, true)
        emptyFilter = bson_new()
    }

    deinit {
        bson_destroy(findOneOptions)
        bson_destroy(emptyFilter)
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    /// The start-up check: `ping` on a fresh single client that gives up after
    /// `timeoutMillis`, so a misconfigured server refuses to start instead of serving errors.
    public static func checkReachable(uri uriString: String, timeoutMillis: Int32 = 1000) throws(MongoBackendError) {
        _ = initialized
        let uri = try parse(uriString)
        defer { mongoc_uri_destroy(uri) }
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, timeoutMillis)
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, timeoutMillis)
        var error = bson_error_t()
        guard let client = mongoc_client_new_from_uri_with_error(uri, &error) else {
            throw MongoBackendError(.invalidURI, "cannot create a client for \(uriString): \(message(error))")
        }
        defer { mongoc_client_destroy(client) }
        mongoc_client_set_error_api(client, Int32(MONGOC_ERROR_API_VERSION_2))
        try ping(client, uriString)
    }

    /// `ping` through a pooled client.
    public func ping() throws(MongoBackendError) {
        try withClient { (client) throws(MongoBackendError) in try client.ping() }
    }

    /// The `pycon` field of the first document in `test.greetings`, as UTF-8 bytes.
    public func fetchGreeting() throws(MongoBackendError) -> [UInt8] {
        try withClient { (client) throws(MongoBackendError) in try client.fetchGreeting() }
    }

    /// The `hello_world.world` document whose `_id` is `id`.
    public func worldRow(id: Int32) throws(MongoBackendError) -> WorldRow {
        try withClient { (client) throws(MongoBackendError) in try client.worldRow(id: id) }
    }

    /// Clients popped from the pool now, in use by a call (0 when the server is idle).
    public var clientsInUse: Int { popped.load(ordering: .relaxed) }

    /// Runs `body` with one client popped from the pool (for several reads in a row, as
    /// `/queries` does), and pushes it back afterwards.
    public func withClient<R>(_ body: (borrowing MongoClient) throws(MongoBackendError) -> R) throws(MongoBackendError) -> R {
        let raw = mongoc_client_pool_pop(pool)!
        popped.add(1, ordering: .relaxed)
        defer {
            popped.subtract(1, ordering: .relaxed)
            mongoc_client_pool_push(pool, raw)
        }
        let client = MongoClient(raw: raw, backend: self)
        return try body(client)
    }

    /// One client popped from the pool; valid only inside `withClient`'s body.
    public struct MongoClient: ~Copyable {
        let raw: OpaquePointer
        let backend: MongoBackend

        /// `ping` on the admin database.
        public func ping() throws(MongoBackendError) {
            try MongoBackend.ping(raw, backend.uriString)
        }

        /// The `pycon` field of the first document in `test.greetings`.
        public func fetchGreeting() throws(MongoBackendError) -> [UInt8] {
            try backend.findOne(raw, "test", "greetings", filter: backend.emptyFilter) { document throws(MongoBackendError) in
                try MongoBackend.utf8Field(document, "pycon")
            }
        }

        /// The `hello_world.world` document whose `_id` is `id`.
        public func worldRow(id: Int32) throws(MongoBackendError) -> WorldRow {
            // A small bson_t lives in its own inline storage: no heap allocation for the filter.
            try withUnsafeTemporaryAllocation(byteCount: MongoBackend.bsonSize, alignment: MongoBackend.bsonAlignment) { (buffer) throws(MongoBackendError) -> WorldRow in
                let filter = OpaquePointer(buffer.baseAddress!)
                bson_init(filter)
                defer { bson_destroy(filter) }
                bson_append_int32(filter, "_id", 3, id)
                return try backend.findOne(raw, "hello_world", "world", filter: filter) { document throws(MongoBackendError) in
                    WorldRow(id: try MongoBackend.int32Field(document, "_id"),
                             randomNumber: try MongoBackend.int32Field(document, "randomNumber"))
                }
            }
        }
    }
}
