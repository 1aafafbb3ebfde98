import MongoWire
@testable import RefServer
import Testing

/// The three ways a reference server talks to MongoDB: sync with libmongoc, async with
/// libmongoc in the work queue (`--db-driver threadpool`), async with the native driver.
enum DatabaseSetup: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sync, asyncThreadpool, asyncNative

    var testDescription: String { rawValue }
    var model: ServerModel { self == .sync ? .sync : .async }

    /// The backend for an in-process server with `pool` clients or connections.
    func database(uri: String, pool: Int) throws -> any DatabaseBackend {
        switch self {
        case .sync, .asyncThreadpool: try MongoDatabase(uri: uri, poolSize: pool)
        case .asyncNative: try NativeMongoDatabase(uri: uri, poolSize: pool)
        }
    }

    /// `volley serve` arguments with a pool of `pool` (threads that block on it, or connections).
    func serveArguments(uri: String, pool: Int) -> [String] {
        switch self {
        case .sync: ["--model", "sync", "--threads", String(pool), "--mongo-uri", uri]
        case .asyncThreadpool: ["--model", "async", "--db-driver", "threadpool", "--db-threads", String(pool), "--mongo-uri", uri]
        case .asyncNative: ["--model", "async", "--db-pool", String(pool), "--mongo-uri", uri]
        }
    }
}
