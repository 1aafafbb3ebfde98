import Foundation
import Yams

/// Reads and validates a scenario file. Validation is strict and complete: every unknown key,
/// wrong type, out-of-range value and missing field is reported with file, line, column and
/// key, and the scenario is refused if there is any, before anything starts.
public enum ScenarioParser {
    /// Options that change a scenario at load time.
    public struct Options: Sendable {
        /// Apply the file's `quick` section on top of `load` (short runs for demos and CI).
        public var quick = false
        public init(quick: Bool = false) { self.quick = quick }
    }

    static let topKeys = ["name", "description", "server", "url", "load", "matrix", "profile",
                          "thresholds", "max_regression", "quick"]
    /// At most this many variants; a matrix beyond it is almost surely a mistake.
    public static let maxVariants = 256

    /// Reads and validates the scenario at `path`.
    public static func load(path: String, options: Options = Options()) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError([ScenarioIssue(file: path, line: 0, column: 0, key: "", message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError([ScenarioIssue(file: path, line: 0, column: 0, key: "", message: "the file is not UTF-8 text")])
        }
        return try parse(yaml: text, file: path, options: options)
    }

    /// Validates a scenario given as YAML text; `file` names it in messages.
    public static func parse(yaml: String, file: String, options: Options = Options()) throws(ScenarioError) -> Scenario {
        let reader = NodeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ScenarioError([ScenarioIssue(file: file, line: 1, column: 1, key: "", message: "the file is empty",
                                                   hint: "start with `name:` and `load:`; see scenarios/README.md")])
            }
            root = node
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError([yamlIssue(error, file: file)])
        }
        let scenario = build(root, reader: reader, options: options)
        if !reader.issues.isEmpty || scenario == nil {
            throw ScenarioError(reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return scenario!
    }

    static func yamlIssue(_ error: any Error, file: String) -> ScenarioIssue {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return ScenarioIssue(file: file, line: mark.line, column: mark.column, key: "", message: "YAML syntax error: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, _):
                return ScenarioIssue(file: file, line: 1, column: 1, key: duplicates.joined(separator: ", "),
                                     message: "key given twice", hint: "each key may appear once per mapping")
            default: break
            }
        }
        return ScenarioIssue(file: file, line: 1, column: 1, key: "", message: "YAML syntax error: \(error)")
    }

    static func build(_ root: Node, reader: NodeReader, options: Options) -> Scenario? {
        guard let top = reader.mapping(Located(node: root, path: ""), what: "a mapping with `name`, `load` and `server` or `url`") else { return nil }
        reader.checkKeys(top, allowed: topKeys, in: "")
        func field(_ key: String) -> Located? {
            top.first { $0.key == key }.map { Located(node: $0.value, path: key, keyNode: $0.keyNode) }
        }

        let name = field("name").flatMap { reader.string($0) }
        if field("name") == nil { reader.report(root, "name", "missing field", hint: "add `name: my-scenario` at the top") }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            reader.report(field("name")?.node, "name", "`\(name)` cannot name a results folder", hint: "use letters, digits, - and _")
        }
        let description = field("description").flatMap { reader.string($0) }
        let (profile, profiler) = field("profile").map { profileSetting($0, reader: reader) } ?? (false, .auto)

