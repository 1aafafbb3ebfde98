import Foundation
import MongoBackend
import MongoWire
import Testing
import UVKit

@Suite(.timeLimit(.minutes(1))) struct MongoBackendTests {
    /// Against the seeded server: the greeting, world rows, and several reads on one client.
    @Test func readsSeededData() throws {
        let server = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { server.stop() }
        let uri = "mongodb://127.0.0.1:\(server.port)/"
        try MongoBackend.checkReachable(uri: uri)
        let backend = try MongoBackend(uri: uri, maxClients: 4)
        try backend.ping()
        #expect(try backend.fetchGreeting() == Array("Hello, Pycon!".utf8))
        let row = try backend.worldRow(id: 42)
        #expect(row.id == 42)
        #expect((1...10_000).contains(row.randomNumber))
        let rows = try backend.withClient { (client) throws(MongoBackendError) in
            try [1, 5000, 10_000].map { (id) throws(MongoBackendError) in try client.worldRow(id: Int32(id)) }
        }
        #expect(rows.map(\.id) == [1, 5000, 10_000])
        let missing = #expect(throws: MongoBackendError.self) { try backend.worldRow(id: 10_001) }
        #expect(missing?.kind == .notFound)
    }

    /// Eight threads share a pool of four clients; every read is right.
    @Test func threadSafePool() throws {
        let server = try MongodServer(options: MongodOptions(port: 0, seed: true))
        defer { server.stop() }
        let backend = try MongoBackend(uri: "mongodb://127.0.0.1:\(server.port)/", maxClients: 4)
        let reference = try (1...200).map { try backend.worldRow(id: Int32($0)).randomNumber }
        let results = ResultsBox()
        let threads = (0..<8).map { worker in
            OSThread(name: "backend-\(worker)") {
                var ok = true
                for id in 1...200 {
                    ok = ok && (try? backend.worldRow(id: Int32(id)))?.randomNumber == reference[id - 1]
                }
                ok = ok && (try? backend.fetchGreeting()) == Array("Hello, Pycon!".utf8)
                results.set(worker, ok)
            }
        }
        threads.forEach { $0.join() }
        #expect(results.all(count: 8))
    }

    /// An unreachable database is a clear, quick error at start-up; a bad URI too.
    @Test func unreachableAndInvalid() throws {
        // A port that was free a moment ago: bind, read it, close.
        let port = try { () throws -> UInt16 in
            let server = try MongodServer(options: MongodOptions(port: 0))
            defer { server.stop() }
            return server.port
        }()
        let start = DispatchTime.now().uptimeNanoseconds
        let error = #expect(throws: MongoBackendError.self) {
            try MongoBackend.checkReachable(uri: "mongodb://127.0.0.1:\(port)/", timeoutMillis: 500)
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("unreachable") == true)
        #expect((DispatchTime.now().uptimeNanoseconds - start) < 3_000_000_000)
        let invalid = #expect(throws: MongoBackendError.self) { try MongoBackend(uri: "http://nope") }
        #expect(invalid?.kind == .invalidURI)
    }

    /// A pooled read while the database is gone fails as `.unavailable` within the selection timeout.
    @Test func lostDatabaseIsUnavailable() throws {
        var server: MongodServer? = try MongodServer(options: MongodOptions(port: 0, seed: true))
        let backend = try MongoBackend(uri: "mongodb://127.0.0.1:\(server!.port)/", serverSelectionTimeoutMS: 300)
        #expect(try backend.worldRow(id: 1).id == 1)
        server?.stop()
        server = nil
        let start = DispatchTime.now().uptimeNanoseconds
        let error = #expect(throws: MongoBackendError.self) { try backend.worldRow(id: 1) }
        #expect(error?.kind == .unavailable)
        #expect((DispatchTime.now().uptimeNanoseconds - start) < 3_000_000_000)
    }
}

@Suite(.timeLimit(.minutes(1))) struct MongoBackendRecoveryTests {
    /// After the database comes back on the same port, the pool serves again without a restart.
    @Test func recoversWhenDatabaseReturns() throws {
        var server: MongodServer? = try MongodServer(options: MongodOptions(port: 0, seed: true))
        let port = server!.port
        let backend = try MongoBackend(uri: "mongodb://127.0.0.1:\(port)/", serverSelectionTimeoutMS: 300)
        #expect(try backend.fetchGreeting() == Array("Hello, Pycon!".utf8))
        server?.stop()
        server = nil
        #expect(throws: MongoBackendError.self) { try backend.fetchGreeting() }
        server = try MongodServer(options: MongodOptions(port: port, seed: true))
        defer { server?.stop() }
        let start = DispatchTime.now().uptimeNanoseconds
        var recovered = false
        while !recovered, DispatchTime.now().uptimeNanoseconds - start < 15_000_000_000 {
            recovered = (try? backend.fetchGreeting()) == Array("Hello, Pycon!".utf8)
            if !recovered { usleep(50_000) }
        }
        #expect(recovered)
    }
}
