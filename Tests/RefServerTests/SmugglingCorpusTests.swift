// Every case of the smuggling corpus over real loopback sockets against both models:
// the statuses, nothing served beyond them, the close (or the connection still usable),
// and a fresh client served afterwards.

import Foundation
import HTTP1
@testable import RefServer
import TestSupport
import Testing

/// A request whose answer is unlike any corpus response, to prove nothing was queued before it.
let probeRequest = "GET /sleep?ms=0 HTTP/1.1\r\nHost: a\r\n\r\n"

@Suite(.serialized) struct SmugglingCorpusTests {
    /// The corpus file is there and holds at least 40 cases with distinct names.
    @Test func corpusIsComplete() {
        let names = Corpus.cases.map(\.name)
        #expect(names.count >= 40, "\(Corpus.url.path)")
        #expect(Set(names).count == names.count)
    }

    /// Every corpus case, whole and (small ones) byte by byte, against one server of each
    /// model: exactly the statuses listed, the close or a usable connection, and the next
    /// client served.
    @Test(arguments: ServerModel.allCases)
    func corpus(_ model: ServerModel) throws {
        let server = try RunningServer(model)
        for entry in Corpus.cases {
            for byteByByte in entry.sendsByteByByte ? [false, true] : [false] {
                let label = "\(model) \(byteByByte ? "byte by byte" : "whole"): \(entry.name)"
                try check(entry, on: server, byteByByte: byteByByte, label)
            }
        }
    }

    func check(_ entry: CorpusCase, on server: RunningServer, byteByByte: Bool, _ label: String) throws {
        let client = try TestClient(port: server.port, timeoutMillis: 2000)
        client.send(entry.bytes, byteByByte: byteByByte)
        var statuses: [Int] = []
        var received: [UInt8] = []
        var lastKeepAlive = true
        for _ in entry.responses {
            guard let response = client.readResponse() else { break }
            statuses.append(response.status)
            received += response.bytes
            lastKeepAlive = response.keepAlive
        }
        #expect(statuses == entry.responses, "\(label)")
        let text = String(decoding: received, as: UTF8.self)
        if let needle = entry.contains { #expect(text.contains(needle), "\(label): \(text)") }
        if let needle = entry.absent { #expect(!text.contains(needle), "\(label): \(text)") }
        if entry.close {
            #expect(!lastKeepAlive, "\(label): the last answer should say Connection: close")
            #expect(client.isClosedByServer(), "\(label): should be closed, with nothing more sent")
        } else {
            #expect(lastKeepAlive, "\(label)")
            client.send(probeRequest)
            let probe = client.readResponse().map { String(decoding: $0.bytes, as: UTF8.self) }
            #expect(probe?.hasSuffix("slept 0 ms\n") == true, "\(label): the next answer is not the probe's: \(probe ?? "none")")
        }
        #expect(try server.fetch(get("/"))?.status == 200, "\(label): next client")
    }
}
