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
        #expect(DurationParser.nanoseconds(text) == nanos)
    }

    /// Strings that are not durations give nil.
    @Test(arguments: ["", "s", "ten", "-1s", "1e3s", "inf", "10x", "0x10"])
    func rejectsBadDurations(text: String) {
        #expect(DurationParser.nanoseconds(text) == nil)
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
