import ArgumentParser
import Foundation
import MongoWire
import UVKit

/// `volley mongod`: a mongod-compatible server (in memory) for the MongoDB-backed routes,
/// since no real MongoDB can be installed here. Works with libmongoc and pymongo.
struct MongodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mongod",
        abstract: "Serve a mongod-compatible in-memory database on loopback (OP_MSG, libmongoc and pymongo)."
    )

    @Option(name: .long, help: "Address to listen on (loopback only).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port (0 picks a free one).")
    var port: UInt16 = 27017

    @Option(name: .long, help: "Delay each reply by this much (e.g. 500us, 1ms, 2ms; at most 10s), to model a network hop.")
    var latency: String = "0ms"

    @Flag(name: .long, help: "Load test.greetings and hello_world.world (ids 1..10000).")
    var seed = false

    func run() throws {
        let nanos = try QuantityFlag.duration(latency, flag: "--latency", minimum: 0, examples: "0ms, 500us, 1ms")
        guard nanos <= 10_000_000_000 else {
            throw usageError("--latency must be at most 10s, not '\(latency)'")
        }
        guard let address = try? SocketAddress.resolve(host: host, port: port), address.isLoopback else {
            throw usageError("volley mongod listens on loopback only (127.0.0.1 or ::1), not '\(host)'")
        }
        let server: MongodServer
        do {
            server = try MongodServer(options: MongodOptions(host: host, port: port, latencyNanos: nanos, seed: seed))
        } catch {
            throw usageError("cannot listen on \(host):\(port): \(error)")
        }
        let shownHost = address.isIPv6 ? "[\(address.numericHost)]" : address.numericHost
        print("listening on mongodb://\(shownHost):\(server.port)")
        fflush(nil)
        try waitForTerminationSignal()
        server.stop()
    }
}
