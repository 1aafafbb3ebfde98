/// Open cursors: the rest of a result, handed out batch by batch by getMore.
struct CursorTable {
    struct Cursor {
        let namespace: String
        var remaining: ArraySlice<BSONValue>
    }

    private(set) var open: [Int64: Cursor] = [:]

    /// Registers what the first batch left over; returns the cursor id (0: nothing left).
    mutating func register(namespace: String, remaining: ArraySlice<BSONValue>) -> Int64 {
        guard !remaining.isEmpty else { return 0 }
        var id: Int64
        repeat { id = Int64.random(in: 1...Int64.max) } while open[id] != nil
        open[id] = Cursor(namespace: namespace, remaining: remaining)
        return id
    }

    mutating func next(_ id: Int64, batchSize: Int) -> (Cursor, [BSONValue], Int64)? {
        guard var cursor = open[id] else { return nil }
        let batch = Array(cursor.remaining.prefix(batchSize))
        cursor.remaining = cursor.remaining.dropFirst(batch.count)
        if cursor.remaining.isEmpty { open[id] = nil; return (cursor, batch, 0) }
        open[id] = cursor
        return (cursor, batch, id)
    }

    mutating func kill(_ id: Int64) -> Bool { open.removeValue(forKey: id) != nil }
}

extension CommandHandler {
    /// mongod's default first batch.
    static let defaultFirstBatch = 101

    static func collectionName(_ command: BSONDocument, _ name: String) throws(CommandError) -> String {
        guard let collection = command[name]?.stringValue, !collection.isEmpty else {
            throw CommandError(73, "InvalidNamespace", "collection name must be a nonempty string")
        }
        return collection
    }

    static func nonNegative(_ command: BSONDocument, _ field: String) throws(CommandError) -> Int? {
        guard let value = command[field] else { return nil }
        guard let integer = value.integerValue else { throw .typeMismatch("'\(field)' must be a number") }
        guard integer >= 0 else { throw .badValue("'\(field)' must be non-negative") }
        return Int(integer)
    }

    static func filter(_ command: BSONDocument, _ field: String) throws(CommandError) -> BSONDocument {
        guard let value = command[field], value != .null else { return BSONDocument() }
        guard let document = value.documentValue else { throw .typeMismatch("'\(field)' must be a document") }
        return document
    }

    func find(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "find")
        let namespace = database + "." + name
        let filter = try Self.filter(command, "filter")
        let projection = try Projection(command["projection"]?.documentValue)
        let sort = try SortSpecification(command["sort"]?.documentValue)
        let skip = try Self.nonNegative(command, "skip") ?? 0
        var singleBatch = command["singleBatch"]?.isTruthy == true
        var limit = 0
        if let value = command["limit"] {
            guard let integer = value.integerValue else { throw .typeMismatch("'limit' must be a number") }
            // A negative limit is the legacy form of "limit, single batch".
            if integer < 0 { singleBatch = true }
            limit = Int(integer.magnitude)
        }
        let batchSize = try Self.nonNegative(command, "batchSize") ?? Self.defaultFirstBatch

