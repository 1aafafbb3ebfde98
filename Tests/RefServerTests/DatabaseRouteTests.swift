// The MongoDB-backed routes in both models against the built-in mongod (MongoWire, in
// process, port 0): answers, identical bytes, seq vs gather, losing and regaining the
// database, and refusing to start without one.

import Foundation
import MongoBackend
import MongoWire
@testable import RefServer
import TestSupport
import Testing

/// The body of an HTTP response (after the blank line).
func body(_ bytes: [UInt8]) -> [UInt8] {
    let marker: [UInt8] = [13, 10, 13, 10]
    guard let start = (0...max(0, bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == marker }) else { return [] }
    return Array(bytes[(start + 4)...])
}

/// `{"id":N,"randomNumber":M}` objects of a JSON body, as (id, randomNumber) pairs.
func worldRows(_ json: [UInt8]) -> [(Int, Int)]? {
    guard let value = try? JSONSerialization.jsonObject(with: Data(json)) else { return nil }
    let objects = (value as? [[String: Any]]) ?? (value as? [String: Any]).map { [$0] } ?? []
    let rows = objects.compactMap { o -> (Int, Int)? in
        guard o.count == 2, let id = o["id"] as? Int, let n = o["randomNumber"] as? Int else { return nil }
        return (id, n)
    }
    return rows.count == objects.count ? rows : nil
}

