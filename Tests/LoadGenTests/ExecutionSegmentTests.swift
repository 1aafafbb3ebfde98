import Clocks
import HTTP1
import Testing
@testable import LoadGen

@Suite struct ExecutionSegmentTests {
    /// `i/N` parses only with 0 <= i < N; anything else is refused.
    @Test func parsing() {
        #expect(ExecutionSegment(parsing: "0/4") == ExecutionSegment(index: 0, count: 4))
        #expect(ExecutionSegment(parsing: "3/4")?.description == "3/4")
        for bad in ["4/4", "-1/4", "1/0", "1", "1/", "/4", "a/b", "1/4/2", " 1/4", "1/10001", "١/٤"] {
            #expect(ExecutionSegment(parsing: bad) == nil, "\(bad)")
        }
    }

    /// The engine's connections of all segments are the run's connections 0..<C, each once, split floor/ceil.
    @Test(arguments: [(1, 1, 1), (4, 4, 1), (10, 4, 3), (9, 4, 2), (100, 3, 4), (7, 7, 7), (1000, 16, 5)])
    func connectionsPartitionTheRun(connections: Int, segments: Int, threads: Int) throws {
        let url = try HTTPURL(parsing: "http://127.0.0.1:1/")
        var seen: [Int] = []
        for i in 0..<segments {
            var options = LoadOptions(url: url, threads: threads, connections: connections)
            options.segment = ExecutionSegment(index: i, count: segments)
            try options.validate()
            let local = options.localConnections
            #expect(local == connections / segments || local == connections / segments + 1)
            #expect(local == (connections + segments - 1 - i) / segments)
            // Threads share the segment's connections; the worker numbers them run-wide as the engine does.
            let perThread = (0..<options.effectiveThreads).map { options.connections(forThread: $0) }
            #expect(perThread.reduce(0, +) == local)
            seen += (0..<local).map { options.globalConnection(local: $0) }
        }
        #expect(seen.sorted() == Array(0..<connections))
    }

    /// Under -R every request number of the single-machine schedule is sent by exactly one segment,
    /// and with C a multiple of N consecutive requests go to consecutive segments (never two pods in phase).
    @Test func scheduleIsStriped() {
        let connections = 8, count = 4
        let segments = (0..<count).map { ExecutionSegment(index: $0, count: count)! }
        for n: UInt64 in 0..<10_000 {
            let owners = segments.filter { $0.owns(request: n, connections: connections) }
            #expect(owners.count == 1)
            #expect(owners.first?.index == Int(n % UInt64(count)))
        }
    }

    /// What a segment was asked to send is its share of the schedule's first requests, counted one by one.
    @Test(arguments: [(8, 4), (10, 4), (9, 2), (5, 5), (3, 1)])
    func askedRequestsMatchACount(connections: Int, count: Int) {
        for index in 0..<count {
            let segment = ExecutionSegment(index: index, count: count)!
            for due: UInt64 in [0, 1, 2, 3, 7, 8, 9, 17, 100, 1001] {
                let expected = (0..<due).filter { segment.owns(request: $0, connections: connections) }.count
                #expect(segment.requests(amongFirst: due, connections: connections) == UInt64(expected), "\(index)/\(count) of \(due)")
            }
        }
    }

    /// Fewer connections than segments is refused: some segment would have nothing to do.
    @Test func tooFewConnections() throws {
        var options = LoadOptions(url: try HTTPURL(parsing: "http://127.0.0.1:1/"), threads: 1, connections: 3)
        options.segment = ExecutionSegment(index: 0, count: 4)
        #expect(throws: LoadError.self) { try options.validate() }
    }

    /// --start-at reads RFC 3339 (any offset, optional fraction) and epoch milliseconds, and nothing else.
    @Test func startInstants() {
        #expect(StartInstant.parse("2026-12-04T18:30:00Z") == 1_796_409_000_000_000_000)
        #expect(StartInstant.parse("2026-12-04T19:30:00.250+01:00") == 1_796_409_000_250_000_000)
        #expect(StartInstant.parse("1796409000250") == 1_796_409_000_250_000_000)
        #expect(StartInstant.format(epochNanos: 1_796_409_000_250_000_000) == "2026-12-04T18:30:00.250Z")
        for bad in ["", "soon", "2026-12-04", "2026-12-04T18:30:00", "-5", "1.5", "99999999999999999999999"] {
            #expect(StartInstant.parse(bad) == nil, "\(bad)")
        }
    }

    /// Waiting for an instant already past returns at once with how late the caller is.
    @Test func lateStartIsMeasured() {
        let past = WallClock.nowNanos() - 2_000_000_000
        let late = StartInstant.wait(untilEpochNanos: past)
        #expect(late >= 2_000_000_000 && late < 60_000_000_000)
        let soon = WallClock.nowNanos() + 20_000_000
        #expect(StartInstant.wait(untilEpochNanos: soon) == 0)
        #expect(WallClock.nowNanos() >= soon)
    }
}
