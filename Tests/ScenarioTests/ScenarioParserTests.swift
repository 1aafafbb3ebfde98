import Foundation
import Testing
@testable import Scenario

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Parses `yaml` and returns the issues, or an empty list when it is valid.
func issues(_ yaml: String) -> [ScenarioIssue] {
    do { _ = try ScenarioParser.parse(yaml: yaml, file: "t.yaml"); return [] } catch { return error.issues }
}

@Suite struct ScenarioParserTests {
    /// Every scenario shipped in scenarios/ validates, in its full and its quick form.
    @Test(arguments: ["seed-pycon-2017", "slow-callback", "gather", "techempower", "ci-smoke", "seed-pycon-2017-python"])
    func shippedScenariosValidate(name: String) throws {
        let path = repositoryRoot.appendingPathComponent("scenarios/\(name).yaml").path
        let full = try ScenarioParser.load(path: path)
        let quick = try ScenarioParser.load(path: path, options: .init(quick: true))
        #expect(full.name == name)
        #expect(!full.variants.isEmpty)
        #expect(full.variants.map(\.name) == quick.variants.map(\.name))
        #expect(quick.variants.allSatisfy { $0.load.durationNanos <= full.variants[0].load.durationNanos })
    }

    /// The seed scenario expands to the talk's four cells with -t12 -c400 -d10s and the built-in mongod.
    @Test func seedScenarioMatrix() throws {
        let s = try ScenarioParser.load(path: repositoryRoot.appendingPathComponent("scenarios/seed-pycon-2017.yaml").path)
        #expect(s.variants.map(\.name) == ["sync hello", "sync fetch", "async hello", "async fetch"])
        let v = s.variants[3]
        #expect(v.load.threads == 12 && v.load.connections == 400 && v.load.durationNanos == 10_000_000_000)
        #expect(v.load.paths == [WeightedPath(path: "/fetch")])
        var native = ServerSpec(model: .async, workers: 1, threads: 4, database: .builtin(latencyNanos: 1_000_000), cpus: [0])
        native.dbDriver = .native
        #expect(v.target == .server(native))
        #expect(v.coordinates.map(\.axis) == ["model", "route"])
        #expect(s.maxRegression == RegressionTolerances(rps: 0.05, p50: 0.10, p99: 0.15, p999: 0.25, errors: 0))
    }

