import CMongoc
import Foundation

/// A thin libmongoc client for the tests: documents go in and come out as relaxed extended
/// JSON, so test code reads like the shell.
final class MongocClient {
    let raw: OpaquePointer
    private let pool: OpaquePointer?

    // MONGOC_DISABLE_SHM: libmongoc's counters otherwise live in /dev/shm/mongoc-PID, which a
    // killed process leaves behind; a later process given the same PID then prints "Falling back
    // to malloc for counters" on stderr (into access logs). Volley never reads those counters.
    static let initialized: Void = { setenv("MONGOC_DISABLE_SHM", "1", 0); mongoc_init() }()

    /// A single-threaded client for `uri`.
    init(uri: String) {
        _ = Self.initialized
        raw = mongoc_client_new(uri)!
        mongoc_client_set_error_api(raw, 2)
        pool = nil
    }

    /// A client popped from `pool` (pushed back by `close()`).
    init(pool: OpaquePointer) {
        raw = mongoc_client_pool_pop(pool)!
        self.pool = pool
    }

    func close() {
        if let pool { mongoc_client_pool_push(pool, raw) } else { mongoc_client_destroy(raw) }
    }

    struct Failure: Error, CustomStringConvertible {
        let domain: UInt32, code: UInt32, message: String
        var description: String { "mongoc error \(domain).\(code): \(message)" }
    }

    /// Storage for a reply libmongoc initialises itself (bson_init on "uninitialized bson_t"):
    /// a bson_new() passed there would be re-initialised as static and leak its 128 bytes.
    static func uninitializedReply() -> OpaquePointer {
        OpaquePointer(UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128))
    }

    static func destroyReply(_ reply: OpaquePointer) {
        bson_destroy(reply)
        UnsafeMutableRawPointer(reply).deallocate()
    }

    static func bson(_ json: String) -> OpaquePointer {
        var error = bson_error_t()
        guard let document = bson_new_from_json(json, -1, &error) else { fatalError("bad test JSON: \(json)") }
        return document
    }

    static func json(_ document: OpaquePointer) -> [String: Any] {
        var length = 0
        let text = bson_as_relaxed_extended_json(document, &length)!
        defer { bson_free(text) }
        let data = Data(bytes: text, count: length)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func failure(_ error: bson_error_t) -> Failure {
        let message = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return Failure(domain: error.domain, code: error.code, message: message)
    }

    /// Runs a command and returns its reply.
    func command(_ database: String, _ json: String) throws -> [String: Any] {
        let command = Self.bson(json)
        defer { bson_destroy(command) }
        let reply = Self.uninitializedReply()
        defer { Self.destroyReply(reply) }
        var error = bson_error_t()
        guard mongoc_client_command_simple(raw, database, command, nil, reply, &error) else { throw Self.failure(error) }
        return Self.json(reply)
    }

    func collection(_ database: String, _ name: String) -> OpaquePointer {
        mongoc_client_get_collection(raw, database, name)!
    }

    /// insert_many; returns the reply.
    func insertMany(_ database: String, _ name: String, _ documents: [String]) throws -> [String: Any] {
        let collection = self.collection(database, name)
        defer { mongoc_collection_destroy(collection) }
        let bsons = documents.map { Optional(Self.bson($0)) }
        defer { bsons.forEach { bson_destroy($0) } }
        let reply = Self.uninitializedReply()
        defer { Self.destroyReply(reply) }
        var error = bson_error_t()
        var pointers = bsons
        let ok = pointers.withUnsafeMutableBufferPointer { buffer in
            mongoc_collection_insert_many(collection, buffer.baseAddress, buffer.count, nil, reply, &error)
        }
        guard ok else { throw Self.failure(error) }
        return Self.json(reply)
    }

    /// find with options; returns every document (getMore as needed).
    func find(_ database: String, _ name: String, filter: String = "{}", options: String = "{}") throws -> [[String: Any]] {
        let collection = self.collection(database, name)
        defer { mongoc_collection_destroy(collection) }
        let filter = Self.bson(filter), options = Self.bson(options)
        defer { bson_destroy(filter); bson_destroy(options) }
        let cursor = mongoc_collection_find_with_opts(collection, filter, options, nil)!
        defer { mongoc_cursor_destroy(cursor) }
        var out: [[String: Any]] = []
        var document: OpaquePointer?
        while mongoc_cursor_next(cursor, &document) { out.append(Self.json(document!)) }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw Self.failure(error) }
        return out
    }

    enum Write { case updateOne, updateMany, deleteOne, deleteMany }

    /// update_one/update_many (with `options` such as `{"upsert": true}`) or delete_*; returns the reply.
    func write(_ kind: Write, _ database: String, _ name: String, filter: String, update: String = "{}", options: String = "{}") throws -> [String: Any] {
        let collection = self.collection(database, name)
        defer { mongoc_collection_destroy(collection) }
        let filter = Self.bson(filter), update = Self.bson(update), options = Self.bson(options)
        defer { bson_destroy(filter); bson_destroy(update); bson_destroy(options) }
        let reply = Self.uninitializedReply()
        defer { Self.destroyReply(reply) }
        var error = bson_error_t()
        let ok: Bool
        switch kind {
        case .updateOne: ok = mongoc_collection_update_one(collection, filter, update, options, reply, &error)
        case .updateMany: ok = mongoc_collection_update_many(collection, filter, update, options, reply, &error)
        case .deleteOne: ok = mongoc_collection_delete_one(collection, filter, options, reply, &error)
        case .deleteMany: ok = mongoc_collection_delete_many(collection, filter, options, reply, &error)
        }
        guard ok else { throw Self.failure(error) }
        return Self.json(reply)
    }

    /// count_documents (an aggregate with $match and $group).
    func countDocuments(_ database: String, _ name: String, filter: String = "{}") throws -> Int64 {
        let collection = self.collection(database, name)
        defer { mongoc_collection_destroy(collection) }
        let filter = Self.bson(filter)
        defer { bson_destroy(filter) }
        var error = bson_error_t()
        let n = mongoc_collection_count_documents(collection, filter, nil, nil, nil, &error)
        guard n >= 0 else { throw Self.failure(error) }
        return n
    }

    /// The opcounters from serverStatus.
    func opcounters() throws -> [String: Int] {
        let status = try command("admin", #"{"serverStatus": 1}"#)
        return ((status["opcounters"] as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// An integer field (JSON numbers arrive as NSNumber).
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
}
