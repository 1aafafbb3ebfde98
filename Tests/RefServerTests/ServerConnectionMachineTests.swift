// The shared connection state machine without sockets: bytes in (whole, byte by byte,
// split anywhere), actions out.

import HTTP1
@testable import RefServer
import TestSupport
import Testing

/// Feeds `text` in reads of the given lengths and collects every action until `.needMore`
/// after the last read (and, with `eof`, what follows the peer's close). A `.request` is
/// answered at once with keep-alive as the request asked.
func actions(_ text: String, lengths: [Int]? = nil, eof: Bool = false,
             machine: inout ServerConnectionMachine) -> [ServerAction] {
    let bytes = Array(text.utf8)
    var result: [ServerAction] = []
    func drain(_ machine: inout ServerConnectionMachine) {
        while true {
            let action = machine.next()
            if action == .needMore { return }
            result.append(action)
            if case .request(let request) = action { machine.responseSent(keepAlive: request.keepAlive); continue }
            if action == .sendContinue { continue }
            return
        }
    }
    var start = 0
    for length in lengths ?? [bytes.count] {
        bytes[start..<(start + length)].withUnsafeBytes { machine.receive($0) }
        start += length
        drain(&machine)
        if result.last == .close || { if case .reject = result.last { true } else { false } }() { return result }
    }
    if eof { machine.receiveEOF(); drain(&machine) }
    return result
}

func actions(_ text: String, lengths: [Int]? = nil, eof: Bool = false, maxBody: Int = 1 << 20) -> [ServerAction] {
    var machine = ServerConnectionMachine(limits: RequestLimits(maxRequestLineBytes: 200, maxHeaderBytes: 1000, maxHeaderCount: 8),
                                          maxBodyBytes: maxBody)
    return actions(text, lengths: lengths, eof: eof, machine: &machine)
}

/// Every way to cut `count` bytes the tests use: whole, byte by byte, split at each place.
func allCuts(_ count: Int) -> [[Int]] {
    var cuts = [[count], Array(repeating: 1, count: count)]
    for k in stride(from: 1, to: count, by: 1) { cuts.append([k, count - k]) }
    return cuts
}

struct MachineCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var expected: [ServerAction]
    var eof = false
    var maxBody = 1 << 20
    var testDescription: String { name }
}

func request(_ route: Route, method: RequestMethod = .get, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
             _ parameters: RouteParameters = RouteParameters(), body: String? = nil) -> ServerAction {
    var crc: UInt32 = 0
    if let body { crc = Array(body.utf8).withUnsafeBytes { crc32Update(0, $0) } }
    return .request(ServerRequest(route: route, method: method, version: version, keepAlive: keepAlive,
                                  parameters: parameters, bodyBytes: body?.utf8.count ?? 0, bodyCRC32: crc))
}

