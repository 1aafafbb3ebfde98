// The route table and the response encoder: what each route answers, byte for byte.

import Foundation
import HTTP1
@testable import RefServer
import Testing

@Suite struct RouterTests {
    /// A response's bytes: status line, the four headers in order, Connection only when it differs from the default.
    @Test func encodesHeadersInOrder() {
        let date = DateCache()
        let out = OutputBuffer()
        ResponseEncoder.encode(Router.hello, keepAlive: true, version: .http1_1, isHead: false, date: date, into: out)
        let text = String(decoding: out.bytes, as: UTF8.self)
        let dateText = String(decoding: date.value, as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nServer: volley\r\nDate: \(dateText)\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")
        out.removeAll()
        ResponseEncoder.encode(Router.json, keepAlive: false, version: .http1_1, isHead: true, date: date, into: out)
        #expect(String(decoding: out.bytes, as: UTF8.self).hasSuffix("Content-Length: 27\r\nConnection: close\r\n\r\n"))
        out.removeAll()
        ResponseEncoder.encode(Router.hello, keepAlive: true, version: .http1_0, isHead: false, date: date, into: out)
        #expect(String(decoding: out.bytes, as: UTF8.self).contains("Connection: keep-alive\r\n"))
    }

    /// The Date value is an IMF-fixdate (RFC 9110 §5.6.7) of the current second.
    @Test func dateFormat() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let before = formatter.string(from: Date())
        let cache = DateCache()
        let text = String(decoding: cache.value, as: UTF8.self)
        let after = formatter.string(from: Date())
        #expect(text == before || text == after)
    }

    /// Each route's plan: status and body for the immediate ones, the job for the others.
    @Test func plans() {
        let router = Router()
        func status(_ r: ServerRequest) -> Int? { if case .respond(let x) = router.plan(r) { x.status } else { nil } }
        #expect(status(ServerRequest(route: .root)) == 200)
        #expect(status(ServerRequest(route: .root, method: .post)) == 405)
        #expect(status(ServerRequest(route: .upload)) == 405)
        #expect(status(ServerRequest(route: .notFound)) == 404)
        #expect(status(ServerRequest(route: .sleep)) == 400)
        #expect(status(ServerRequest(route: .sleep, parameters: RouteParameters(ms: -1))) == 400)
        #expect(status(ServerRequest(route: .gzip, parameters: RouteParameters(kb: 0))) == 400)
        for route in [Route.fetch, .db, .queries, .multi] { #expect(status(ServerRequest(route: route)) == 503) }
        #expect(status(ServerRequest(route: .debugSlow)) == 501)
        if case .sleep(let ms, _) = router.plan(ServerRequest(route: .sleep, parameters: RouteParameters(ms: 7))) {
            #expect(ms == 7)
        } else { Issue.record("sleep") }
        if case .work(.cpu(let ms), let offload) = router.plan(ServerRequest(route: .cpuOffload, parameters: RouteParameters(ms: 3))) {
            #expect(ms == 3 && offload)
        } else { Issue.record("cpu-offload") }
    }

    /// A configured database backend gets the DB routes (via the work queue in async).
    @Test func databaseBackendPlugsIn() {
        struct Fake: DatabaseBackend {
            func respond(to request: DatabaseRequest) -> Response { Response(body: .text("rows \(request.count)")) }
            func worldRow(id: Int32) -> DatabaseRead { .failed(DatabaseAnswer.unavailable) }
            var isUnavailable: Bool { false }
        }
        let router = Router(database: Fake())
        guard case .work(let job, let offload) = router.plan(ServerRequest(route: .queries, parameters: RouteParameters(q: 4))) else {
            Issue.record("no job"); return
        }
        #expect(offload)
        #expect(job.run() == Response(body: .text("rows 4")))
    }

    /// /gzip's output is a gzip stream that inflates back to the sample, the same bytes each time.
    @Test func gzipIsDeterministic() {
        let a = Gzip.compressSample(kilobytes: 8)
        #expect(a == Gzip.compressSample(kilobytes: 8))
        #expect(a.prefix(3) == [0x1f, 0x8b, 8])
        #expect(a.count < 8 * 1024 / 2)
    }

    /// /upload's checksum is zlib's CRC-32.
    @Test func crcMatchesZlib() {
        let value = Array("123456789".utf8).withUnsafeBytes { crc32Update(0, $0) }
        #expect(value == 0xCBF4_3926)
    }
}