    /// db-drivers.yaml compares sync, async-threadpool and async-native on /fetch and /multi; each async variant passes its --db-driver to serve.
    @Test func dbDriversScenario() throws {
        let s = try ScenarioParser.load(path: repositoryRoot.appendingPathComponent("scenarios/db-drivers.yaml").path)
        #expect(s.variants.map(\.name) == ["sync fetch", "sync multi", "async-threadpool fetch", "async-threadpool multi",
                                            "async-native fetch", "async-native multi"])
        #expect(s.variants[1].load.paths == [WeightedPath(path: "/multi?n=10&mode=gather")])
        let drivers: [ServerSpec.DatabaseDriver?] = s.variants.map { if case .server(let spec) = $0.target { spec.dbDriver } else { nil } }
        #expect(drivers == [nil, nil, .threadpool, .threadpool, .native, .native])
        guard case .server(let spec) = s.variants[2].target else { Issue.record("not a server variant"); return }
        let arguments = ServerRunner.serveArguments(spec, mongoURI: "mongodb://127.0.0.1:1/", profilePath: nil, graceSeconds: 2)
        #expect(arguments.suffix(2) == ["--db-driver", "threadpool"], "\(arguments)")
    }

    /// A minimal external-URL scenario gets the defaults and one variant named `default`.
    @Test func minimalExternal() throws {
        let s = try ScenarioParser.parse(yaml: "name: x\nurl: http://127.0.0.1:8080/\nload:\n  duration: 1s\n", file: "m.yaml")
        #expect(s.variants.count == 1)
        #expect(s.variants[0].name == "default")
        #expect(s.variants[0].target == .external(url: "http://127.0.0.1:8080/"))
        #expect(s.variants[0].load.connections == 10 && s.variants[0].load.paths == nil)
    }

    /// Plain matrix values are labelled by setting (`c50`, `p16`) and override the load.
    @Test func plainAxesAndLabels() throws {
        let yaml = """
        name: x
        url: http://127.0.0.1:1/
        load: {duration: 1s, connections: 5}
        matrix:
          connections: [50, 400]
          pipeline: [1, 16]
          route: [/, /json]
        """
        let s = try ScenarioParser.parse(yaml: yaml, file: "m.yaml")
        #expect(s.variants.count == 8)
        #expect(s.variants[0].name == "c50 p1 /")
        #expect(s.variants[7].name == "c400 p16 /json")
        #expect(s.variants[7].load.connections == 400 && s.variants[7].load.pipeline == 16)
    }

    /// Each kind of mistake is reported with its line, column, key and a hint.
    @Test(arguments: [
        // (yaml, line, column, key, message fragment, hint fragment)
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  duration: 1s\n  conections: 5\n", 5, 3, "load.conections", "unknown key", "did you mean `connections`?"),
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  duration: 1s\n  connections: many\n", 5, 16, "load.connections", "expected a whole number", "between 1 and"),
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  duration: 1s\n  connections: 0\n", 5, 16, "load.connections", "out of range", "1...1000000"),
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  threads: 2\n", 3, 1, "load.duration", "missing field", "duration: 10s"),
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  duration: 10\n", 4, 13, "load.duration", "not a duration", "10s"),
        ("name: x\nurl: http://127.0.0.1:1/\nload:\n  duration: -1s\n", 4, 13, "load.duration", "not a duration", "cannot be negative"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s, rate: 1000:20000}\n", 3, 28, "load.rate", "is a ramp", "volley run -R 1000:20000"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s, rate: 1e4}\n", 3, 28, "load.rate", "expected a rate", "plain digits"),
        ("name: x\nserver:\n  model: asnyc\nload: {duration: 1s}\n", 3, 10, "server.model", "unknown server model", "did you mean `async`?"),
        ("name: x\nserver:\n  workers: 2\nload: {duration: 1s}\n", 2, 1, "server.model", "missing field", "model: sync"),
        ("name: x\nserver:\n  model: async\n  db_driver: threadpol\nload: {duration: 1s}\n", 4, 14, "server.db_driver", "unknown db_driver", "did you mean `threadpool`?"),
        ("name: x\nload: {duration: 1s}\n", 1, 1, "server", "missing field", "url"),
        ("url: http://127.0.0.1:1/\nload: {duration: 1s}\n", 1, 1, "name", "missing field", "name:"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nthresholds: [\"p99 < 50\"]\n", 4, 14, "thresholds[0]", "not a latency", "50ms"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nthresholds: [\"p99x < 5ms\"]\n", 4, 14, "thresholds[0]", "unknown threshold metric", "did you mean `p99`?"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nthresholds:\n  asnyc: [errors == 0]\n", 5, 3, "thresholds.asnyc", "no variant", "variants: default"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nprofile: yes please\n", 4, 10, "profile", "expected true or false", nil),
        ("name: x\nserver: {model: sync, database: {uri: \"mongodb://10.0.0.5:27017\"}}\nload: {duration: 1s}\n", 2, 39, "server.database.uri", "loopback", "127.0.0.1"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nmatrix:\n  conns: [1, 2]\n", 5, 3, "matrix.conns", "unknown setting", "connections"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nmatrix:\n  r: [{path: /}]\n", 5, 7, "matrix.r[0].name", "missing field", "name"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s, path: fetch}\n", 3, 28, "load.path", "not a request path", "start it with `/`"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nmax_regression: {rsp: 5%}\n", 4, 18, "max_regression.rsp", "unknown key", "did you mean `rps`?"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\ndescripton: hi\n", 4, 1, "descripton", "unknown key", "did you mean `description`?"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s\n", 4, 1, "", "YAML syntax error", nil),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nmatrix:\n  model: [sync, async]\n", 5, 3, "matrix.model", "do not apply to an external `url`", "use `server:`"),
        ("name: x\nurl: http://127.0.0.1:1/\nload: {duration: 1s}\nmatrix:\n  pipeline: [1, 1]\n", 5, 17, "matrix.pipeline", "appears twice", nil),
    ] as [(String, Int, Int, String, String, String?)])
    func mistakes(yaml: String, line: Int, column: Int, key: String, message: String, hint: String?) {
        let found = issues(yaml)
        #expect(found.count == 1, "\(found)")
        guard let issue = found.first else { return }
        #expect(issue.line == line)
        #expect(issue.column == column)
        #expect(issue.key == key)
        #expect(issue.message.contains(message), "\(issue)")
        if let hint { #expect(issue.hint?.contains(hint) == true, "\(issue)") }
        #expect(issue.description.hasPrefix("t.yaml:\(line):\(column): "))
    }

    /// All mistakes are collected, in file order, not only the first.
    @Test func collectsAllErrors() {
        let yaml = """
        name: x
        server:
          model: sync
          wokers: 2
          threads: -1
        load:
          duration: 1s
          pipeline: 2000
          method: "GET POST"
        matrix:
          connections: [10, ten]
        thresholds: ["rps >> 5"]
        """
        let found = issues(yaml)
        #expect(found.map(\.key) == ["server.wokers", "server.threads", "load.pipeline", "load.method", "matrix.connections[1]", "thresholds[0]"])
        #expect(found.map(\.line) == [4, 5, 8, 9, 11, 12])
    }

    /// YAML anchors and aliases work: a value may be reused.
    @Test func aliases() throws {
        let yaml = "name: x\nurl: http://127.0.0.1:1/\nload: &base {duration: 10s, connections: 7}\nquick: *base\n"
        let s = try ScenarioParser.parse(yaml: yaml, file: "a.yaml", options: .init(quick: true))
        #expect(s.variants[0].load.connections == 7)
    }

    /// The quick section replaces load settings only when asked.
    @Test func quickOverrides() throws {
        let yaml = "name: x\nurl: http://127.0.0.1:1/\nload: {duration: 10s, connections: 400}\nquick: {duration: 1s}\n"
        let full = try ScenarioParser.parse(yaml: yaml, file: "q.yaml")
        let quick = try ScenarioParser.parse(yaml: yaml, file: "q.yaml", options: .init(quick: true))
        #expect(full.variants[0].load.durationNanos == 10_000_000_000)
        #expect(quick.variants[0].load.durationNanos == 1_000_000_000)
        #expect(quick.variants[0].load.connections == 400)
    }

    /// Weighted paths come as a list or a mapping; headers keep their order.
    @Test func weightedPathsAndHeaders() throws {
        let yaml = """
        name: x
        url: http://127.0.0.1:1/
        load:
          duration: 1s
          paths: [{path: /a, weight: 3}, {path: /b}]
          headers: {Accept: "*/*", X-Id: 7}
        matrix:
          mix:
            - {name: list, paths: [{path: /c}]}
            - {name: map, paths: {/d: 2, /e: 1}}
        """
        let s = try ScenarioParser.parse(yaml: yaml, file: "w.yaml")
        #expect(s.variants[0].load.paths == [WeightedPath(path: "/c")])
        #expect(s.variants[1].load.paths == [WeightedPath(path: "/d", weight: 2), WeightedPath(path: "/e", weight: 1)])
        #expect(s.variants[0].load.headers == [HeaderField(name: "Accept", value: "*/*"), HeaderField(name: "X-Id", value: "7")])
    }
}

@Suite struct SuggestionTests {
    /// Typos get the nearest key; unrelated words get none.
    @Test(arguments: [("conections", "connections"), ("treads", "threads"), ("pipelin", "pipeline"), ("zzz", nil)] as [(String, String?)])
    func nearest(word: String, expected: String?) {
        #expect(Suggestion.nearest(word, in: Settings.loadKeys) == expected)
    }
}