/// A port nobody listens on (bound a moment ago, then closed).
func vacantPort() throws -> UInt16 {
    let server = try MongodServer(options: MongodOptions(port: 0))
    defer { server.stop() }
    return server.port
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct DatabaseRouteTests {
    /// Every DB route answers right in both models and with both async drivers, and all send the same bytes (thread 0 of each draws the same ids).
    @Test func routesAnswerAlikeInBothModels() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { mongod.stop() }
        let uri = "mongodb://127.0.0.1:\(mongod.port)/"
        let cases: [(path: String, rows: Int)] = [
            ("/fetch", 0), ("/db", 1), ("/queries?q=0", 1), ("/queries?q=1", 1), ("/queries?q=20", 20),
            ("/queries?q=501", 500), ("/queries?q=abc", 1), ("/queries", 1), ("/multi?n=5&mode=seq", 5),
            ("/multi?n=5&mode=gather", 5), ("/multi?n=3", 3), ("/multi?n=9999&mode=gather", 500),
        ]
        var answers: [DatabaseSetup: [String]] = [:]
        for setup in DatabaseSetup.allCases {
            let database = try setup.database(uri: uri, pool: 4)
            let server = try RunningServer(setup.model, database: database) { $0.threads = 1; $0.workers = 1 }
            answers[setup] = try cases.map { item in
                let response = try #require(try server.fetch(get(item.path)), "\(setup) \(item.path)")
                #expect(response.status == 200, "\(setup) \(item.path)")
                return maskingDate(response.bytes)
            }
        }
        #expect(answers[.sync] == answers[.asyncThreadpool])
        #expect(answers[.sync] == answers[.asyncNative])
        #expect(answers[.asyncNative]?.count == cases.count)
        let reference = try MongoBackend(uri: uri, maxClients: 1)
        for (item, text) in zip(cases, answers[.asyncNative] ?? []) {
            let payload = body(Array(text.utf8))
            if item.rows == 0 {
                #expect(text.contains("Content-Type: text/plain\r\n"))
                #expect(payload == Array("Hello, Pycon!".utf8))
                continue
            }
            #expect(text.contains("Content-Type: application/json\r\n"), "\(item.path)")
            #expect(payload.first == (item.path == "/db" ? UInt8(ascii: "{") : UInt8(ascii: "[")), "\(item.path)")
            let rows = try #require(worldRows(payload), "\(item.path): \(String(decoding: payload, as: UTF8.self))")
            #expect(rows.count == item.rows, "\(item.path)")
            for (id, number) in rows {
                #expect((1...10_000).contains(id))
                #expect(try reference.worldRow(id: Int32(id)).randomNumber == Int32(number), "\(item.path) id \(id)")
            }
        }
    }

    /// Async /multi with either driver: `seq` pays one round trip per read, `gather` overlaps them; the loop stays free meanwhile.
    @Test(arguments: [DatabaseSetup.asyncThreadpool, .asyncNative]) func gatherOverlapsAndSeqChains(_ setup: DatabaseSetup) throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 40, seed: true))
        defer { mongod.stop() }
        let database = try setup.database(uri: "mongodb://127.0.0.1:\(mongod.port)/", pool: 8)
        let server = try RunningServer(.async, database: database)
        // Warm the pool's connections (each new client does its handshake, also delayed).
        let warm = try (0..<3).map { _ in try TestClient(port: server.port) }
        for client in warm { client.send(get("/multi?n=3&mode=gather")) }
        for client in warm { #expect(client.readResponse()?.status == 200) }
        func timed(_ path: String) throws -> TimeInterval {
            let start = Date()
            #expect(try server.fetch(get(path))?.status == 200)
            return Date().timeIntervalSince(start)
        }
        let seq = try timed("/multi?n=3&mode=seq")
        let gather = try timed("/multi?n=3&mode=gather")
        #expect(seq >= 0.12, "seq took \(seq) s; three reads at 40 ms each")
        #expect(gather >= 0.04 && gather < 0.1, "gather took \(gather) s; seq \(seq) s")
        // While a seq is waiting on the database, the loop answers other requests at once.
        let slow = try TestClient(port: server.port)
        let before = server.count(\.bytesIn)
        slow.send(get("/multi?n=3&mode=seq"))
        #expect(server.waitUntilRead(get("/multi?n=3&mode=seq"), since: before), "the seq request was not read")
        let plain = try timed("/plaintext")
        #expect(plain < 0.06, "/plaintext took \(plain) s behind a DB request")
        #expect(slow.readResponse()?.status == 200)
    }

    /// Losing the database: DB routes get 503 quickly, /plaintext stays 200; both recover once it is back on its port.
    @Test(arguments: DatabaseSetup.allCases) func lossAndRecovery(setup: DatabaseSetup) throws {
        let model = setup
        var mongod: MongodServer? = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { mongod?.stop() }
        let port = mongod!.port
        let database = try setup.database(uri: "mongodb://127.0.0.1:\(port)/?serverSelectionTimeoutMS=300", pool: 4)
        let server = try RunningServer(setup.model, database: database) { $0.threads = 4 }
        #expect(try server.fetch(get("/fetch"))?.status == 200)
        mongod?.stop()
        mongod = nil
        for path in ["/fetch", "/db", "/multi?n=3&mode=gather", "/queries?q=5"] {
            let start = Date()
            let response = try server.fetch(get(path))
            let elapsed = Date().timeIntervalSince(start)
            #expect(response?.status == 503, "\(model) \(path)")
            #expect(elapsed < 1.5, "\(model) \(path) took \(elapsed) s")
            #expect(response.map { String(decoding: body($0.bytes), as: UTF8.self) } == "database unavailable\n")
        }
        let plain = Date()
        #expect(try server.fetch(get("/plaintext"))?.status == 200)
        #expect(Date().timeIntervalSince(plain) < 0.5)
        mongod = try MongodServer(options: MongodOptions(port: port, seed: true))
        let back = Date()
        var status: Int?
        while status != 200 && Date().timeIntervalSince(back) < 10 {
            status = try server.fetch(get("/fetch"))?.status
            if status != 200 { usleep(50_000) }
        }
        #expect(status == 200, "\(model): no recovery within 10 s")
        #expect(try server.fetch(get("/db"))?.status == 200)
    }

    /// `volley serve --mongo-uri` to a port nobody serves does not start: exit 2 and a clear message.
    @Test func unreachableDatabaseAtStartUp() throws {
        let port = try vacantPort()
        // No ready line: VolleyServer refuses it, with how it ended and what it said.
        let refused = try #require(throws: VolleyServer.NotReady.self) {
            try VolleyServer.serve(["--mongo-uri", "mongodb://127.0.0.1:\(port)/"])
        }
        #expect(refused.exitCode == 2)
        let message = refused.output
        #expect(message.contains("cannot start: database at mongodb://127.0.0.1:\(port)/ is unreachable"), "\(message)")
    }

    /// The command line wires it up: `volley serve --model async --db-driver threadpool --db-threads 6 --mongo-uri` serves the DB routes.
    @Test func serveCommandWithDatabase() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { mongod.stop() }
        let child = try VolleyServer.serve(["--model", "async", "--db-driver", "threadpool", "--db-threads", "6", "--mongo-uri", "mongodb://127.0.0.1:\(mongod.port)/"])
        let client = try TestClient(port: child.port)
        client.send(get("/fetch"))
        let fetched = try #require(client.readResponse())
        #expect(String(decoding: body(fetched.bytes), as: UTF8.self) == "Hello, Pycon!")
        client.send(get("/multi?n=6&mode=gather"))
        #expect(client.readResponse().flatMap { worldRows(body($0.bytes)) }?.count == 6)
        kill(child.process.processIdentifier, SIGTERM)
        #expect(child.waitForExit(seconds: 5) == 0)
        let message = child.errorText()
        #expect(message.contains("pool of 6 clients, 6 work-queue threads"), "\(message)")
    }

    /// By default the async model uses the native driver: `volley serve --model async --workers 2 --mongo-uri` says so,
    /// splits the pool over the loops, and serves the DB routes with the driver's counters in /debug/stats.
    @Test func serveCommandWithNativeDriver() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { mongod.stop() }
        let child = try VolleyServer.serve(["--model", "async", "--workers", "2", "--db-pool", "10", "--db-timeout", "2s",
                                      "--mongo-uri", "mongodb://127.0.0.1:\(mongod.port)/"])
        let client = try TestClient(port: child.port)
        client.send(get("/fetch"))
        #expect(client.readResponse().map { String(decoding: body($0.bytes), as: UTF8.self) } == "Hello, Pycon!")
        client.send(get("/multi?n=6&mode=gather"))
        #expect(client.readResponse().flatMap { worldRows(body($0.bytes)) }?.count == 6)
        let database = try #require(debugStats(port: child.port)?["database"] as? [String: Any])
        #expect(database["driver"] as? String == "native" && database["poolSize"] as? Int == 10)
        #expect((database["operations"] as? Int ?? 0) >= 7 && database["malformedReplies"] as? Int == 0, "\(database)")
        #expect((database["connections"] as? Int ?? 0) >= 1 && (database["connections"] as? Int ?? 99) <= 10, "\(database)")
        kill(child.process.processIdentifier, SIGTERM)
        #expect(child.waitForExit(seconds: 5) == 0)
        let message = child.errorText()
        #expect(message.contains("native driver: 10 connections over 2 loops, timeout 2s"), "\(message)")
    }

    /// Native driver: a database slower than `--db-timeout` gives 503 `database unavailable` after about the timeout, counted under `database.timeouts`.
    @Test func nativeTimeoutGives503() throws {
        let mongod = try MongodServer(options: MongodOptions(port: 0, latencyMillis: 1500, seed: true))
        defer { mongod.stop() }
        let database = try NativeMongoDatabase(uri: "mongodb://127.0.0.1:\(mongod.port)/", poolSize: 2, timeoutNanos: 200_000_000)
        let server = try RunningServer(.async, database: database)
        let start = Date()
        let response = try #require(try server.fetch(get("/db")))
        let elapsed = Date().timeIntervalSince(start)
        #expect(response.status == 503)
        #expect(String(decoding: body(response.bytes), as: UTF8.self) == "database unavailable\n")
        #expect(elapsed >= 0.2 && elapsed < 1.5, "answered after \(elapsed) s")
        #expect(database.statsFields.contains("\"timeouts\":1,"), "\(database.statsFields)")
    }
}
