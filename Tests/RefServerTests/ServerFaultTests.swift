// Faults for the servers over loopback: peers that trickle heads, disconnect in the middle
// of a request or of its answer, and a SIGTERM while such peers hold connections.

import Foundation
@testable import RefServer
import TestSupport
import Testing

@Suite(.serialized) struct ServerFaultTests {
    /// A slowloris peer that sends a byte more often than the server's read tick is still
    /// answered 408 and closed after the header timeout, by both models.
    @Test(arguments: ServerModel.allCases)
    func drippingSlowlorisTimesOut(_ model: ServerModel) throws {
        let server = try RunningServer(model) { $0.headerTimeoutMillis = 300 }
        let client = try TestClient(port: server.port)
        let start = Date()
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "z"), count: 200)
        var answered = false
        for byte in head {
            client.send([byte])
            var poller = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 20) > 0 { answered = true; break }   // a byte every ~20 ms, 4 s at most
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(answered, "\(model): no answer while dripping for \(elapsed) s")
        #expect(client.readResponse()?.status == 408, "\(model)")
        #expect(elapsed >= 0.25 && elapsed < 1.5, "\(model): answered after \(elapsed) s")
    }

    /// The header timeout counts from the start of each head: a keep-alive client sending
    /// requests back to back for longer than it, each read ending halfway into the next
    /// request, is never refused.
    @Test(arguments: ServerModel.allCases)
    func busyKeepAliveIsNotTimedOut(_ model: ServerModel) throws {
        let server = try RunningServer(model) { $0.headerTimeoutMillis = 300 }
        let client = try TestClient(port: server.port)
        let request = Array(get("/json").utf8)
        let half = request.count / 2
        client.send(Array(request[..<half]))
        var statuses: [Int] = []
        let start = Date()
        while Date().timeIntervalSince(start) < 0.9 {
            // The pace is the behaviour under test (one request every 30 ms for longer than the
            // header timeout, each read ending halfway into the next), not a wait.
            usleep(30_000)
            client.send(Array(request[half...]) + Array(request[..<half]))   // this one's end, the next one's start
            statuses.append(client.readResponse()?.status ?? 0)
            if statuses.last != 200 { break }
        }
        #expect(statuses.count >= 10 && statuses.allSatisfy { $0 == 200 }, "\(model): \(statuses)")
    }

    /// Clients that go away in the middle of a head, a body, a /sleep, queued /cpu-offload
    /// and /gzip work, or a long answer (with a FIN, then with a reset): no crash, the open
    /// connection count returns to its baseline, and the server still serves every kind of route.
    @Test(arguments: ServerModel.allCases)
    func disconnectsMidRequestAndMidResponse(_ model: ServerModel) throws {
        let server = try RunningServer(model) { $0.threads = 32 }
        let port = server.port
        #expect(waitForOpenConnections(port: port, 1) == 1, "\(model): baseline")
        let partial = [
            "GET /json HTTP/1.1\r\nHost: a\r\nX-Half: ",
            "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n0123456789",
            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
        ]
        // More /cpu-offload jobs than the work queue has threads (4), so some wait in its queue.
        let busy = [get("/sleep?ms=800"), get("/gzip?kb=4096&offload=1")] + Array(repeating: get("/cpu-offload?ms=250"), count: 8)
        let pipelined = Array(String(repeating: get("/json"), count: 20_000).utf8)
        for reset in [false, true] {
            let label = "\(model), \(reset ? "reset" : "FIN")"
            var fds = (partial + busy).compactMap { connectAndSend(Array($0.utf8), port: port) }
            #expect(fds.count == partial.count + busy.count, "\(label)")
            // A long answer the client stops reading: a small receive buffer, 20,000 pipelined requests.
            if let fd = openIdleConnections(1, port: port).first {
                var small: Int32 = 4096
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
                var offset = 0
                let deadline = Date().addingTimeInterval(1)
                while offset < pipelined.count && Date() < deadline {
                    let n = pipelined[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    if n > 0 { offset += n } else { usleep(1_000) }   // full: the server has not read yet; look again
                    if offset > 64 * 1024 { break }   // the server is answering by now
                }
                var some = [UInt8](repeating: 0, count: 1024)
                #expect(recv(fd, &some, some.count, 0) > 0, "\(label): the long answer started")
                fds.append(fd)
            }
            // Every connection has reached the server (its requests were sent before it connected).
            var open = 0
            waitUntil(seconds: 3) {
                open = openConnections(port: port) ?? 0
                return open >= fds.count + 1
            }
            #expect(open >= fds.count + 1, "\(label): all connected")
            let closing = Date()
            closeAll(fds, reset: reset)
            #expect(waitForOpenConnections(port: port, 1) == 1, "\(label): back to the baseline")
            print("fault: disconnects \(label): \(open) open before, baseline 1 again after "
                  + String(format: "%.2f s", Date().timeIntervalSince(closing)))
        }
        let client = try TestClient(port: port)
        for path in ["/", "/sleep?ms=10", "/cpu-offload?ms=5", "/gzip?kb=8&offload=1"] {
            client.send(get(path))
            #expect(client.readResponse()?.status == 200, "\(model): \(path) after the disconnects")
        }
    }

    /// SIGTERM while slowloris peers trickle heads and idle peers wait: the server refuses the
    /// unfinished heads once half the grace period is gone and exits 0 within the grace
    /// period, on its own (it does not need to force the connections closed).
    @Test(arguments: ServerModel.allCases)
    func sigtermWithSlowlorisExitsWithinGrace(_ model: ServerModel) throws {
        raiseOpenFileLimit()
        let server = try VolleyServer.serve(["--model", model.rawValue, "--threads", "32", "--grace", "2s"])
        #expect(server.port != 0)
        let idleCount = model == .async ? 500 : 16
        let idle = try IdleHolder(idleCount, port: server.port)
        defer { idle.stop() }
        let slowloris = Slowloris(count: 6, port: server.port, everyMillis: 50)
        defer { slowloris.stop() }
        let expected = idleCount + 6 + 1
        #expect(waitForOpenConnections(port: server.port, expected) == expected, "\(model): all connected")
        // The slowloris heads are under way: each connection has dripped a few bytes.
        #expect(waitUntil(seconds: 3) { slowloris.sent.load(ordering: .relaxed) >= 6 * 4 }, "\(model): slowloris started")
        let start = Date()
        kill(server.process.processIdentifier, SIGTERM)
        let code = server.waitForExit(seconds: 4)
        let elapsed = Date().timeIntervalSince(start)
        #expect(code == 0, "\(model)")
        #expect(elapsed < 2.0, "\(model): exited after \(elapsed) s, grace 2 s")
        slowloris.stop()
        let log = server.errorText()
        #expect(!log.contains("grace period over"), "\(model): \(log)")
        print("fault: sigterm \(model): exit \(code.map(String.init) ?? "none") after \(String(format: "%.2f", elapsed)) s with \(idle.count) idle and 6 slowloris connections")
    }
}