        var base = Settings()
        var serverSection: Node?
        if let server = field("server") {
            serverSection = server.keyNode
            if let pairs = reader.mapping(server) {
                reader.checkKeys(pairs, allowed: Settings.serverKeys, in: "server")
                for pair in pairs where Settings.serverKeys.contains(pair.key) {
                    base.server[pair.key] = Located(node: pair.value, path: "server.\(pair.key)", keyNode: pair.keyNode)
                }
            }
        }
        var url: String?
        if let value = field("url"), let text = reader.string(value) {
            if text.lowercased().hasPrefix("http://"), text.count > 7 { url = text }
            else { reader.report(value.node, "url", "`\(text)` is not an http:// URL", hint: "e.g. http://127.0.0.1:8080/") }
        }
        switch (field("server"), field("url")) {
        case (nil, nil): reader.report(root, "server", "missing field", hint: "give `server:` (servers Volley starts) or `url:` (a server already running)")
        case (.some, .some(let u)): reader.report(u.keyNode, "url", "give `server` or `url`, not both")
        default: break
        }
        if let load = field("load") {
            if let pairs = reader.mapping(load) {
                reader.checkKeys(pairs, allowed: Settings.loadKeys, in: "load")
                for pair in pairs where Settings.loadKeys.contains(pair.key) {
                    base.load[pair.key] = Located(node: pair.value, path: "load.\(pair.key)", keyNode: pair.keyNode)
                }
            }
            if base.load["duration"] == nil {
                reader.report(load.keyNode, "load.duration", "missing field", hint: "add `duration: 10s`")
            }
        } else {
            reader.report(root, "load", "missing field", hint: "add a `load:` section with at least `duration: 10s`")
        }
        if let quick = field("quick"), let pairs = reader.mapping(quick) {
            reader.checkKeys(pairs, allowed: Settings.loadKeys, in: "quick")
            if options.quick {
                for pair in pairs where Settings.loadKeys.contains(pair.key) {
                    base.load[pair.key] = Located(node: pair.value, path: "quick.\(pair.key)", keyNode: pair.keyNode)
                }
            } else {
                // Check the quick values even when not used, so a broken quick run is found early.
                _ = SettingsDecoder(reader: reader).load(Dictionary(uniqueKeysWithValues: pairs.filter { Settings.loadKeys.contains($0.key) }
                    .map { ($0.key, Located(node: $0.value, path: "quick.\($0.key)", keyNode: $0.keyNode)) }))
            }
        }
        let axes = field("matrix").map { MatrixReader(reader: reader).axes($0, external: url != nil) } ?? []
        let variants = expand(base: base, axes: axes, url: url, serverSection: serverSection, reader: reader,
                              profiler: profiler)

        let thresholds = field("thresholds").map { ThresholdReader(reader: reader).rules($0, variantNames: variants.map(\.name)) } ?? []
        let regression = field("max_regression").flatMap { ThresholdReader(reader: reader).tolerances($0) }

        guard let name, reader.issues.isEmpty else { return nil }
        return Scenario(name: name, description: description, file: reader.file, variants: variants, profile: profile,
                        thresholds: thresholds, maxRegression: regression)
    }

    /// The cartesian product of the axes, first axis outermost, each decoded and checked.
    static func expand(base: Settings, axes: [MatrixAxis], url: String?, serverSection: Node?, reader: NodeReader,
                       profiler: CommandSpec.ProfilerChoice = .auto) -> [VariantPlan] {
        let total = axes.reduce(1) { $0 * max($1.values.count, 1) }
        if total > maxVariants {
            reader.report(axes.first?.keyNode, "matrix", "the matrix makes \(total) variants", hint: "at most \(maxVariants)")
            return []
        }
        var combinations: [[MatrixValue]] = [[]]
        for axis in axes where !axis.values.isEmpty {
            combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } }
        }
        let decoder = SettingsDecoder(reader: reader)
        var plans: [VariantPlan] = []
        var names: [String: Node?] = [:]
        for combination in combinations {
            var settings = base
            for value in combination {
                for (qualified, located) in value.settings { settings.set(qualified, located) }
            }
            let name = combination.isEmpty ? "default" : combination.map(\.label).joined(separator: " ")
            if names[name] != nil {
                reader.report(combination.last?.node, "matrix", "two variants are both named `\(name)`",
                              hint: "give the matrix values distinct `name`s")
            }
            names[name] = combination.last?.node
            let load = decoder.load(settings.load)
            let target: Target?
            if let url {
                if let key = settings.server.keys.sorted().first, let located = settings.server[key] {
                    reader.report(located.node, located.path, "server settings do not apply to an external `url`")
                }
                target = .external(url: url)
            } else if serverSection == nil && settings.server.isEmpty {
                target = nil   // neither `server` nor `url`: reported once already
            } else {
                target = decoder.target(settings.server, sectionNode: serverSection, profiler: profiler)
            }
            if let load, let target {
                plans.append(VariantPlan(name: name, target: target, load: load,
                                         coordinates: combination.map { .init(axis: $0.axis, label: $0.label) }))
            }
        }
        return plans
    }
}
