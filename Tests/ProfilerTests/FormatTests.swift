import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Profiler

/// A small profile with the characters Swift names carry (`<`, `>`, `&`, `;`, spaces).
private let sample = NamedProfile(hz: 100, stacks: [
    .init(thread: "main (1)", frames: ["start", "main", "closure #1 () -> () in Array<Int>.run()"], count: 3),
    .init(thread: "main (1)", frames: ["start", "main", "a & b"], count: 1),
    .init(thread: "worker (2)", frames: ["start", "main", "closure #1 () -> () in Array<Int>.run()"], count: 2),
    .init(thread: "worker (2)", frames: ["start", "odd;name"], count: 4),
])

@Suite struct FormatTests {
    /// Folded lines parse or are rejected as flamegraph.pl would read them.
    @Test(arguments: [
        ("a;b;c 42\n", [(["a", "b", "c"], 42)]),
        ("a 1\nb;c 2\n", [(["a"], 1), (["b", "c"], 2)]),
        ("closure #1 () -> () in f();g 7", [(["closure #1 () -> () in f()", "g"], 7)]),
        ("", []),
    ] as [(String, [([String], Int)])])
    func foldedParses(text: String, expected: [([String], Int)]) throws {
        let parsed = try #require(FoldedStacks.parse(text))
        #expect(parsed.map(\.frames) == expected.map(\.0))
        #expect(parsed.map(\.count) == expected.map(\.1))
    }

    /// Malformed folded lines are rejected.
    @Test(arguments: ["a;b", "a;b x", "a;;b 1", " 3", "a;b -1"])
    func foldedRejects(text: String) {
        #expect(FoldedStacks.parse(text) == nil)
    }

    /// Folded output merges threads, sorts lines and keeps `;` out of names.
    @Test func foldedRendersMerged() {
        let text = FoldedStacks.render(sample)
        #expect(text == """
        start;main;a & b 1
        start;main;closure #1 () -> () in Array<Int>.run() 5
        start;odd:name 4

        """)
    }

    /// The format comes from the file extension or from an explicit name.
    @Test(arguments: [
        ("out.folded", ProfileFormat.folded), ("OUT.TXT", .folded), ("p.speedscope.json", .speedscope),
        ("p.json", .speedscope), ("flame.svg", .svg), ("noext", nil),
    ] as [(String, ProfileFormat?)])
    func formatByPath(path: String, format: ProfileFormat?) {
        #expect(ProfileFormat(path: path) == format)
    }

    /// Explicit format names, as --profile-format and ?format= take them.
    @Test func formatByName() {
        #expect(ProfileFormat(name: "folded") == .folded)
        #expect(ProfileFormat(name: "speedscope") == .speedscope)
        #expect(ProfileFormat(name: "SVG") == .svg)
        #expect(ProfileFormat(name: "pprof") == nil)
    }

    /// Names with XML metacharacters survive the SVG as text, and the document stays well-formed.
    @Test func svgEscapesNames() throws {
        let data = Data(FlameGraphSVG.render(sample, title: "a <title> & more").utf8)
        let collector = SVGCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.titles.contains("closure #1 () -> () in Array<Int>.run() (5 samples, 50.0%)"))
        #expect(collector.titles.contains("a & b (1 samples, 10.0%)"))
        #expect(collector.titles.contains("all (10 samples, 100.0%)"))
    }

    /// A long title is cut to the room left of the sample count, so the two never overlap; a short one is kept.
    @Test func longFlameGraphTitleIsCut() {
        let long = String(repeating: "volley serve --model async ", count: 10)
        let fitted = FlameGraphSVG.fittedTitle(long, width: 1200, summary: "12345 samples at 199 Hz")
        #expect(fitted.hasSuffix("…") && fitted.count < long.count)
        // Centred at 600 px, 10.2 px a glyph: its right end stays left of the count's start (1190 - 23 × 7.2).
        let titleRight: Double = 600 + Double(fitted.count) * 10.2 / 2
        let countLeft: Double = 1190 - 23 * 7.2
        #expect(titleRight < countLeft)
        #expect(FlameGraphSVG.fittedTitle("CPU profile", width: 1200, summary: "10 samples at 99 Hz") == "CPU profile")
    }

    /// Labels fit their frame, cut with `..`, and vanish when nothing fits.
    @Test func labelsFit() {
        #expect(FlameGraphSVG.label("main", width: 100) == "main")
        #expect(FlameGraphSVG.label("a_very_long_function_name", width: 60) == "a_ver..")
        #expect(FlameGraphSVG.label("main", width: 20) == "")
    }

    /// speedscope has one sampled profile per thread, busiest first, weights in nanoseconds.
    @Test func speedscopePerThread() throws {
        let root = try #require(try JSONSerialization.jsonObject(with: Speedscope.render(sample)) as? [String: Any])
        let profiles = try #require(root["profiles"] as? [[String: Any]])
        #expect(profiles.map { $0["name"] as? String } == ["worker (2)", "main (1)"])
        #expect(profiles[0]["weights"] as? [Int] == [20_000_000, 40_000_000])
        let frames = try #require((root["shared"] as? [String: Any])?["frames"] as? [[String: String]])
        #expect(frames.count == 5)
    }

    /// Subtracting an earlier profile leaves only what came after it.
    @Test func subtractingKeepsNewSamples() {
        let a = Profile.Stack(thread: 1, frames: [1, 2]), b = Profile.Stack(thread: 1, frames: [3])
        let earlier = Profile(hz: 99, durationNanos: 10, counts: [a: 2], dropped: 1)
        let later = Profile(hz: 99, durationNanos: 30, counts: [a: 5, b: 1], dropped: 1)
        let window = later.subtracting(earlier)
        #expect(window.counts == [a: 3, b: 1])
        #expect(window.durationNanos == 20)
        #expect(window.dropped == 0)
    }
}

