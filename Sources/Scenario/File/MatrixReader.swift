import Yams

/// One axis of the matrix: a name and the values it takes.
struct MatrixAxis {
    var name: String
    var keyNode: Node
    var values: [MatrixValue]
}

/// One value of an axis: a label for variant names and the settings it sets.
struct MatrixValue {
    var axis: String
    var label: String
    var node: Node
    /// Qualified setting (`server.model`) → value node.
    var settings: [(String, Located)]
}

/// Reads `matrix:`. An axis named after a setting takes plain values (`connections: [50, 400]`);
/// any axis may take mappings with a `name` and several settings (`{name: fetch, path: /fetch, database: builtin}`).
struct MatrixReader {
    let reader: NodeReader

    func axes(_ matrix: Located, external: Bool) -> [MatrixAxis] {
        guard let pairs = reader.mapping(matrix, what: "a mapping of axis names to lists of values") else { return [] }
        var result: [MatrixAxis] = []
        for pair in pairs {
            let path = "matrix.\(pair.key)"
            guard case .sequence(let sequence) = pair.value, sequence.count > 0 else {
                reader.report(pair.value, path, "expected a non-empty list of values, got \(NodeReader.kind(pair.value))",
                              hint: "e.g. `\(pair.key): [a, b]`")
                continue
            }
            let qualified = Settings.qualify(pair.key)
            if external, let qualified, qualified.hasPrefix("server.") {
                reader.report(pair.keyNode, path, "server settings do not apply to an external `url`",
                              hint: "vary load settings (connections, path, …) or use `server:` instead of `url:`")
                continue
            }
            var values: [MatrixValue] = []
            for (i, node) in sequence.enumerated() {
                let itemPath = "\(path)[\(i)]"
                if case .mapping = node {
                    if let value = labelled(node, axis: pair.key, path: itemPath) { values.append(value) }
                } else if let qualified {
                    let label = Self.label(for: qualified, node.scalar?.string ?? "?")
                    values.append(MatrixValue(axis: pair.key, label: label, node: node,
                                              settings: [(qualified, Located(node: node, path: itemPath))]))
                } else {
                    let hint = Suggestion.nearest(pair.key, in: Settings.matrixNames).map { "did you mean `\($0)`?" }
                        ?? "name the axis after a setting (model, connections, path, …) or give values as {name: x, path: /x}"
                    reader.report(pair.keyNode, path, "unknown setting for plain matrix values", hint: hint)
                    break
                }
            }
            var labels = Set<String>()
            values = values.filter { value in
                guard labels.insert(value.label).inserted else {
                    reader.report(value.node, path, "the value `\(value.label)` appears twice on this axis")
                    return false
                }
                return true
            }
            result.append(MatrixAxis(name: pair.key, keyNode: pair.keyNode, values: values))
        }
        return result
    }

    private func labelled(_ node: Node, axis: String, path: String) -> MatrixValue? {
        guard let pairs = reader.mapping(Located(node: node, path: path)) else { return nil }
        var label: String?
        var settings: [(String, Located)] = []
        for pair in pairs {
            if pair.key == "name" {
                label = reader.string(Located(node: pair.value, path: "\(path).name"))
                continue
            }
            guard let qualified = Settings.qualify(pair.key) else {
                let hint = Suggestion.nearest(pair.key, in: Settings.matrixNames + ["name"]).map { "did you mean `\($0)`?" }
                    ?? "a matrix value sets `name` and settings such as model, path, connections, database"
                reader.report(pair.keyNode, "\(path).\(pair.key)", "unknown key", hint: hint)
                continue
            }
            settings.append((qualified, Located(node: pair.value, path: "\(path).\(pair.key)", keyNode: pair.keyNode)))
        }
        guard let label, !label.isEmpty else {
            reader.report(node, "\(path).name", "missing field", hint: "a value given as a mapping needs a `name` for the variant names")
            return nil
        }
        return MatrixValue(axis: axis, label: label, node: node, settings: settings)
    }

    /// The part of a variant name a plain value gives: `c400` for 400 connections, `sync` for a model.
    static func label(for qualified: String, _ text: String) -> String {
        switch qualified {
        case "load.connections": return "c" + text
        case "load.threads": return "t" + text
        case "server.threads": return "st" + text
        case "server.workers": return "w" + text
        case "load.pipeline": return "p" + text
        case "load.rate": return "r" + text
        case "load.duration": return "d" + text
        default: return text
        }
    }
}

/// Reads `thresholds:` and `max_regression:`.
struct ThresholdReader {
    let reader: NodeReader

    /// A list applies to every variant; a mapping from variant-name patterns to lists applies to those.
    func rules(_ value: Located, variantNames: [String]) -> [ThresholdRule] {
        switch value.node {
        case .sequence:
            return list(value, pattern: "*")
        case .mapping:
            guard let pairs = reader.mapping(value) else { return [] }
            var rules: [ThresholdRule] = []
            for pair in pairs {
                let path = "thresholds.\(pair.key)"
                if !variantNames.isEmpty, !variantNames.contains(where: { Glob.matches(pair.key, $0) }) {
                    let hint = Suggestion.nearest(pair.key, in: variantNames).map { "did you mean `\($0)`?" }
                        ?? "variants: \(variantNames.joined(separator: ", ")) (`*` matches any text)"
                    reader.report(pair.keyNode, path, "no variant is named like this", hint: hint)
                }
                rules += list(Located(node: pair.value, path: path, keyNode: pair.keyNode), pattern: pair.key)
            }
            return rules
        default:
            reader.report(value.node, value.path, "expected a list of rules or a mapping of variant names to lists, got \(NodeReader.kind(value.node))",
                          hint: "e.g. thresholds: [\"p99 < 50ms\", \"errors == 0\"]")
            return []
        }
    }

    private func list(_ value: Located, pattern: String) -> [ThresholdRule] {
        let nodes: [Node]
        switch value.node {
        case .sequence(let sequence): nodes = Array(sequence)
        case .scalar: nodes = [value.node]
        default:
            reader.report(value.node, value.path, "expected a list of rules, got \(NodeReader.kind(value.node))")
            return []
        }
        var rules: [ThresholdRule] = []
        for (i, node) in nodes.enumerated() {
            let item = Located(node: node, path: "\(value.path)[\(i)]")
            guard let text = reader.string(item) else { continue }
            do {
                rules.append(ThresholdRule(pattern: pattern, threshold: try Threshold.parse(text)))
            } catch {
                reader.report(node, item.path, error.message, hint: error.hint)
            }
        }
        return rules
    }

    /// `5%` for every figure, or a mapping of figures (`rps`, `p50`, `p99`, `p99.9`, `errors`) to percentages.
    func tolerances(_ value: Located) -> RegressionTolerances? {
        if case .scalar = value.node {
            return reader.percent(value).map { RegressionTolerances(all: $0) }
        }
        guard let pairs = reader.mapping(value, what: "a percentage or a mapping of figures to percentages") else { return nil }
        reader.checkKeys(pairs, allowed: RegressionTolerances.figureNames, in: "max_regression")
        var result = RegressionTolerances.standard
        var ok = true
        for pair in pairs where RegressionTolerances.figureNames.contains(pair.key) {
            if let fraction = reader.percent(Located(node: pair.value, path: "max_regression.\(pair.key)")) {
                _ = result.set(pair.key, fraction)
            } else { ok = false }
        }
        return ok ? result : nil
    }
}
