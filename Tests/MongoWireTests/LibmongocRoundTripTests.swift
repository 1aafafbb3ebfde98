import CMongoc
import Foundation
import MongoWire
import Testing
import UVKit

/// libmongoc 1.23 against `volley mongod` started in-process on a free port.
@Suite(.timeLimit(.minutes(1))) struct LibmongocRoundTripTests {
    /// insert, find with a small batchSize (getMore), update with $set/$inc/upsert, delete and count, one client.
    @Test func singleClientRoundTrips() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let client = MongocClient(uri: "mongodb://127.0.0.1:\(server.port)/?serverSelectionTimeoutMS=2000")
        defer { client.close() }

        let documents = (1...25).map { #"{"_id": \#($0), "group": \#($0 % 5), "name": "n\#($0)"}"# }
        let inserted = try client.insertMany("t", "items", documents)
        #expect(inserted.int("insertedCount") == 25)

        let before = try client.opcounters()
        let all = try client.find("t", "items", options: #"{"batchSize": 4, "sort": {"_id": -1}}"#)
        #expect(all.compactMap { $0.int("_id") } == Array((1...25).reversed()))
        let after = try client.opcounters()
        // 25 documents in batches of 4: a first batch and 6 getMores.
        #expect((after["getmore"] ?? 0) - (before["getmore"] ?? 0) == 6)
        #expect((after["query"] ?? 0) - (before["query"] ?? 0) == 1)

        let group = try client.find("t", "items", filter: #"{"group": 2}"#, options: #"{"projection": {"name": 1, "_id": 0}, "skip": 1, "limit": 2}"#)
        #expect(group.map { $0["name"] as? String } == ["n7", "n12"])

        let updated = try client.write(.updateOne, "t", "items", filter: #"{"_id": 3}"#, update: #"{"$set": {"name": "three"}, "$inc": {"group": 10}}"#)
        #expect(updated.int("modifiedCount") == 1)
        #expect(try client.find("t", "items", filter: #"{"_id": 3}"#).first?["name"] as? String == "three")
        #expect(try client.find("t", "items", filter: #"{"_id": 3}"#).first?.int("group") == 13)

        let many = try client.write(.updateMany, "t", "items", filter: #"{"group": 1}"#, update: #"{"$inc": {"hits": 1}}"#)
        #expect(many.int("matchedCount") == 5)
        let upsert = try client.write(.updateOne, "t", "items", filter: #"{"_id": 100}"#, update: #"{"$set": {"name": "new"}}"#, options: #"{"upsert": true}"#)
        #expect(upsert.int("upsertedCount") == 1)

        let deleted = try client.write(.deleteMany, "t", "items", filter: #"{"group": 0}"#)
        #expect(deleted.int("deletedCount") == 5)
        #expect(try client.countDocuments("t", "items") == 21)
        #expect(try client.countDocuments("t", "items", filter: #"{"group": 1}"#) == 5)
        #expect(try client.command("t", #"{"count": "items", "query": {"hits": 1}}"#).int("n") == 5)

        let unknown = #expect(throws: MongocClient.Failure.self) { try client.command("admin", #"{"frobnicate": 1}"#) }
        #expect(unknown?.code == 59)
    }

    /// A pool shared by four threads, each inserting and reading back its own documents.
    @Test func pooledClientsFromThreads() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        _ = MongocClient.initialized
        let uri = mongoc_uri_new("mongodb://127.0.0.1:\(server.port)/?serverSelectionTimeoutMS=2000")!
        defer { mongoc_uri_destroy(uri) }
        let pool = mongoc_client_pool_new(uri)!
        defer { mongoc_client_pool_destroy(pool) }
        mongoc_client_pool_set_error_api(pool, 2)
        let box = PoolBox(pool: pool)
        let results = ResultsBox()
        let threads = (0..<4).map { worker in
            OSThread(name: "pool-\(worker)") {
                let client = MongocClient(pool: box.pool)
                defer { client.close() }
                var ok = true
                for i in 0..<50 {
                    let id = worker * 1000 + i
                    ok = ok && ((try? client.insertMany("t", "pooled", [#"{"_id": \#(id), "worker": \#(worker)}"#]))?.int("insertedCount") == 1)
                    ok = ok && ((try? client.find("t", "pooled", filter: #"{"_id": \#(id)}"#))?.first?.int("worker") == worker)
                }
                ok = ok && ((try? client.countDocuments("t", "pooled", filter: #"{"worker": \#(worker)}"#)) == 50)
                results.set(worker, ok)
            }
        }
        threads.forEach { $0.join() }
        #expect(results.all(count: 4))
        let client = MongocClient(uri: "mongodb://127.0.0.1:\(server.port)/")
        defer { client.close() }
        #expect(try client.countDocuments("t", "pooled") == 200)
    }
}

struct PoolBox: @unchecked Sendable { let pool: OpaquePointer }

/// Per-thread outcomes, written under a lock once per thread.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Bool] = [:]
    func set(_ index: Int, _ value: Bool) { lock.lock(); values[index] = value; lock.unlock() }
    func all(count: Int) -> Bool { lock.lock(); defer { lock.unlock() }; return values.count == count && values.values.allSatisfy { $0 } }
}
