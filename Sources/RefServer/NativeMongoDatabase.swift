import MongoBackend
public import MongoWire
import Synchronization
import UVKit

/// The async model's DB routes over MongoWire's non-blocking client (`--db-driver native`):
/// each loop has its own `MongoLoopClient` (its share of `--db-pool` connections), and a DB
/// route's reads are issued and answered on the loop, with no thread hop, lock or String.
/// Only the async model uses it; the sync model keeps libmongoc (`MongoDatabase`).
public final class NativeMongoDatabase: DatabaseBackend {
    public let uriString: String
    let address: SocketAddress
    /// Connections per process, split over the loops.
    public let poolSize: Int
    let loops: Int
    let timeoutNanos: UInt64
    let greeting = PreparedFind(database: "test", collection: "greetings")
    let world = PreparedFind(database: "hello_world", collection: "world", int32Key: "_id")
    /// Each loop's counters, registered once when the loop first uses the database.
    private let registered = Mutex<[MongoClientCounters]>([])
    /// Loops that asked for a client so far (each gets its share of the pool by this index).
    private let loopsMade = Atomic<Int>(0)

    /// `poolSize` connections in all, over `loops` loops; an operation not answered within
    /// `timeoutNanos` gets 503. Throws a readable reason for a URI the driver cannot use.
    public init(uri: String, poolSize: Int = 100, loops: Int = 1, timeoutNanos: UInt64 = 5_000_000_000) throws(WireError) {
        let parsed = try MongoAddress(uri: uri)
        do {
            address = try SocketAddress.resolve(host: parsed.host, port: parsed.port)
        } catch {
            throw WireError("\(error)")
        }
        uriString = uri
        self.poolSize = max(1, poolSize)
        self.loops = max(1, loops)
        self.timeoutNanos = timeoutNanos
    }

    public var loopDriver: NativeMongoDatabase? { self }

    /// Blocking calls do not exist on this driver: it answers on the async loops only.
    public func respond(to request: DatabaseRequest) -> Response { Self.loopOnly }
    public func worldRow(id: Int32) -> DatabaseRead { .failed(Self.loopOnly) }
    static let loopOnly = Response(status: 500, body: .fixed("the native MongoDB driver answers on the async model's loops only\n"))

    /// Per-loop clients fail fast themselves while the database is away.
    public var isUnavailable: Bool { false }

    /// The client for the loop `loop` (called once per loop, on it).
    func makeLoop(_ loop: EventLoop) -> NativeDatabaseLoop {
        let index = loopsMade.wrappingAdd(1, ordering: .relaxed).oldValue
        let share = poolSize / loops + (index < poolSize % loops ? 1 : 0)
        let options = MongoLoopClientOptions(maxConnections: max(1, share), timeoutNanos: timeoutNanos)
        let client = MongoLoopClient(loop: loop, address: address, options: options)
        registered.withLock { $0.append(client.counters) }
        return NativeDatabaseLoop(client: client, database: self)
    }

    public var statsFields: String {
        let all = registered.withLock { $0 }
        func sum(_ key: KeyPath<MongoClientCounters, MongoClientCounters.Cell>) -> Int { all.reduce(0) { $0 + $1[keyPath: key].current } }
        return "\"driver\":\"native\",\"poolSize\":\(poolSize),\"loops\":\(all.count),\"connections\":\(sum(\.open)),"
            + "\"clientsInUse\":\(sum(\.busy)),\"waiting\":\(sum(\.waiting)),\"operations\":\(sum(\.operations)),"
            + "\"timeouts\":\(sum(\.timeouts)),\"malformedReplies\":\(sum(\.malformedReplies)),"
            + "\"connectionErrors\":\(sum(\.connectionErrors)),\"connectFailures\":\(sum(\.connectFailures)),"
            + "\"connects\":\(sum(\.connects)),\"failedFast\":\(sum(\.failedFast)),\"unavailable\":\(sum(\.down) > 0)"
    }

    /// The answer for a failed read: 503 while the database is away or slow, 500 otherwise.
    static func answer(for error: MongoClientError, _ namespace: String) -> Response {
        switch error {
        case .unavailable, .timeout: return DatabaseAnswer.unavailable
        case .server(_, let message): return Response.error(500, "database error: find_one in \(namespace): \(message)")
        case .malformedReply, .incompatibleServer: return Response.error(500, "database error: \(error)")
        }
    }
}

extension DatabaseBackend {
    /// The non-blocking driver when this backend is one (the async model then answers on its loop).
    public var loopDriver: NativeMongoDatabase? { nil }
}

/// One loop's side of the native driver: its client and a free list of call objects, so a
/// DB request allocates nothing once the loop is warm.
final class NativeDatabaseLoop {
    let client: MongoLoopClient
    let database: NativeMongoDatabase
    private var spare: [NativeDatabaseCall] = []
    /// The last greeting read, reused while the database keeps answering the same bytes.
    var greeting: [UInt8] = []

