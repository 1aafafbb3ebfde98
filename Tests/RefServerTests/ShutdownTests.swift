// `volley serve` as a child process: SIGTERM under a bounded load drops no request in
// flight and exits 0 within the grace period.

import Foundation
@testable import RefServer
import Synchronization
import Testing
import TestSupport

/// What the load clients saw.
final class Tally: Sendable {
    let ok = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let closedCleanly = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
}

@Suite(.serialized) struct ShutdownTests {
    /// The ready line names the model and the port, and the server answers on it.
    @Test(arguments: ServerModel.allCases)
    func readyLine(_ model: ServerModel) throws {
        let server = try VolleyServer.serve(["--model", model.rawValue, "--threads", "4"])
        let size = model == .async ? "1 worker" : "4 threads"
        #expect(server.firstLine == "listening on http://127.0.0.1:\(server.port)/ (model \(model.rawValue), \(size))\n")
        let client = try TestClient(port: server.port)
        client.send(get("/health"))
        #expect(client.readResponse()?.status == 200)
    }

    /// --access-log writes one line per request to standard error.
    @Test func accessLog() throws {
        let server = try VolleyServer.serve(["--model", "async", "--access-log"])
        let client = try TestClient(port: server.port)
        client.send(get("/json?x=1"))
        #expect(client.readResponse()?.status == 200)
        client.send(get("/nope"))
        #expect(client.readResponse()?.status == 404)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 3) == 0)
        let log = server.errorText()
        #expect(log == "GET /json?x=1 HTTP/1.1 200\nGET /nope HTTP/1.1 404\n")
    }

    /// Bad flags and a non-loopback host exit 2 with a message.
    @Test(arguments: [
        (["--model", "threads"], "model"),
        (["--host", "0.0.0.0"], "loopback"),
        (["--workers", "0"], "workers"),
        (["--header-timeout", "soon"], "header-timeout"),
        (["--max-body", "lots"], "max-body"),
    ])
    func badArgumentsExitTwo(arguments: [String], mentions: String) throws {
        let process = Process()
        process.executableURL = volleyExecutable()
        process.arguments = ["serve", "--port", "0"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        if waitForExit(process, seconds: 5) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text.contains(mentions))
    }

    /// SIGTERM while clients keep sending: every request sent gets its whole answer (the
    /// last ones with Connection: close), a long one in flight finishes, exit code 0.
    @Test(arguments: ServerModel.allCases)
    func sigtermDropsNothing(_ model: ServerModel) throws {
        let server = try VolleyServer.serve(["--model", model.rawValue, "--threads", "16", "--grace", "3s"])
        #expect(server.port != 0)
        let tally = Tally()
        let port = server.port
        let clients = 6
        // One long request in flight when the signal comes: sent first, and known to be read once
        // the server's bytesIn counts it beside the /debug/stats requests that ask.
        let long = try TestClient(port: port)
        let longRequest = get("/sleep?ms=800")
        long.send(longRequest)
        var asked = 0
        let longRead = waitUntil(seconds: 3) {
            guard let bytesIn = debugStats(port: port)?["bytesIn"] as? Int else { return false }
            asked += 1
            return bytesIn >= asked * get("/debug/stats").utf8.count + longRequest.utf8.count
        }
        #expect(longRead, "\(model): the server did not read the long request")
        for _ in 0..<clients {
            let thread = Thread {
                defer { tally.finished.add(1, ordering: .relaxed) }
                guard let client = try? TestClient(port: port) else { tally.dropped.add(1, ordering: .relaxed); return }
                // Bounded: at most 200 requests of 20 ms each (4 s), far beyond the SIGTERM.
                for _ in 0..<200 {
                    client.send(get("/sleep?ms=20"))
                    guard let response = client.readResponse() else { tally.dropped.add(1, ordering: .relaxed); return }
                    if response.status == 200 { tally.ok.add(1, ordering: .relaxed) }
                    if !response.keepAlive {
                        if client.isClosedByServer() { tally.closedCleanly.add(1, ordering: .relaxed) }
                        return
                    }
                }
            }
            thread.start()
        }
        // The signal comes under a steady load: the clients have been answered for a while (five
        // answers each on average, about 100 ms), the long request is still in flight.
        #expect(waitUntil(seconds: 3) { tally.ok.load(ordering: .relaxed) >= clients * 5 }, "\(model): the clients' load did not start")
        let start = Date()
        kill(server.process.processIdentifier, SIGTERM)
        let longResponse = long.readResponse()
        let code = server.waitForExit(seconds: 4)
        let elapsed = Date().timeIntervalSince(start)
        waitUntil(seconds: 3) { tally.finished.load(ordering: .relaxed) == clients }
        #expect(code == 0)
        #expect(elapsed < 3.5)
        #expect(longResponse?.status == 200)
        #expect(longResponse?.keepAlive == false)
        #expect(tally.dropped.load(ordering: .relaxed) == 0)
        #expect(tally.closedCleanly.load(ordering: .relaxed) == clients)
        #expect(tally.ok.load(ordering: .relaxed) >= clients * 5)
    }
}
