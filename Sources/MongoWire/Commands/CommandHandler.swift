import Clocks
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// Counters mongod reports under `serverStatus.opcounters`, counted the same way: one
/// `insert` per document, one `update`/`delete` per statement, one `query` per find.
public struct OpCounters: Sendable, Equatable {
    public var insert = 0, query = 0, update = 0, delete = 0, getmore = 0, command = 0
}

/// The server's state and its commands. Everything runs on the server's loop thread, so
/// nothing here locks.
final class CommandHandler {
    /// Highest wire version announced: 9 is MongoDB 4.4, which pymongo 3.11 (bookworm)
    /// still accepts (it supports 2...9) and libmongoc 1.23 needs at least 6 of (OP_MSG).
    static let maxWireVersion: Int32 = 9
    static let version = "4.4.0-volley"

    let store = Store()
    var cursors = CursorTable()
    var counters = OpCounters()
    var idGenerator = ObjectIDGenerator()
    var currentConnections = 0
    var totalConnections = 0
    let startNanos = MonotonicClock.nanoseconds()

    /// The reply to `request` (its body; the caller frames it as OP_MSG or OP_REPLY).
    func execute(_ request: WireRequest, connectionID: Int) -> BSONDocument {
        let command = request.command
        guard let name = command.keys.first else {
            return CommandError.failedToParse("empty command").reply
        }
        let database = request.database
        do {
            return try dispatch(name, command, database: database, connectionID: connectionID)
        } catch {
            return error.reply
        }
    }

    private func dispatch(_ name: String, _ command: BSONDocument, database: String, connectionID: Int) throws(CommandError) -> BSONDocument {
        switch name {
        case "insert": return try insert(command, database: database)
        case "find": counters.query += 1; return try find(command, database: database)
        case "getMore": counters.getmore += 1; return try getMore(command, database: database)
        case "update": return try update(command, database: database)
        case "delete": return try delete(command, database: database)
        default: break
        }
        counters.command += 1
        switch name {
        case "hello", "isMaster", "ismaster": return hello(command, legacyName: name != "hello", connectionID: connectionID)
        case "ping": return ["ok": .double(1)]
        case "buildInfo", "buildinfo": return buildInfo()
        case "serverStatus": return serverStatus()
        case "killCursors": return try killCursors(command)
        case "count": return try count(command, database: database)
        case "aggregate": return try aggregate(command, database: database)
        case "drop": return try drop(command, database: database)
        case "listCollections": return listCollections(command, database: database)
        case "listDatabases": return listDatabases()
        case "endSessions": return ["ok": .double(1)]
        case "getParameter", "getCmdLineOpts", "getLog": return ["ok": .double(1)]
        default: throw CommandError(59, "CommandNotFound", "no such command: '\(name)'")
        }
    }

    private func hello(_ command: BSONDocument, legacyName: Bool, connectionID: Int) -> BSONDocument {
        var reply = BSONDocument()
        if command["helloOk"]?.isTruthy == true { reply.append("helloOk", .bool(true)) }
        reply.append(legacyName ? "ismaster" : "isWritablePrimary", .bool(true))
        reply.append("maxBsonObjectSize", .int32(16 * 1024 * 1024))
        reply.append("maxMessageSizeBytes", .int32(Int32(MessageFramer.maxMessageSize)))
        reply.append("maxWriteBatchSize", .int32(100_000))
        reply.append("localTime", .datetime(Self.wallClockMillis()))
        // Announcing sessions makes drivers send lsid (ignored) and endSessions at close.
        reply.append("logicalSessionTimeoutMinutes", .int32(30))
        reply.append("connectionId", .int32(Int32(truncatingIfNeeded: connectionID)))
        reply.append("minWireVersion", .int32(0))
        reply.append("maxWireVersion", .int32(Self.maxWireVersion))
        reply.append("readOnly", .bool(false))
        reply.append("ok", .double(1))
        return reply
    }

    private func buildInfo() -> BSONDocument {
        ["version": .string(Self.version), "gitVersion": .string("volley"),
         "versionArray": .array([.int32(4), .int32(4), .int32(0), .int32(0)]),
         "bits": .int32(64), "debug": .bool(false), "maxBsonObjectSize": .int32(16 * 1024 * 1024),
         "storageEngines": .array([.string("volley-memory")]), "ok": .double(1)]
    }

    private func serverStatus() -> BSONDocument {
        let uptimeMillis = Int64((MonotonicClock.nanoseconds() - startNanos) / 1_000_000)
        let c = counters
        return [
            "host": .string("volley-mongod"), "version": .string(Self.version), "process": .string("volley mongod"),
            "pid": .int64(Int64(getpid())), "uptime": .double(Double(uptimeMillis) / 1000),
            "uptimeMillis": .int64(uptimeMillis), "localTime": .datetime(Self.wallClockMillis()),
            "connections": .document(["current": .int32(Int32(currentConnections)), "totalCreated": .int32(Int32(totalConnections))]),
            "opcounters": .document([
                "insert": .int64(Int64(c.insert)), "query": .int64(Int64(c.query)), "update": .int64(Int64(c.update)),
                "delete": .int64(Int64(c.delete)), "getmore": .int64(Int64(c.getmore)), "command": .int64(Int64(c.command)),
            ]),
            "ok": .double(1),
        ]
    }

    private func listCollections(_ command: BSONDocument, database: String) -> BSONDocument {
        let wanted = command["filter"]?.documentValue?["name"]?.stringValue
        let batch: [BSONValue] = store.collectionNames(in: database).filter { wanted == nil || $0 == wanted }.map { name in
            .document(["name": .string(name), "type": .string("collection"), "options": .document([:]),
                       "info": .document(["readOnly": .bool(false)])])
        }
        return Self.cursorReply(id: 0, namespace: database + ".$cmd.listCollections", batch: batch, first: true)
    }

    private func listDatabases() -> BSONDocument {
        let names = Set(store.collections.keys.map { String($0.prefix { $0 != "." }) }).sorted()
        let databases: [BSONValue] = names.map { .document(["name": .string($0), "sizeOnDisk": .int64(0), "empty": .bool(false)]) }
        return ["databases": .array(databases), "totalSize": .int64(0), "ok": .double(1)]
    }

    static func cursorReply(id: Int64, namespace: String, batch: [BSONValue], first: Bool) -> BSONDocument {
        ["cursor": .document([first ? "firstBatch" : "nextBatch": .array(batch), "id": .int64(id), "ns": .string(namespace)]),
         "ok": .double(1)]
    }

    /// Wall-clock milliseconds, for `localTime` and ObjectIds only (never for measuring).
    static func wallClockMillis() -> Int64 { Int64(WallClock.nowNanos() / 1_000_000) }
}
