// What distinguishes the models, observed from outside: the loop sleeps many requests at
// once with timers, /cpu blocks the loop, /cpu-offload does not.

import Foundation
@testable import RefServer
import TestSupport
import Testing

@Suite(.serialized) struct ModelBehaviourTests {
    /// Twenty concurrent /sleep?ms=200 on one async worker finish together (timers), not one after another.
    @Test func sleepsOverlapOnOneLoop() throws {
        let server = try RunningServer(.async)
        let clients = try (0..<20).map { _ in try TestClient(port: server.port) }
        let start = Date()
        for client in clients { client.send(get("/sleep?ms=200")) }
        let statuses = clients.map { $0.readResponse()?.status }
        let elapsed = Date().timeIntervalSince(start)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(elapsed >= 0.19 && elapsed < 2.0, "took \(elapsed) s (serial would be 4 s)")
    }

    /// /cpu holds the loop: a /health sent meanwhile waits for it; /cpu-offload does not hold it.
    @Test func cpuBlocksTheLoopAndOffloadDoesNot() throws {
        let server = try RunningServer(.async)
        func healthDelay(behind path: String) throws -> TimeInterval {
            let busy = try TestClient(port: server.port)
            let probe = try TestClient(port: server.port)
            let before = server.count(\.bytesIn)
            busy.send(get(path))
            #expect(server.waitUntilRead(get(path), since: before), "\(path) was not read")
            let start = Date()
            probe.send(get("/health"))
            #expect(probe.readResponse()?.status == 200)
            let delay = Date().timeIntervalSince(start)
            #expect(busy.readResponse()?.status == 200)
            return delay
        }
        let blocked = try healthDelay(behind: "/cpu?ms=400")
        let free = try healthDelay(behind: "/cpu-offload?ms=400")
        #expect(blocked >= 0.25, "/health behind /cpu took \(blocked) s")
        #expect(free < blocked, "/health behind /cpu-offload took \(free) s, behind /cpu \(blocked) s")
    }

    /// 100-continue gets its interim answer before the body, in both models alike.
    @Test func expectContinue() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model)
            let client = try TestClient(port: server.port)
            client.send("POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
            var interim = [UInt8](repeating: 0, count: 25)
            let n = recv(client.fd, &interim, interim.count, Int32(MSG_WAITALL))
            #expect(n == 25 && String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n", "\(model)")
            client.send("ok")
            let response = client.readResponse().map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
            #expect(response.hasSuffix("{\"size\":2,\"crc32\":\"79dcdd47\"}"), "\(model)")   // zlib.crc32(b"ok")
        }
    }
}