        var documents: [BSONDocument] = []
        if let collection = store.collection(namespace) {
            // Without a sort, a scan can stop as soon as skip + limit documents matched.
            let scanLimit = sort == nil && limit > 0 ? skip + limit : Int.max
            let indexes = try collection.matchingIndexes(filter, limit: scanLimit)
            documents = indexes.map { collection.documents[$0] }
        }
        if let sort { documents = sort.sorted(documents) }
        var selected = documents.dropFirst(skip)
        if limit > 0 { selected = selected.prefix(limit) }
        let results: [BSONValue] = selected.map { .document(projection?.apply($0) ?? $0) }
        let first = singleBatch ? results[...] : results.prefix(batchSize)
        let id = singleBatch ? 0 : cursors.register(namespace: namespace, remaining: results.dropFirst(first.count))
        return Self.cursorReply(id: id, namespace: namespace, batch: Array(first), first: true)
    }

    func getMore(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        guard let id = command["getMore"]?.integerValue else { throw .typeMismatch("getMore's cursor id must be a long") }
        let name = try Self.collectionName(command, "collection")
        let batchSize = try Self.nonNegative(command, "batchSize") ?? 0
        guard let cursor = cursors.open[id] else {
            throw CommandError(43, "CursorNotFound", "cursor id \(id) not found")
        }
        guard cursor.namespace == database + "." + name else {
            throw CommandError(13, "Unauthorized", "Requested getMore on namespace '\(database).\(name)', but cursor belongs to a different namespace \(cursor.namespace)")
        }
        let (_, batch, nextID) = cursors.next(id, batchSize: batchSize == 0 ? Int.max : batchSize)!
        return Self.cursorReply(id: nextID, namespace: cursor.namespace, batch: batch, first: false)
    }

    func killCursors(_ command: BSONDocument) throws(CommandError) -> BSONDocument {
        guard let ids = command["cursors"]?.arrayValue else { throw .typeMismatch("killCursors needs a 'cursors' array") }
        var killed: [BSONValue] = [], notFound: [BSONValue] = []
        for value in ids {
            guard let id = value.integerValue else { throw .typeMismatch("cursor ids must be longs") }
            if cursors.kill(id) { killed.append(.int64(id)) } else { notFound.append(.int64(id)) }
        }
        return ["cursorsKilled": .array(killed), "cursorsNotFound": .array(notFound),
                "cursorsAlive": .array([]), "cursorsUnknown": .array([]), "ok": .double(1)]
    }

    func count(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "count")
        let query = try Self.filter(command, "query")
        let skip = try Self.nonNegative(command, "skip") ?? 0
        let limit = Int(command["limit"]?.integerValue?.magnitude ?? 0)
        var n = 0
        if let collection = store.collection(database + "." + name) {
            n = query.isEmpty ? collection.count : try collection.matchingIndexes(query).count
        }
        n = max(0, n - skip)
        if limit > 0 { n = min(n, limit) }
        return ["n": .int32(Int32(clamping: n)), "ok": .double(1)]
    }

    /// Just enough `aggregate` for the drivers' `count_documents`: `$match`, `$sort`,
    /// `$skip`, `$limit`, `$count`, and `$group` by a constant with `{$sum: 1}`.
    func aggregate(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "aggregate")
        let namespace = database + "." + name
        guard let pipeline = command["pipeline"]?.arrayValue else { throw .typeMismatch("'pipeline' must be an array") }
        var documents = store.collection(namespace)?.documents ?? []
        for stage in pipeline {
            guard let stage = stage.documentValue, stage.elements.count == 1, let (op, argument) = stage.elements.first.map({ ($0.key, $0.value) }) else {
                throw .failedToParse("a pipeline stage must be a document with one field")
            }
            switch op {
            case "$match":
                let filter = argument.documentValue ?? BSONDocument()
                var kept: [BSONDocument] = []
                for document in documents where try Matcher.matches(document, filter) { kept.append(document) }
                documents = kept
            case "$sort":
                if let sort = try SortSpecification(argument.documentValue) { documents = sort.sorted(documents) }
            case "$skip": documents = Array(documents.dropFirst(Int(argument.integerValue ?? 0)))
            case "$limit": documents = Array(documents.prefix(Int(argument.integerValue ?? 0)))
            case "$count":
                guard let field = argument.stringValue else { throw .failedToParse("$count needs a field name") }
                documents = [[field: .int32(Int32(clamping: documents.count))]]
            case "$group":
                guard let group = argument.documentValue, let id = group["_id"], !(id.stringValue?.hasPrefix("$") ?? false) else {
                    throw CommandError(40324, "Location40324", "volley mongod only groups by a constant")
                }
                var output: BSONDocument = ["_id": id]
                for (field, accumulator) in group.elements where field != "_id" {
                    guard let sum = accumulator.documentValue?["$sum"], let step = sum.integerValue else {
                        throw CommandError(15952, "Location15952", "volley mongod only supports {$sum: <integer>} in $group")
                    }
                    output.append(field, .int32(Int32(clamping: step * Int64(documents.count))))
                }
                documents = documents.isEmpty ? [] : [output]
            default:
                throw CommandError(40324, "Location40324", "Unrecognized pipeline stage name: '\(op)'")
            }
        }
        let results = documents.map { BSONValue.document($0) }
        let batchSize = try Self.nonNegative(command["cursor"]?.documentValue ?? BSONDocument(), "batchSize") ?? Self.defaultFirstBatch
        let first = results.prefix(batchSize)
        let id = cursors.register(namespace: namespace, remaining: results.dropFirst(first.count))
        return Self.cursorReply(id: id, namespace: namespace, batch: Array(first), first: true)
    }
}
