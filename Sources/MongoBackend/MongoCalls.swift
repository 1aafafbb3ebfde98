internal import CMongoc

/// The libmongoc calls behind `MongoBackend`, and turning libmongoc errors into `MongoBackendError`.
extension MongoBackend {
    /// sizeof and _Alignof of bson_t and bson_iter_t in libbson 1.23 (BSON_EXTRA_ALIGN).
    static let bsonSize = 128, bsonAlignment = 128, iterSize = 128, iterAlignment = 128

    static func parse(_ text: String) throws(MongoBackendError) -> OpaquePointer {
        _ = initialized
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw MongoBackendError(.invalidURI, "invalid MongoDB URI '\(text)': \(message(error))")
        }
        return uri
    }

    static func uriSets(_ uri: OpaquePointer, _ option: String) -> Bool {
        guard let options = mongoc_uri_get_options(uri) else { return false }
        return bson_has_field(options, option)
    }

    static func ping(_ client: OpaquePointer, _ uriString: String) throws(MongoBackendError) {
        let command = bson_new()!
        defer { bson_destroy(command) }
        bson_append_int32(command, "ping", -1, 1)
        var error = bson_error_t()
        let ok = mongoc_client_command_simple(client, "admin", command, nil, nil, &error)
        guard ok else {
            let wrapped = wrap(error, "ping")
            throw MongoBackendError(wrapped.kind, "database at \(uriString) is unreachable: \(wrapped.message)")
        }
    }

    /// `find_one`: the first document of `database.collection` matching `filter`, handed to
    /// `read` while the cursor still owns it.
    func findOne<R>(_ client: OpaquePointer, _ database: String, _ collection: String, filter: OpaquePointer,
                    _ read: (OpaquePointer) throws(MongoBackendError) -> R) throws(MongoBackendError) -> R {
        let handle = mongoc_client_get_collection(client, database, collection)!
        defer { mongoc_collection_destroy(handle) }
        let cursor = mongoc_collection_find_with_opts(handle, filter, findOneOptions, nil)!
        defer { mongoc_cursor_destroy(cursor) }
        var document: OpaquePointer?
        if mongoc_cursor_next(cursor, &document), let document {
            return try read(document)
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            throw Self.wrap(error, "find_one in \(database).\(collection)")
        }
        throw MongoBackendError(.notFound, "no matching document in \(database).\(collection)")
    }

    static func utf8Field(_ document: OpaquePointer, _ key: String) throws(MongoBackendError) -> [UInt8] {
        try withField(document, key) { (iterator) throws(MongoBackendError) in
            guard bson_iter_type(iterator) == BSON_TYPE_UTF8 else {
                throw MongoBackendError(.badDocument, "field '\(key)' is not a string")
            }
            var length: UInt32 = 0
            let text = bson_iter_utf8(iterator, &length)!
            return Array(UnsafeRawBufferPointer(start: text, count: Int(length)))
        }
    }

    static func int32Field(_ document: OpaquePointer, _ key: String) throws(MongoBackendError) -> Int32 {
        try withField(document, key) { (iterator) throws(MongoBackendError) in
            switch bson_iter_type(iterator) {
            case BSON_TYPE_INT32: return bson_iter_int32(iterator)
            case BSON_TYPE_INT64, BSON_TYPE_DOUBLE:
                let value = bson_iter_as_int64(iterator)
                guard let narrow = Int32(exactly: value) else { throw MongoBackendError(.badDocument, "field '\(key)' out of range") }
                return narrow
            default:
                throw MongoBackendError(.badDocument, "field '\(key)' is not a number")
            }
        }
    }

    /// Finds `key` with a stack-allocated bson_iter_t (80 bytes, 128-byte aligned, which a
    /// temporary allocation honours): no heap allocation per field.
    static func withField<R>(_ document: OpaquePointer, _ key: String,
                             _ body: (OpaquePointer) throws(MongoBackendError) -> R) throws(MongoBackendError) -> R {
        try withUnsafeTemporaryAllocation(byteCount: iterSize, alignment: iterAlignment) { (buffer) throws(MongoBackendError) -> R in
            let iterator = OpaquePointer(buffer.baseAddress!)
            guard bson_iter_init_find(iterator, document, key) else {
                throw MongoBackendError(.badDocument, "document has no field '\(key)'")
            }
            return try body(iterator)
        }
    }

    static func wrap(_ error: bson_error_t, _ what: String) -> MongoBackendError {
        let domain = error.domain
        let unavailable = domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || domain == MONGOC_ERROR_STREAM.rawValue
            || domain == MONGOC_ERROR_CLIENT.rawValue
        return MongoBackendError(unavailable ? .unavailable : .server, "\(what): \(message(error))")
    }

    static func message(_ error: bson_error_t) -> String {
        withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
