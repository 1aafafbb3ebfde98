extension CommandHandler {
    /// Statements of a write command: the body's array, or a kind-1 document sequence (merged
    /// into the body by the decoder under the same name).
    static func statements(_ command: BSONDocument, _ field: String) throws(CommandError) -> [BSONDocument] {
        guard let values = command[field]?.arrayValue else { throw .typeMismatch("'\(field)' must be an array of documents") }
        var documents: [BSONDocument] = []
        for value in values {
            guard let document = value.documentValue else { throw .typeMismatch("'\(field)' must be an array of documents") }
            documents.append(document)
        }
        return documents
    }

    static func writeError(index: Int, _ error: CommandError) -> BSONValue {
        .document(["index": .int32(Int32(index)), "code": .int32(error.code), "errmsg": .string(error.message)])
    }

    static func writeReply(_ fields: BSONDocument, errors: [BSONValue]) -> BSONDocument {
        var reply = fields
        if !errors.isEmpty { reply.append("writeErrors", .array(errors)) }
        reply.append("ok", .double(1))
        return reply
    }

    /// Adds an ObjectId `_id` in front when the document has none, as mongod does.
    func withID(_ document: BSONDocument) -> BSONDocument {
        if document["_id"] != nil { return document }
        var out = BSONDocument()
        out.append("_id", .objectId(idGenerator.next(secondsSinceEpoch: UInt32(truncatingIfNeeded: Self.wallClockMillis() / 1000))))
        out.elements.append(contentsOf: document.elements)
        return out
    }

    func insert(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "insert")
        let namespace = database + "." + name
        let documents = try Self.statements(command, "documents")
        let ordered = command["ordered"]?.isTruthy ?? true
        let collection = store.collectionForWrite(namespace)
        var n = 0
        var errors: [BSONValue] = []
        for (index, document) in documents.enumerated() {
            counters.insert += 1
            let stored = withID(document)
            if collection.insert(stored) {
                n += 1
            } else {
                let id = stored["_id"].map { "\($0)" } ?? "?"
                errors.append(Self.writeError(index: index, CommandError(11000, "DuplicateKey",
                    "E11000 duplicate key error collection: \(namespace) index: _id_ dup key: { _id: \(id) }")))
                if ordered { break }
            }
        }
        return Self.writeReply(["n": .int32(Int32(n))], errors: errors)
    }

    func update(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "update")
        let namespace = database + "." + name
        let statements = try Self.statements(command, "updates")
        let ordered = command["ordered"]?.isTruthy ?? true
        var matched = 0, modified = 0
        var upserted: [BSONValue] = []
        var errors: [BSONValue] = []
        for (index, statement) in statements.enumerated() {
            counters.update += 1
            do throws(CommandError) {
                let filter = try Self.filter(statement, "q")
                guard let u = statement["u"]?.documentValue else { throw CommandError.failedToParse("update statement needs 'u' as a document") }
                let specification = try UpdateSpecification(u)
                let multi = statement["multi"]?.isTruthy ?? false
                if case .replacement = specification, multi { throw CommandError.failedToParse("multi update is not supported for replacement-style update") }
                let collection = store.collectionForWrite(namespace)
                let hits = try collection.matchingIndexes(filter, limit: multi ? Int.max : 1)
                if hits.isEmpty, statement["upsert"]?.isTruthy == true {
                    let document = withID(try specification.upsertDocument(filter: filter))
                    guard collection.insert(document) else {
                        throw CommandError(11000, "DuplicateKey", "E11000 duplicate key error collection: \(namespace) index: _id_")
                    }
                    upserted.append(.document(["index": .int32(Int32(index)), "_id": document["_id"]!]))
                    continue
                }
                for hit in hits {
                    matched += 1
                    let before = collection.documents[hit]
                    let after = try specification.apply(to: before)
                    if after != before { modified += 1; collection.replace(at: hit, with: after) }
                }
            } catch {
                errors.append(Self.writeError(index: index, error))
                if ordered { break }
            }
        }
        var fields: BSONDocument = ["n": .int32(Int32(matched + upserted.count)), "nModified": .int32(Int32(modified))]
        if !upserted.isEmpty { fields.append("upserted", .array(upserted)) }
        return Self.writeReply(fields, errors: errors)
    }

    func delete(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "delete")
        let statements = try Self.statements(command, "deletes")
        let ordered = command["ordered"]?.isTruthy ?? true
        var n = 0
        var errors: [BSONValue] = []
        for (index, statement) in statements.enumerated() {
            counters.delete += 1
            do throws(CommandError) {
                let filter = try Self.filter(statement, "q")
                guard let limit = statement["limit"]?.integerValue, limit == 0 || limit == 1 else {
                    throw CommandError.failedToParse("delete statement needs 'limit' of 0 or 1")
                }
                guard let collection = store.collection(database + "." + name) else { continue }
                let hits = try collection.matchingIndexes(filter, limit: limit == 1 ? 1 : Int.max)
                collection.remove(at: hits)
                n += hits.count
            } catch {
                errors.append(Self.writeError(index: index, error))
                if ordered { break }
            }
        }
        return Self.writeReply(["n": .int32(Int32(n))], errors: errors)
    }

    func drop(_ command: BSONDocument, database: String) throws(CommandError) -> BSONDocument {
        let name = try Self.collectionName(command, "drop")
        let namespace = database + "." + name
        guard store.drop(namespace) else { throw CommandError(26, "NamespaceNotFound", "ns not found") }
        return ["nIndexesWas": .int32(1), "ns": .string(namespace), "ok": .double(1)]
    }
}
