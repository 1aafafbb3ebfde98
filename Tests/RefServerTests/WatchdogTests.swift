// The slow-callback watchdog, loop lag/busy histograms and the server profiles, observed from the
// outside: a `volley serve` child, its standard error, and its /debug routes over loopback.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import RefServer
import Synchronization
import TestSupport
import Testing

/// The JSON object a route answers with (empty if not JSON).
func jsonObject(_ server: VolleyServer, _ path: String) throws -> [String: Any] {
    let client = try TestClient(port: server.port)
    client.send(get(path))
    guard let response = client.readResponse() else { return [:] }
    let text = String(decoding: response.bytes, as: UTF8.self)
    guard let body = text.range(of: "\r\n\r\n").map({ text[$0.upperBound...] }) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
}

/// The body of one response, its status and headers.
func fetchBody(_ port: UInt16, _ path: String, timeoutMillis: Int = 8000) throws -> (status: Int, head: String, body: Data)? {
    let client = try TestClient(port: port, timeoutMillis: timeoutMillis)
    client.send(get(path))
    guard let response = client.readResponse() else { return nil }
    let bytes = response.bytes
    let marker: [UInt8] = [13, 10, 13, 10]
    guard let split = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == marker }) else { return nil }
    return (response.status, String(decoding: bytes[..<split], as: UTF8.self), Data(bytes[(split + 4)...]))
}

/// Sends `/cpu?ms=20` on `clients` connections until `stop` is set (at most `seconds`).
final class CPULoad: Sendable {
    let stop = Atomic<Bool>(false)
    let done = Atomic<Int>(0)
    let clients: Int

    init(port: UInt16, clients: Int = 2, seconds: Double = 6) {
        self.clients = clients
        for _ in 0..<clients {
            Thread { [self] in
                defer { done.add(1, ordering: .relaxed) }
                guard let client = try? TestClient(port: port) else { return }
                let deadline = Date().addingTimeInterval(seconds)
                while !stop.load(ordering: .relaxed) && Date() < deadline {
                    client.send(get("/cpu?ms=20"))
                    guard client.readResponse() != nil else { return }
                }
            }.start()
        }
    }

    func finish() {
        stop.store(true, ordering: .relaxed)
        waitUntil(seconds: 3, pollEvery: 0.005) { done.load(ordering: .relaxed) == clients }
    }
}

/// Folded stacks: the share of samples whose stack names `function`.
func share(of function: String, in folded: String) -> (share: Double, total: Int) {
    var total = 0, hits = 0
    for line in folded.split(separator: "\n") {
        guard let space = line.lastIndex(of: " "), let n = Int(line[line.index(after: space)...]) else { continue }
        total += n
        if line[..<space].contains(function) { hits += n }
    }
    return (total == 0 ? 0 : Double(hits) / Double(total), total)
}