    init(client: MongoLoopClient, database: NativeMongoDatabase) {
        self.client = client
        self.database = database
    }

    /// Starts `request` for `connection`. Returns the answer when it is known at once (the
    /// database is known to be away); otherwise `connection.databaseAnswered` gets it later.
    func start(_ request: DatabaseRequest, for connection: AsyncConnection, _ serverRequest: ServerRequest) -> Response? {
        let call = spare.popLast() ?? NativeDatabaseCall(home: self)
        return call.begin(request, owner: connection, serverRequest)
    }

    func recycle(_ call: NativeDatabaseCall) { spare.append(call) }
}

/// One DB request on the native driver: /fetch (one find in `test.greetings`), /db and
/// /queries (reads one after another, as consecutive `await`s), /multi seq or gather (all
/// reads in flight at once, as `asyncio.gather`). Reused from the loop's free list.
final class NativeDatabaseCall: MongoFindHandler {
    unowned let home: NativeDatabaseLoop
    private var route = Route.db
    private var count = 0
    private var gather = false
    private var ids = XorShift64(seed: 1)
    private var issued = 0
    private var completed = 0
    private var rows: [WorldRow] = []
    private var failure: Response?
    private var owner: AsyncConnection?
    private var serverRequest = ServerRequest(route: .db, keepAlive: true)
    private var starting = false
    private var immediate: Response?

    init(home: NativeDatabaseLoop) { self.home = home }

    func begin(_ request: DatabaseRequest, owner: AsyncConnection, _ serverRequest: ServerRequest) -> Response? {
        route = request.route
        count = route == .fetch ? 1 : request.count
        gather = request.gather
        ids = request.ids
        issued = 0
        completed = 0
        failure = nil
        immediate = nil
        rows.removeAll(keepingCapacity: true)
        if route != .fetch { rows.append(contentsOf: repeatElement(WorldRow(id: 0, randomNumber: 0), count: count)) }
        self.owner = owner
        self.serverRequest = serverRequest
        starting = true
        if gather {
            while issued < count { issue() }
        } else {
            issue()
        }
        starting = false
        if let answer = immediate {
            release()
            return answer
        }
        return nil
    }

    private func issue() {
        let index = issued
        issued += 1
        if route == .fetch {
            home.client.findOne(home.database.greeting, handler: self, tag: index)
        } else {
            home.client.findOne(home.database.world, parameter: ids.nextWorldID(), handler: self, tag: index)
        }
    }

    func found(_ document: BSONView?, tag: Int) {
        if failure == nil { read(document, tag) }
        readDone()
    }

    func failed(_ error: MongoClientError, tag: Int) {
        if failure == nil {
            failure = NativeMongoDatabase.answer(for: error, route == .fetch ? home.database.greeting.namespace : home.database.world.namespace)
        }
        readDone()
    }

    /// Takes what the route needs from the document; a missing or mistyped field is a 500,
    /// with the messages the libmongoc path gives.
    private func read(_ document: BSONView?, _ index: Int) {
        let namespace = route == .fetch ? home.database.greeting.namespace : home.database.world.namespace
        guard let document else {
            failure = Response.error(500, "database error: no matching document in \(namespace)")
            return
        }
        if route == .fetch {
            guard let field = try? document.element("pycon"), let text = field.utf8 else {
                failure = Response.error(500, "database error: field 'pycon' is missing or not a string")
                return
            }
            // Same bytes as last time (the usual case): reuse them, allocating nothing.
            if !home.greeting.elementsEqual(text) { home.greeting = Array(text) }
            return
        }
        guard let id = (try? document.element("_id"))?.integer, let number = (try? document.element("randomNumber"))?.integer,
              let id32 = Int32(exactly: id), let number32 = Int32(exactly: number)
        else {
            failure = Response.error(500, "database error: World document without int _id and randomNumber")
            return
        }
        rows[index] = WorldRow(id: id32, randomNumber: number32)
    }

    private func readDone() {
        completed += 1
        if completed < issued { return }
        if failure == nil && issued < count {
            issue()   // seq: the next read starts from this one's answer
            return
        }
        let answer: Response
        if let failure {
            answer = failure
        } else if route == .fetch {
            answer = Response(body: .bytes(home.greeting))
        } else {
            answer = DatabaseAnswer.rows(rows, for: route)
        }
        if starting {
            immediate = answer
            return
        }
        let owner = self.owner
        let request = serverRequest
        release()
        owner?.databaseAnswered(request, answer)
    }

    /// Back to the free list (the owner is dropped: a closed connection is not kept alive).
    private func release() {
        owner = nil
        failure = nil
        home.recycle(self)
    }
}

extension AsyncWorker {
    /// This loop's side of the native driver, made the first time a DB route runs here.
    func databaseLoop(_ database: NativeMongoDatabase) -> NativeDatabaseLoop {
        if let made = nativeDatabase { return made }
        let made = database.makeLoop(loop)
        nativeDatabase = made
        return made
    }
}
