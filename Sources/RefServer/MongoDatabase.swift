public import MongoBackend
import Clocks
import Synchronization
import UVKit

/// The DB routes over a libmongoc client pool (`MongoBackend`): `/fetch` is `find_one` in
/// `test.greetings`, `/db`, `/queries` and `/multi` read `hello_world.world` by random id.
public final class MongoDatabase: DatabaseBackend {
    public let backend: MongoBackend
    /// Monotonic time until which the database counts as unreachable (0: reachable).
    private let downUntil = Atomic<UInt64>(0)
    /// How long one "unreachable" answer makes the others fail fast; after it, requests try
    /// the database again (and so notice it is back).
    public static let downWindowNanos: UInt64 = 250_000_000

    /// A pool of `poolSize` clients (at least as many as threads that block on it at once).
    public init(uri: String, poolSize: Int) throws(MongoBackendError) {
        backend = try MongoBackend(uri: uri, maxClients: poolSize)
    }

    /// `ping` with a fresh client; throws (`.unavailable`, `.invalidURI`) with a readable message.
    public static func checkReachable(uri: String, timeoutMillis: Int32 = 2000) throws(MongoBackendError) {
        try MongoBackend.checkReachable(uri: uri, timeoutMillis: timeoutMillis)
    }

    public var isUnavailable: Bool {
        let until = downUntil.load(ordering: .relaxed)
        return until != 0 && MonotonicClock.nanoseconds() < until
    }

    /// The pool's size and the clients popped from it now (0 once every request is done).
    public var statsFields: String {
        "\"poolSize\":\(backend.maxClients),\"clientsInUse\":\(backend.clientsInUse),\"unavailable\":\(isUnavailable)"
    }

    public func respond(to request: DatabaseRequest) -> Response {
        if isUnavailable { return DatabaseAnswer.unavailable }
        do {
            if request.route == .fetch {
                return Response(body: .bytes(try backend.fetchGreeting()))
            }
            var ids = request.ids
            let count = request.count
            let rows = try backend.withClient { (client) throws(MongoBackendError) -> [WorldRow] in
                var rows: [WorldRow] = []
                rows.reserveCapacity(count)
                for _ in 0..<count { rows.append(try client.worldRow(id: ids.nextWorldID())) }
                return rows
            }
            return DatabaseAnswer.rows(rows, for: request.route)
        } catch {
            return failed(error)
        }
    }

    public func worldRow(id: Int32) -> DatabaseRead {
        if isUnavailable { return .failed(DatabaseAnswer.unavailable) }
        do { return .row(try backend.worldRow(id: id)) } catch { return .failed(failed(error)) }
    }

    private func failed(_ error: MongoBackendError) -> Response {
        if error.kind == .unavailable {
            downUntil.store(MonotonicClock.nanoseconds() &+ Self.downWindowNanos, ordering: .relaxed)
        }
        return DatabaseAnswer.failure(error)
    }
}
