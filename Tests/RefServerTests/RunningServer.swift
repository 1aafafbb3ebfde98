import Foundation
@testable import RefServer
import TestSupport

/// A server of either model on a free port, stopped at the end of the test.
final class RunningServer {
    let server: any ReferenceServer
    var port: UInt16 { server.port }

    init(_ model: ServerModel, database: (any DatabaseBackend)? = nil, configure: (inout ServerOptions) -> Void = { _ in }) throws {
        var options = ServerOptions(model: model, port: 0, workers: 1, threads: 8)
        configure(&options)
        server = try startServer(options, database: database)
    }

    deinit {
        server.beginShutdown()
        if !waitUntil(seconds: 3, pollEvery: 0.002, { server.isStopped }) {
            server.forceStop()
            waitUntil(seconds: 0.5, pollEvery: 0.002) { server.isStopped }
        }
        if server.isStopped { server.join() }
    }

    /// One of the server's counters summed over its threads (they count as they go, so a test can
    /// wait on one instead of sleeping).
    func count(_ counter: KeyPath<ThreadStats, Counter>) -> Int {
        let stats = (server as? AsyncServer)?.stats ?? (server as? SyncServer)?.stats
        return stats?.threads.reduce(0) { $0 + $1[keyPath: counter].current } ?? -1
    }

    /// Waits until the server has read `request` (its bytesIn grew by its size since `before`):
    /// the request is being handled.
    @discardableResult
    func waitUntilRead(_ request: String, since before: Int, seconds: Double = 3) -> Bool {
        waitUntil(seconds: seconds, pollEvery: 0.001) { count(\.bytesIn) >= before + request.utf8.count }
    }

    /// One request on a fresh connection; the response's status and bytes.
    func fetch(_ request: String, head: Bool = false) throws -> (status: Int, bytes: [UInt8])? {
        let client = try TestClient(port: port)
        client.send(request)
        return client.readResponse(head: head).map { ($0.status, $0.bytes) }
    }
}
