import Testing
@testable import MongoWire

/// Runs one OP_MSG command on `handler` in database `t`.
func run(_ handler: CommandHandler, _ body: BSONDocument) -> BSONDocument {
    var command = body
    command.append("$db", .string("t"))
    let request = WireRequest(header: MessageHeader(messageLength: 0, requestID: 1, responseTo: 0, opCode: 2013), kind: .msg(flags: 0), command: command)
    return handler.execute(request, connectionID: 1)
}

/// The `_id`s of a cursor reply's first batch.
func firstBatchIDs(_ reply: BSONDocument) -> [Int64] {
    reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap { $0.documentValue?["_id"]?.integerValue } ?? []
}

@Suite struct CommandTests {
    /// A handler holding `t.c` with _id 1...10, `parity` "even"/"odd" and `n` = 11 - id as a double.
    static func seeded() -> CommandHandler {
        let handler = CommandHandler()
        var documents: [BSONValue] = []
        for id in 1...10 {
            var document = BSONDocument()
            document.append("_id", .int32(Int32(id)))
            document.append("parity", .string(id % 2 == 0 ? "even" : "odd"))
            document.append("n", .double(Double(11 - id)))
            documents.append(.document(document))
        }
        _ = run(handler, ["insert": .string("c"), "documents": .array(documents)])
        return handler
    }

    static func find(_ fields: KeyValuePairs<String, BSONValue> = [:]) -> BSONDocument {
        var command: BSONDocument = ["find": .string("c")]
        for (key, value) in fields { command.append(key, value) }
        return command
    }

    static func filter(_ fields: KeyValuePairs<String, BSONValue>) -> BSONValue {
        var document = BSONDocument()
        for (key, value) in fields { document.append(key, value) }
        return .document(document)
    }

    static let findCases: [(String, BSONDocument, [Int64])] = [
        ("all", find(), Array(1...10)),
        ("by _id as double", find(["filter": filter(["_id": .double(3)])]), [3]),
        ("missing _id", find(["filter": filter(["_id": .int32(42)])]), []),
        ("equality", find(["filter": filter(["parity": .string("even")])]), [2, 4, 6, 8, 10]),
        ("two fields", find(["filter": filter(["parity": .string("odd"), "n": .int32(6)])]), [5]),
        ("sort desc skip limit", find(["sort": filter(["_id": .int32(-1)]), "skip": .int32(1), "limit": .int32(3)]), [9, 8, 7]),
        ("sort by other field", find(["filter": filter(["parity": .string("even")]), "sort": filter(["n": .int32(1)])]), [10, 8, 6, 4, 2]),
        ("operators", find(["filter": filter(["_id": filter(["$gt": .int32(7), "$lte": .int64(9)])])]), [8, 9]),
        ("$in", find(["filter": filter(["_id": filter(["$in": .array([.int32(2), .int32(5)])])])]), [2, 5]),
        ("batch size", find(["batchSize": .int32(4)]), [1, 2, 3, 4]),
        ("no such collection", ["find": .string("nope")], []),
    ]

    /// find: filters, sort, skip, limit, projection, and the first-batch size.
    @Test(arguments: findCases)
    func find(_ name: String, _ command: BSONDocument, _ expected: [Int64]) {
        #expect(firstBatchIDs(run(Self.seeded(), command)) == expected, "\(name)")
    }

    /// Projection keeps or drops fields, `_id` unless excluded.
    @Test func projection() {
        let handler = Self.seeded()
        let include = run(handler, ["find": .string("c"), "filter": .document(["_id": .int32(2)]), "projection": .document(["n": .int32(1)])])
        #expect(include["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first == .document(["_id": .int32(2), "n": .double(9)]))
        let exclude = run(handler, ["find": .string("c"), "filter": .document(["_id": .int32(2)]), "projection": .document(["_id": .int32(0), "n": .bool(false)])])
        #expect(exclude["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first == .document(["parity": .string("even")]))
    }

    /// getMore hands out the rest in batches and the cursor id turns 0 at the end; killCursors forgets it.
    @Test func cursorBatching() throws {
        let handler = Self.seeded()
        let first = run(handler, ["find": .string("c"), "batchSize": .int32(4)])
        let id = try #require(first["cursor"]?.documentValue?["id"]?.integerValue)
        #expect(id != 0)
        let second = run(handler, ["getMore": .int64(id), "collection": .string("c"), "batchSize": .int32(4)])
        #expect(second["cursor"]?.documentValue?["nextBatch"]?.arrayValue?.count == 4)
        #expect(second["cursor"]?.documentValue?["id"]?.integerValue == id)
        let third = run(handler, ["getMore": .int64(id), "collection": .string("c")])
        #expect(third["cursor"]?.documentValue?["nextBatch"]?.arrayValue?.count == 2)
        #expect(third["cursor"]?.documentValue?["id"]?.integerValue == 0)
        let gone = run(handler, ["getMore": .int64(id), "collection": .string("c")])
        #expect(gone["code"] == .int32(43))
        let another = run(handler, ["find": .string("c"), "batchSize": .int32(1)])
        let other = try #require(another["cursor"]?.documentValue?["id"]?.integerValue)
        let killed = run(handler, ["killCursors": .string("c"), "cursors": .array([.int64(other), .int64(12345)])])
        #expect(killed["cursorsKilled"] == .array([.int64(other)]))
        #expect(killed["cursorsNotFound"] == .array([.int64(12345)]))
    }

