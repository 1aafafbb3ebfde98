import Foundation
import MongoWire
import TestSupport
import Testing

/// Runs `script` with Debian's python3 (which has python3-pymongo) and the server's port as
/// argv[1]; returns stdout, or records stderr. Killed after `seconds`.
func runPython(_ script: String, port: UInt16, seconds: Double = 20) throws -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script, String(port)]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    if waitForExit(process, seconds: seconds) == nil {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("python timed out")
        return nil
    }
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    if process.terminationStatus != 0 { Issue.record("python failed: \(stderr)") }
    return stdout
}

@Suite(.timeLimit(.minutes(1))) struct PymongoTests {
    static let script = """
    import sys, pymongo
    c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), serverSelectionTimeoutMS=3000)
    col = c.t.items
    col.insert_many([{"_id": i, "g": i % 3, "name": "n%d" % i} for i in range(1, 31)])
    ids = [d["_id"] for d in col.find({}, batch_size=4).sort("_id", -1)]
    assert ids == list(range(30, 0, -1)), ids
    names = [d["name"] for d in col.find({"g": 2}, {"name": 1, "_id": 0}).skip(1).limit(3)]
    assert names == ["n5", "n8", "n11"], names
    r = col.update_one({"_id": 4}, {"$set": {"name": "four"}, "$inc": {"g": 10}})
    assert (r.matched_count, r.modified_count) == (1, 1)
    assert col.find_one({"_id": 4}) == {"_id": 4, "g": 11, "name": "four"}, col.find_one({"_id": 4})
    r = col.update_one({"_id": 99}, {"$inc": {"n": 1}}, upsert=True)
    assert r.upserted_id == 99
    assert col.delete_many({"g": 0}).deleted_count == 10
    assert col.count_documents({}) == 21, col.count_documents({})
    assert col.estimated_document_count() == 21
    assert c.t.list_collection_names() == ["items"]
    try:
        c.admin.command("frobnicate")
        raise SystemExit("no error")
    except pymongo.errors.OperationFailure as e:
        assert e.code == 59, e.details
    ops = c.admin.command("serverStatus")["opcounters"]
    c.t.drop_collection("items")
    assert c.t.list_collection_names() == []
    print("ok", ops["insert"], ops["getmore"])
    """

    /// pymongo 3.11 (an independent client) does insert/find/getMore/update/delete/count and sees mongod's errors.
    @Test func pymongoRoundTrips() throws {
        let server = try MongodServer(options: MongodOptions(port: 0))
        defer { server.stop() }
        let output = try runPython(Self.script, port: server.port)
        // 31 inserts (30 + the upsert counts under update), 7 getMores for 30 docs in batches of 4.
        #expect(output?.trimmingCharacters(in: .whitespacesAndNewlines) == "ok 30 7")
    }
}
