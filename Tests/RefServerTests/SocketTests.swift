// Both models over real loopback sockets: every rejection vector (whole and byte by
// byte), identical bytes on every route, pipelining, slowloris.

import Foundation
import HTTP1
@testable import RefServer
import TestSupport
import Testing

/// Small limits so that the limit vectors stay small enough to send byte by byte.
func testOptions(_ options: inout ServerOptions) {
    options.limits = RequestLimits(maxRequestLineBytes: 100, maxHeaderBytes: 600, maxHeaderCount: 8)
    options.maxBodyBytes = 1000
}

struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var status: Int
    var testDescription: String { name }
}

let rejections: [Rejection] = [
    Rejection(name: "missing Host in 1.1", input: "GET / HTTP/1.1\r\n\r\n", status: 400),
    Rejection(name: "duplicate Host", input: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
    Rejection(name: "whitespace before colon", input: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400),
    Rejection(name: "obs-fold", input: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", status: 400),
    Rejection(name: "Content-Length with Transfer-Encoding",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400),
    Rejection(name: "differing Content-Lengths",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", status: 400),
    Rejection(name: "invalid Content-Length", input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\n", status: 400),
    Rejection(name: "last transfer coding not chunked",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", status: 400),
    Rejection(name: "bad chunk size",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n", status: 400),
    Rejection(name: "bare CR in a field", input: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", status: 400),
    Rejection(name: "bare LF line ends", input: "GET / HTTP/1.1\nHost: a\n\n", status: 400),
    Rejection(name: "unknown method", input: "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", status: 501),
    Rejection(name: "HTTP/2.0 request line", input: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505),
    Rejection(name: "request line too long", input: "GET /\(String(repeating: "a", count: 120)) HTTP/1.1\r\nHost: a\r\n\r\n", status: 414),
    Rejection(name: "header section too large",
              input: "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "b", count: 640))\r\n\r\n", status: 431),
    Rejection(name: "too many header fields",
              input: "GET / HTTP/1.1\r\nHost: a\r\n" + (1...9).map { "X-\($0): v\r\n" }.joined() + "\r\n", status: 431),
    Rejection(name: "body too large (Content-Length)",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", status: 413),
    Rejection(name: "body too large (chunked)",
              input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", status: 413),
]

@Suite(.serialized) struct SocketTests {
    /// Each rejection, whole and byte by byte, to both models: its status, Connection: close,
    /// the connection closed, and the next client still served.
    @Test(arguments: rejections)
    func rejectionOverSocket(_ r: Rejection) throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model, configure: testOptions)
            for byteByByte in [false, true] {
                let client = try TestClient(port: server.port)
                client.send(r.input, byteByByte: byteByByte)
                let response = client.readResponse()
                let label = "\(model) \(byteByByte ? "byte by byte" : "whole")"
                #expect(response?.status == r.status, "\(label)")
                #expect(response?.keepAlive == false, "\(label)")
                #expect(client.isClosedByServer(), "\(label)")
                #expect(try server.fetch(get("/"))?.status == 200, "\(label): next client")
            }
        }
    }

    /// Both models answer every route with the same bytes (Date masked), HEAD and HTTP/1.0 included.
    @Test func identicalBytes() throws {
        let requests = [
            get("/"), get("/plaintext"), get("/json"), get("/health"), get("/sleep?ms=5"), get("/cpu?ms=2"),
            get("/cpu-offload?ms=2"), get("/gzip?kb=2"), get("/gzip?kb=2&offload=1"), get("/fetch"), get("/db"),
            get("/queries?q=3"), get("/multi?n=2&mode=gather"), get("/debug/slow"), get("/debug/profile?seconds=0"),
            get("/debug/profile?seconds=1&format=pprof"),
            get("/nope"), get("/sleep?ms=abc"), get("/gzip?kb=99999"),
            "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx", get("/upload"),
            "GET /json HTTP/1.0\r\n\r\n", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            get("/", "Connection: close\r\n"),
        ]
        let a = try RunningServer(.async, configure: testOptions)
        let s = try RunningServer(.sync, configure: testOptions)
        for request in requests {
            let x = try a.fetch(request)
            let y = try s.fetch(request)
            #expect(x != nil && y != nil, "\(request)")
            #expect(maskingDate(x?.bytes ?? []) == maskingDate(y?.bytes ?? []), "\(request)")
            let masked = maskingDate(x?.bytes ?? [])
            #expect(masked.contains("\r\nDate: <date>\r\nContent-Type: "), "\(request)")
        }
        let head = "HEAD /json HTTP/1.1\r\nHost: a\r\n\r\n"
        let x = try a.fetch(head, head: true), y = try s.fetch(head, head: true)
        #expect(x != nil && maskingDate(x?.bytes ?? []) == maskingDate(y?.bytes ?? []))
        let headText = maskingDate(x?.bytes ?? [])
        #expect(headText.hasSuffix("Content-Length: 27\r\n\r\n"))
    }

    /// Pipelined requests, including a slow one first, come back in order on one connection.
    @Test func pipeliningInOrder() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model)
            let client = try TestClient(port: server.port)
            client.send(get("/sleep?ms=30") + get("/json") + get("/cpu-offload?ms=1") + get("/plaintext"))
            let bodies = (0..<4).map { _ in client.readResponse().map { String(decoding: $0.bytes, as: UTF8.self) } ?? "" }
            #expect(bodies[0].hasSuffix("slept 30 ms\n"), "\(model)")
            #expect(bodies[1].hasSuffix("{\"message\":\"Hello, World!\"}"), "\(model)")
            #expect(bodies[2].hasSuffix("burned 1 ms\n"), "\(model)")
            #expect(bodies[3].hasSuffix("Hello, World!"), "\(model)")
        }
    }

    /// A client that never finishes its head gets 408 and is closed after the header
    /// timeout, while another client is served all along.
    @Test func slowlorisIsClosed() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model) { $0.headerTimeoutMillis = 300 }
            let slow = try TestClient(port: server.port)
            let start = Date()
            slow.send("GET / HTTP/1.1\r\nHost: a\r\n")
            let other = try TestClient(port: server.port)
            var served = 0
            for _ in 0..<5 {
                other.send(get("/"))
                if other.readResponse()?.status == 200 { served += 1 }
                // Spread over the header timeout on purpose: `other` is served all along, not only at first.
                usleep(50_000)
            }
            #expect(served == 5, "\(model)")
            let response = slow.readResponse()
            let elapsed = Date().timeIntervalSince(start)
            #expect(response?.status == 408, "\(model)")
            #expect(slow.isClosedByServer(), "\(model)")
            #expect(elapsed >= 0.25 && elapsed < 2, "\(model): closed after \(elapsed) s")
            other.send(get("/json"))
            #expect(other.readResponse()?.status == 200, "\(model): still served")
        }
    }

    /// A client still sending a refused body reads the 413, then a clean end of stream: the
    /// server half-closes and drains (lingering close) instead of resetting, since a reset
    /// can destroy an answer still on its way.
    @Test func refusedUploadStillGetsTheAnswer() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model, configure: testOptions)
            let client = try TestClient(port: server.port)
            let body = [UInt8](repeating: 0x61, count: 8 << 20)
            client.send(Array("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
            let response = client.readResponse()
            #expect(response?.status == 413, "\(model)")
            #expect(client.isClosedCleanly(), "\(model)")
        }
    }

    /// With two async workers on one port (SO_REUSEPORT) every connection is served and
    /// the stats count both threads.
    @Test func twoWorkersShareThePort() throws {
        let server = try RunningServer(.async) { $0.workers = 2 }
        var clients: [TestClient] = []
        for _ in 0..<16 {
            let client = try TestClient(port: server.port)
            client.send(get("/json"))
            #expect(client.readResponse()?.status == 200)
            clients.append(client)
        }
        let stats = try server.fetch(get("/debug/stats")).map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        #expect(stats.contains("\"threads\":2"))
        #expect(stats.contains("\"/json\":{\"200\":16}"))
    }

    /// A keep-alive connection left idle is closed after the idle timeout, by both models.
    @Test func idleConnectionIsClosed() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model) { $0.idleTimeoutMillis = 200 }
            let client = try TestClient(port: server.port)
            client.send(get("/"))
            #expect(client.readResponse()?.keepAlive == true, "\(model)")
            let start = Date()
            #expect(client.isClosedByServer(), "\(model)")
            let elapsed = Date().timeIntervalSince(start)
            #expect(elapsed >= 0.15 && elapsed < 2, "\(model): closed after \(elapsed) s")
        }
    }

    /// A second async server on a port already taken fails instead of sharing it through SO_REUSEPORT.
    @Test func portInUseIsRefused() throws {
        let first = try RunningServer(.async)
        #expect(throws: (any Error).self) {
            _ = try startServer(ServerOptions(model: .async, port: first.port))
        }
        #expect(try first.fetch(get("/"))?.status == 200)
    }

    /// /debug/stats counts requests by route and status, and open connections.
    @Test func statsCount() throws {
        for model in ServerModel.allCases {
            let server = try RunningServer(model)
            let client = try TestClient(port: server.port)
            for _ in 0..<3 { client.send(get("/json")); _ = client.readResponse() }
            client.send(get("/nope")); _ = client.readResponse()
            client.send(get("/debug/stats"))
            let text = client.readResponse().map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
            #expect(text.contains("\"/json\":{\"200\":3}"), "\(model): \(text)")
            #expect(text.contains("\"(not found)\":{\"404\":1}"), "\(model)")
            #expect(text.contains("\"openConnections\":1"), "\(model)")
        }
    }
}