let machineCases: [MachineCase] = [
    MachineCase(name: "one GET", input: get("/"), expected: [request(.root)]),
    MachineCase(name: "three pipelined, answered in order", input: get("/json") + get("/sleep?ms=5") + get("/plaintext"),
                expected: [request(.json), request(.sleep, RouteParameters(ms: 5)), request(.plaintext)]),
    MachineCase(name: "Connection: close ends the connection",
                input: get("/", "Connection: close\r\n") + get("/json"),
                expected: [request(.root, keepAlive: false), .close]),
    MachineCase(name: "HTTP/1.0 closes by default", input: "GET /json HTTP/1.0\r\n\r\n",
                expected: [request(.json, version: .http1_0, keepAlive: false), .close]),
    MachineCase(name: "HTTP/1.0 keep-alive", input: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                expected: [request(.root, version: .http1_0)]),
    MachineCase(name: "Content-Length body", input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get("/"),
                expected: [request(.upload, method: .post, body: "hello"), request(.root)]),
    MachineCase(name: "chunked body with extension and trailer",
                input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n" + get("/"),
                expected: [request(.upload, method: .post, body: "hello!"), request(.root)]),
    MachineCase(name: "Expect: 100-continue", input: "POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
                expected: [.sendContinue, request(.upload, method: .post, body: "ok")]),
    MachineCase(name: "body over the limit (Content-Length) → 413",
                input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
                expected: [.reject(status: 413, reason: "request body larger than 10 bytes")], maxBody: 10),
    MachineCase(name: "body over the limit (chunked) → 413",
                input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n",
                expected: [.reject(status: 413, reason: "request body larger than 10 bytes")], maxBody: 10),
    MachineCase(name: "bad chunk size → 400",
                input: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                expected: [.reject(status: 400, reason: "invalid chunked body: invalid chunk size line")]),
    MachineCase(name: "missing Host → 400", input: "GET / HTTP/1.1\r\n\r\n",
                expected: [.reject(status: 400, reason: "missing Host")]),
    MachineCase(name: "unknown method → 501", input: "BREW / HTTP/1.1\r\nHost: a\r\n\r\n",
                expected: [.reject(status: 501, reason: "method not implemented")]),
    MachineCase(name: "EOF after a complete request closes after it", input: get("/health"),
                expected: [request(.health), .close], eof: true),
    MachineCase(name: "EOF inside a head closes quietly", input: "GET / HTTP/1.1\r\nHo",
                expected: [.close], eof: true),
    MachineCase(name: "EOF inside a body closes quietly", input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nab",
                expected: [.close], eof: true),
    MachineCase(name: "query parameters", input: get("/gzip?kb=3&offload=1") + get("/multi?n=4&mode=gather") + get("/queries?q=7"),
                expected: [request(.gzip, RouteParameters(kb: 3, offload: 1)), request(.multi, RouteParameters(n: 4, gather: true)),
                           request(.queries, RouteParameters(q: 7))]),
    MachineCase(name: "profile parameters",
                input: get("/debug/profile?seconds=2&format=svg") + get("/debug/profile?format=pprof&seconds=x")
                    + get("/debug/profile?format=speedscope") + get("/debug/profile"),
                expected: [request(.debugProfile, RouteParameters(seconds: 2, format: 2)),
                           request(.debugProfile, RouteParameters(seconds: -1, format: -1)),
                           request(.debugProfile, RouteParameters(format: 1)), request(.debugProfile)]),
    MachineCase(name: "absolute-form target", input: "GET http://a/json HTTP/1.1\r\nHost: a\r\n\r\n",
                expected: [request(.json)]),
]

@Suite struct ServerConnectionMachineTests {
    /// Each case gives the same actions whole, byte by byte and split at every position.
    @Test(arguments: machineCases)
    func everyCut(_ c: MachineCase) {
        for lengths in allCuts(c.input.utf8.count) {
            let got = actions(c.input, lengths: lengths, eof: c.eof, maxBody: c.maxBody)
            #expect(got == c.expected, "cut \(lengths.count == 1 ? "whole" : "\(lengths)")")
            if got != c.expected { return }
        }
    }

    /// A request waits in the buffer until the previous answer is sent (answers stay in order).
    @Test func pipelinedRequestWaitsForTheAnswer() {
        var machine = ServerConnectionMachine()
        (get("/sleep?ms=1") + get("/json")).utf8.withContiguousStorageIfAvailable { machine.receive(UnsafeRawBufferPointer($0)) }
        #expect(machine.next() == request(.sleep, RouteParameters(ms: 1)))
        #expect(machine.phase == .responding)
        #expect(machine.next() == .needMore)
        machine.responseSent(keepAlive: true)
        #expect(machine.next() == request(.json))
    }

    /// The phase tells the timeouts apart: idle, in a head, in a body, answering, closed.
    @Test func phases() {
        var machine = ServerConnectionMachine()
        #expect(machine.phase == .idle)
        "POST /upload HTTP/1.1\r\nHo".utf8.withContiguousStorageIfAvailable { machine.receive(UnsafeRawBufferPointer($0)) }
        #expect(machine.next() == .needMore)
        #expect(machine.phase == .readingHead)
        "st: a\r\nContent-Length: 3\r\n\r\nab".utf8.withContiguousStorageIfAvailable { machine.receive(UnsafeRawBufferPointer($0)) }
        #expect(machine.next() == .needMore)
        #expect(machine.phase == .readingBody)
        "c".utf8.withContiguousStorageIfAvailable { machine.receive(UnsafeRawBufferPointer($0)) }
        #expect(machine.next() == request(.upload, method: .post, body: "abc"))
        #expect(machine.phase == .responding)
        machine.responseSent(keepAlive: false)
        #expect(machine.phase == .closed)
        #expect(machine.next() == .close)
    }
}