    /// update: $set and $inc with mongod's numeric promotion, replacement, upsert.
    @Test func updates() {
        let handler = Self.seeded()
        let reply = run(handler, ["update": .string("c"), "updates": .array([
            .document(["q": .document(["_id": .int32(1)]), "u": .document(["$set": .document(["s": .string("x")]), "$inc": .document(["n": .int32(1), "k": .int32(2)])])]),
            .document(["q": .document(["parity": .string("even")]), "u": .document(["$inc": .document(["n": .int64(1)])]), "multi": .bool(true)]),
            .document(["q": .document(["_id": .int32(99)]), "u": .document(["$set": .document(["v": .int32(1)])]), "upsert": .bool(true)]),
            .document(["q": .document(["_id": .int32(3)]), "u": .document(["only": .bool(true)])]),
        ])])
        #expect(reply["n"] == .int32(8))
        #expect(reply["nModified"] == .int32(7))
        #expect(reply["upserted"] == .array([.document(["index": .int32(2), "_id": .int32(99)])]))
        let one = run(handler, ["find": .string("c"), "filter": .document(["_id": .int32(1)])])
        #expect(one["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first ==
                .document(["_id": .int32(1), "parity": .string("odd"), "n": .double(11), "s": .string("x"), "k": .int32(2)]))
        let upserted = run(handler, ["find": .string("c"), "filter": .document(["_id": .int32(99)])])
        #expect(upserted["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first == .document(["_id": .int32(99), "v": .int32(1)]))
        let replaced = run(handler, ["find": .string("c"), "filter": .document(["_id": .int32(3)])])
        #expect(replaced["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first == .document(["_id": .int32(3), "only": .bool(true)]))
    }

    /// delete with limit 1 and 0, count, drop, and the errors mongod gives.
    @Test func deleteCountDrop() {
        let handler = Self.seeded()
        let deleted = run(handler, ["delete": .string("c"), "deletes": .array([
            .document(["q": .document(["parity": .string("odd")]), "limit": .int32(1)]),
            .document(["q": .document(["parity": .string("even")]), "limit": .int32(0)]),
        ])])
        #expect(deleted["n"] == .int32(6))
        #expect(run(handler, ["count": .string("c")])["n"] == .int32(4))
        #expect(run(handler, ["count": .string("c"), "query": .document(["_id": .int32(3)])])["n"] == .int32(1))
        #expect(firstBatchIDs(run(handler, ["find": .string("c")])) == [3, 5, 7, 9])
        #expect(run(handler, ["drop": .string("c")])["ok"] == .double(1))
        #expect(run(handler, ["drop": .string("c")])["code"] == .int32(26))
        let duplicate = run(handler, ["insert": .string("d"), "documents": .array([.document(["_id": .int32(1)]), .document(["_id": .int32(1)])])])
        #expect(duplicate["n"] == .int32(1))
        #expect(duplicate["writeErrors"]?.arrayValue?.first?.documentValue?["code"] == .int32(11000))
    }

    /// An unknown command gets mongod's CommandNotFound reply.
    @Test func unknownCommand() {
        let reply = run(CommandHandler(), ["frobnicate": .int32(1)])
        #expect(reply == ["ok": .double(0), "errmsg": .string("no such command: 'frobnicate'"), "code": .int32(59), "codeName": .string("CommandNotFound")])
    }

    /// The seed holds the greeting and 10000 world rows with randomNumber in 1...10000.
    @Test func seed() {
        let handler = CommandHandler()
        Seed.load(into: handler)
        #expect(handler.store.collection("test.greetings")?.documents.first?["pycon"] == .string("Hello, Pycon!"))
        let world = handler.store.collection("hello_world.world")
        #expect(world?.count == 10_000)
        let numbers = world?.documents.compactMap { $0["randomNumber"]?.integerValue } ?? []
        #expect(numbers.allSatisfy { (1...10_000).contains($0) })
        #expect(Set(numbers).count > 5000)
    }
}