@Suite(.serialized) struct WatchdogTests {
    /// A 150 ms /cpu warns in asyncio's words with its route and duration; /cpu-offload does not; /debug/slow lists it.
    @Test func slowCallbackWarning() throws {
        let server = try VolleyServer.serve(["--model", "async", "--slow-callback", "100ms"])
        #expect(try fetchBody(server.port, "/cpu?ms=150")?.status == 200)
        #expect(try fetchBody(server.port, "/cpu-offload?ms=150")?.status == 200)
        #expect(try fetchBody(server.port, "/sleep?ms=120")?.status == 200)
        let slow = try jsonObject(server, "/debug/slow")
        #expect(slow["enabled"] as? Bool == true)
        #expect(slow["slowCallbackCount"] as? Int == 1)
        let entries = slow["slowCallbacks"] as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        #expect(entries.first?["what"] as? String == "GET /cpu?ms=150")
        #expect((entries.first?["seconds"] as? Double ?? 0) >= 0.150)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 3) == 0)
        let log = server.errorText()
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "\(log)")
        let line = lines.first ?? ""
        #expect(line.hasPrefix("Executing <GET /cpu?ms=150 on loop 0> took ") && line.hasSuffix(" seconds"), "\(line)")
        let figure = Double(line.split(separator: " ").dropLast().last ?? "") ?? 0
        #expect(figure >= 0.150, "\(line)")
    }

    /// /debug/stats carries the count, the recent list and each loop's lag and busy percentiles.
    @Test func statsCarryLoopHistograms() throws {
        let server = try VolleyServer.serve(["--model", "async", "--workers", "2", "--debug"])
        // A loop's first lag tick only starts its clock: wait until both loops tick (and publish)
        // before the burns, so that no burn falls before a loop's first tick and goes unmeasured.
        var stats = try jsonObject(server, "/debug/stats")
        let ticking = Date().addingTimeInterval(5)
        while Date() < ticking && !Self.loopsTicking(stats) {
            usleep(20_000)
            stats = try jsonObject(server, "/debug/stats")
        }
        for _ in 0..<3 { #expect(try fetchBody(server.port, "/cpu?ms=110")?.status == 200) }
        // The loops publish their histograms every 100 ms: wait on /debug/stats showing them, not a fixed sleep.
        stats = try jsonObject(server, "/debug/stats")
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && !Self.loopHistogramsPublished(stats) {
            usleep(20_000)
            stats = try jsonObject(server, "/debug/stats")
        }
        #expect((stats["watchdog"] as? [String: Any])?["thresholdSeconds"] as? Double == 0.1)
        #expect(stats["slowCallbackCount"] as? Int == 3)
        #expect((stats["slowCallbacks"] as? [Any])?.count == 3)
        let loops = stats["loops"] as? [[String: Any]] ?? []
        #expect(loops.count == 2)
        let lags = loops.compactMap { $0["lagMicros"] as? [String: Any] }
        #expect(lags.count == 2 && lags.allSatisfy { ($0["count"] as? Int ?? 0) > 5 })
        // Some loop ran the 110 ms burns: its busiest iteration and its worst lag show them.
        let busiest = loops.compactMap { ($0["busyMicros"] as? [String: Any])?["max"] as? Int }.max() ?? 0
        let worstLag = lags.compactMap { $0["max"] as? Int }.max() ?? 0
        #expect(busiest >= 100_000 && worstLag >= 90_000, "\(loops)")
    }

    /// Without --debug or --slow-callback nothing is timed and /debug/slow says so.
    @Test func offByDefault() throws {
        let server = try VolleyServer.serve(["--model", "async"])
        #expect(try fetchBody(server.port, "/cpu?ms=120")?.status == 200)
        let slow = try jsonObject(server, "/debug/slow")
        #expect(slow["enabled"] as? Bool == false)
        #expect((try jsonObject(server, "/debug/stats")["watchdog"] as? [String: Any])?["enabled"] as? Bool == false)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 3) == 0)
        #expect(server.errorText().isEmpty)
    }

    /// Under /cpu load, /debug/profile (all three formats at once) names burnCPU in ≥ 80% of the samples; JSON and SVG parse.
    @Test func onDemandProfileUnderLoad() throws {
        let server = try VolleyServer.serve(["--model", "async"])
        let load = CPULoad(port: server.port)
        defer { load.finish() }
        let results = Mutex<[String: (status: Int, head: String, body: Data)]>([:])
        let group = DispatchGroup()
        let port = server.port
        for format in ["folded", "speedscope", "svg"] {
            DispatchQueue.global().async(group: group) {
                if let r = try? fetchBody(port, "/debug/profile?seconds=1&format=\(format)") { results.withLock { $0[format] = r } }
            }
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        load.finish()
        let r = results.withLock { $0 }
        let folded = r["folded"]
        #expect(folded?.status == 200 && folded?.head.contains("Content-Type: text/plain; charset=utf-8") == true)
        let (fraction, total) = share(of: "burnCPU", in: String(decoding: folded?.body ?? Data(), as: UTF8.self))
        #expect(total >= 15 && fraction >= 0.8, "burnCPU in \(fraction) of \(total) samples")
        let speedscope = r["speedscope"]
        #expect(speedscope?.head.contains("Content-Type: application/json") == true)
        let json = (try? JSONSerialization.jsonObject(with: speedscope?.body ?? Data())) as? [String: Any]
        #expect((json?["profiles"] as? [Any])?.isEmpty == false)
        let svg = r["svg"]
        #expect(svg?.head.contains("Content-Type: image/svg+xml") == true)
        let svgData = svg?.body ?? Data()
        #expect(XMLParser(data: svgData).parse())
        let svgText = String(decoding: svgData, as: UTF8.self)
        #expect(svgText.contains("burnCPU"))
    }

    /// Bad /debug/profile parameters get 400 at once.
    @Test(arguments: ["/debug/profile?seconds=0", "/debug/profile?seconds=x", "/debug/profile?seconds=1&format=pprof"])
    func badProfileParameters(_ path: String) throws {
        let server = try VolleyServer.serve(["--model", "async"])
        #expect(try fetchBody(server.port, path, timeoutMillis: 1000)?.status == 400)
    }

    /// The sync model answers /debug/profile from its own thread; its pool threads are sampled.
    @Test func syncModelProfile() throws {
        let server = try VolleyServer.serve(["--model", "sync", "--threads", "4"])
        let load = CPULoad(port: server.port)
        defer { load.finish() }
        let folded = try fetchBody(server.port, "/debug/profile?seconds=1")
        load.finish()
        #expect(folded?.status == 200)
        let (fraction, total) = share(of: "burnCPU", in: String(decoding: folded?.body ?? Data(), as: UTF8.self))
        #expect(total >= 15 && fraction >= 0.8, "burnCPU in \(fraction) of \(total) samples")
    }

    /// `--profile FILE` (and VOLLEY_PROFILE) writes a valid profile at SIGTERM.
    @Test(arguments: [true, false])
    func profileFileAtShutdown(viaEnvironment: Bool) throws {
        let path = NSTemporaryDirectory() + "volley-serve-\(getpid())-\(viaEnvironment).svg"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try VolleyServer.serve(["--model", "async"] + (viaEnvironment ? [] : ["--profile", path]),
                                      environment: viaEnvironment ? ["VOLLEY_PROFILE": path] : [:])
        for _ in 0..<8 { #expect(try fetchBody(server.port, "/cpu-offload?ms=40")?.status == 200) }
        #expect(try fetchBody(server.port, "/cpu?ms=200")?.status == 200)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit(seconds: 5) == 0)
        let data = FileManager.default.contents(atPath: path) ?? Data()
        #expect(XMLParser(data: data).parse())
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("burnCPU"))
        // The work queue's threads were registered: the offloaded burns show up under queueWork's job.
        #expect(text.contains("EventLoop.queueWork"), "work-queue frames")
    }

    /// Both loops have published lag histograms with some samples.
    static func loopsTicking(_ stats: [String: Any]) -> Bool {
        let loops = stats["loops"] as? [[String: Any]] ?? []
        return loops.count == 2 && loops.allSatisfy { (($0["lagMicros"] as? [String: Any])?["count"] as? Int ?? 0) > 5 }
    }

    /// Both loops have published lag histograms with some samples, one shows a 100 ms busy
    /// iteration, and one shows the lag it caused (measured an iteration later, so published later).
    static func loopHistogramsPublished(_ stats: [String: Any]) -> Bool {
        let loops = stats["loops"] as? [[String: Any]] ?? []
        let lags = loops.compactMap { $0["lagMicros"] as? [String: Any] }
        let lagsFilled = loops.count == 2 && lags.count == 2 && lags.allSatisfy { ($0["count"] as? Int ?? 0) > 5 }
        let busiest = loops.compactMap { ($0["busyMicros"] as? [String: Any])?["max"] as? Int }.max() ?? 0
        let worstLag = lags.compactMap { $0["max"] as? Int }.max() ?? 0
        return lagsFilled && busiest >= 100_000 && worstLag >= 90_000
    }
}
