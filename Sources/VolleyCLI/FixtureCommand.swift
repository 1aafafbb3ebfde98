import ArgumentParser
import Foundation
import PeerFixtures
import UVKit

/// `volley fixture`: a loopback HTTP server that behaves (or misbehaves) on purpose,
/// to see how a generator reports it.
struct FixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixture",
        abstract: "Serve a loopback HTTP fixture: ok, status:N, close, drop:N, delay:MS, precise:US, freeze:US:AFTER_MS:FOR_MS, capacity:N, chunked or silent."
    )

    @Option(name: .long, help: "How to answer: ok, status:N, close, drop:N, delay:MS, precise:US, freeze:US:AFTER_MS:FOR_MS, capacity:N, chunked, silent.")
    var behaviour: String = "ok"

    @Option(name: .long, help: "Address to listen on (loopback only).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port (0 picks a free one).")
    var port: UInt16 = 0

    func run() throws {
        guard let parsed = Self.parseBehaviour(behaviour) else {
            throw usageError("unknown behaviour '\(behaviour)' (ok, status:N, close, drop:N, delay:MS, precise:US, freeze:US:AFTER_MS:FOR_MS, capacity:N, chunked, silent)")
        }
        guard let address = try? SocketAddress.resolve(host: host, port: port), address.isLoopback else {
            throw usageError("the fixture listens on loopback only (127.0.0.1 or ::1), not '\(host)'")
        }
        let server: FixtureServer
        do { server = try FixtureServer(behaviour: parsed, host: host, port: port) } catch {
            throw usageError("cannot listen on \(host):\(port): \(error)")
        }
        let shownHost = address.isIPv6 ? "[\(address.numericHost)]" : address.numericHost
        print("listening on http://\(shownHost):\(server.port)/")
        fflush(nil)
        try waitForTerminationSignal()
        server.stop()
    }

    static func parseBehaviour(_ text: String) -> FixtureBehaviour? {
        let fields = text.split(separator: ":").map(String.init)
        let numbers = fields.dropFirst().compactMap { UInt64($0) }
        switch (fields.first ?? "", numbers.count == fields.count - 1 ? numbers : []) {
        case ("precise", let n) where n.count == 1: return .preciseDelay(microseconds: n[0])
        case ("freeze", let n) where n.count == 3: return .freeze(delayMicros: n[0], afterMillis: n[1], forMillis: n[2])
        case ("capacity", let n) where n.count == 1 && n[0] > 0: return .capacity(perSecond: n[0])
        default: break
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? UInt64(parts[1]) : nil
        switch (parts.first ?? "", argument) {
        case ("ok", nil): return .ok
        case ("close", nil): return .closeAfterEachResponse
        case ("chunked", nil): return .chunked
        case ("silent", nil): return .silent
        case ("status", let code?) where (100...599).contains(code): return .status(Int(code))
        case ("drop", let n?): return .dropAfter(responses: Int(n))
        case ("delay", let ms?): return .delay(milliseconds: ms)
        default: return nil
        }
    }
}
