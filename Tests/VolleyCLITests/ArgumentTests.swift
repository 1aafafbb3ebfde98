import Metrics
import Testing
@testable import VolleyCLI

@Suite struct ArgumentTests {
    /// wrk-style attached short values are split so the parser accepts them; other arguments stay as typed.
    @Test(arguments: [
        (["-t12", "-c400", "-d10s", "http://x/"], ["-t", "12", "-c", "400", "-d", "10s", "http://x/"]),
        (["-t", "2", "-c", "10"], ["-t", "2", "-c", "10"]),
        (["-HAccept: */*", "-p16", "-mPOST"], ["-H", "Accept: */*", "-p", "16", "-m", "POST"]),
        (["--threads", "3", "--latency"], ["--threads", "3", "--latency"]),
        (["-t=4"], ["-t", "4"]),
        (["--", "-t12"], ["--", "-t12"]),
        (["-x12"], ["-x12"]),
        (["-d-1s"], ["--duration=-1s"]),
        (["-d", "-1s", "-c", "-2"], ["--duration=-1s", "--connections=-2"]),
        (["-H", "-1: x"], ["-H", "-1: x"]),
    ])
    func normalizesAttachedValues(input: [String], expected: [String]) {
        #expect(ArgumentNormalizer.normalize(input) == expected)
    }

    /// Durations in the units wrk users type, and nonsense rejected.
    @Test(arguments: [
        ("10s", 10_000_000_000), ("1m", 60_000_000_000), ("500ms", 500_000_000), ("2h", 7_200_000_000_000),
        ("1.5s", 1_500_000_000), ("250us", 250_000), ("7", 7_000_000_000), ("0s", 0),
    ] as [(String, UInt64)])
    func parsesDurations(text: String, nanos: UInt64) {
        #expect(Quantity.durationNanos(text, bareNumber: .seconds) == nanos)
    }

    /// Strings that are not durations give nil.
    @Test(arguments: ["", "s", "ten", "-1s", "1e3s", "inf", "10x", "0x10"])
    func rejectsBadDurations(text: String) {
        #expect(Quantity.durationNanos(text, bareNumber: .seconds) == nil)
    }

    /// Fixture behaviours parse from their command-line names.
    @Test func fixtureBehaviours() {
        #expect(FixtureCommand.parseBehaviour("ok") == .ok)
        #expect(FixtureCommand.parseBehaviour("status:503") == .status(503))
        #expect(FixtureCommand.parseBehaviour("delay:20") == .delay(milliseconds: 20))
        #expect(FixtureCommand.parseBehaviour("drop:2") == .dropAfter(responses: 2))
        #expect(FixtureCommand.parseBehaviour("status:99") == nil)
        #expect(FixtureCommand.parseBehaviour("nope") == nil)
    }
}

@Suite struct RateArgumentTests {
    /// -R takes a rate with an optional k/M suffix, or a ramp START:END.
    @Test(arguments: [("2000", 2000.0, 2000.0), ("10k", 10_000, 10_000), ("1.5k", 1500, 1500), ("1M", 1e6, 1e6),
                      ("1000:20000", 1000, 20_000), ("5k:1k", 5000, 1000), ("0.5", 0.5, 0.5)] as [(String, Double, Double)])
    func parsesRates(text: String, start: Double, end: Double) {
        let parsed = try? Quantity.parseRate(text)
        #expect(parsed?.start == start && parsed?.end == end)
    }

    /// Nonsense, zero, negative and absurd rates are refused.
    @Test(arguments: ["", "0", "-5", "abc", "1:2:3", "1000:", ":1000", "1e3", "200M", "nan"])
    func rejectsBadRates(text: String) {
        #expect((try? Quantity.parseRate(text)) == nil)
    }

    /// The new fixture behaviours parse from their command-line names.
    @Test func timedFixtureBehaviours() {
        #expect(FixtureCommand.parseBehaviour("precise:2000") == .preciseDelay(microseconds: 2000))
        #expect(FixtureCommand.parseBehaviour("freeze:1000:400:500") == .freeze(delayMicros: 1000, afterMillis: 400, forMillis: 500))
        #expect(FixtureCommand.parseBehaviour("capacity:2000") == .capacity(perSecond: 2000))
        #expect(FixtureCommand.parseBehaviour("capacity:0") == nil)
        #expect(FixtureCommand.parseBehaviour("freeze:1:2") == nil)
    }
}
