import HTTP1
import PeerFixtures
import Testing
@testable import LoadGen

@Suite struct PathPickerTests {
    /// Over 100 000 draws with a fixed seed each path is chosen in proportion to its weight (within 1 point).
    @Test func proportionsFollowWeights() {
        let cases: [[Double]] = [[3, 1], [1, 1, 1], [0.5, 2, 7.5], [1, 1000]]
        for weights in cases {
            var picker = PathPicker(weights: weights, seed: 42)
            var counts = [Int](repeating: 0, count: weights.count)
            let draws = 100_000
            for _ in 0..<draws { counts[picker.next()] += 1 }
            let total = weights.reduce(0, +)
            for (i, w) in weights.enumerated() {
                let share = Double(counts[i]) / Double(draws)
                #expect(abs(share - w / total) < 0.01, "weights \(weights): path \(i) got \(share)")
            }
        }
    }

    /// The same seed gives the same sequence, another seed another one, and one path is always path 0.
    @Test func deterministicBySeed() {
        var a = PathPicker(weights: [1, 1], seed: 7), b = PathPicker(weights: [1, 1], seed: 7), c = PathPicker(weights: [1, 1], seed: 8)
        let sa = (0..<64).map { _ in a.next() }, sb = (0..<64).map { _ in b.next() }, sc = (0..<64).map { _ in c.next() }
        #expect(sa == sb)
        #expect(sa != sc)
        var one = PathPicker(weights: [5], seed: 1)
        #expect((0..<100).allSatisfy { _ in one.next() == 0 })
    }

    /// Paths that do not start with `/` or weights that are not positive are refused before the run.
    @Test func invalidPathsRefused() throws {
        let url = try HTTPURL(parsing: "http://127.0.0.1:1/")
        #expect(throws: LoadError.self) { try LoadRunner(options: LoadOptions(url: url, paths: [.init(path: "a"), .init(path: "/b")])) }
        #expect(throws: LoadError.self) { try LoadRunner(options: LoadOptions(url: url, paths: [.init(path: "/a", weight: 0), .init(path: "/b")])) }
    }
}

@Suite(.serialized) struct WeightedPathRunTests {
    /// Against a loopback fixture that counts requests by path, `/a` (weight 3) and `/b` (weight 1)
    /// are both hit, about 3:1, with and without pipelining, and the counts add up to what was served.
    @Test(arguments: [1, 4]) func bothPathsHitByWeight(pipeline: Int) throws {
        let server = try FixtureServer(behaviour: .ok)
        let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)/")
        let options = LoadOptions(url: url, threads: 2, connections: 8, durationNanos: 400_000_000, pipeline: pipeline,
                                  paths: [.init(path: "/a?x=1", weight: 3), .init(path: "/b", weight: 1)])
        let m = try LoadRunner(options: options).run()
        server.stop()
        let a = server.requests(withPathStartingWith: UInt8(ascii: "a")), b = server.requests(withPathStartingWith: UInt8(ascii: "b"))
        #expect(m.errors.total == 0)
        // Heads cut off by the end of the run are counted by path but never answered.
        #expect(abs(a + b - server.requestsServed) <= 8 * pipeline)
        #expect(a + b > 1000)
        #expect(b > 0)
        let share = Double(a) / Double(a + b)
        #expect(share > 0.70 && share < 0.80, "share of /a: \(share)")
    }
}
