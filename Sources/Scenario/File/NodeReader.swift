import Yams
import Metrics

/// A YAML node with the dotted key path that leads to it, for messages.
struct Located {
    var node: Node
    /// Where the value came from, e.g. `load.connections` or `matrix.connections[2]`.
    var path: String
    /// The key node, when the value is a mapping value (its mark names the key).
    var keyNode: Node?
}

/// Reads typed values out of YAML nodes and collects every mistake instead of stopping at the first.
final class NodeReader {
    let file: String
    private(set) var issues: [ScenarioIssue] = []
    private var seen: Set<String> = []

    init(file: String) { self.file = file }

    /// Records a mistake at `node` (or at the start of the file), once even if met again.
    func report(_ node: Node?, _ key: String, _ message: String, hint: String? = nil) {
        let mark = node?.mark
        let issue = ScenarioIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, key: key,
                                  message: message, hint: hint)
        if seen.insert(issue.description).inserted { issues.append(issue) }
    }

    /// The pairs of a mapping with string keys; reports a non-mapping or a non-scalar key.
    func mapping(_ value: Located, what: String = "a mapping of keys to values") -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = value.node else {
            report(value.node, value.path, "expected \(what), got \(Self.kind(value.node))")
            return nil
        }
        var pairs: [(String, Node, Node)] = []
        for (key, node) in mapping {
            guard let text = key.scalar?.string else {
                report(key, value.path, "a key must be a plain word, got \(Self.kind(key))")
                continue
            }
            pairs.append((text, key, node))
        }
        return pairs
    }

    /// Reports keys not in `allowed`, suggesting the nearest one.
    func checkKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], in path: String) {
        for pair in pairs where !allowed.contains(pair.key) {
            let full = path.isEmpty ? pair.key : "\(path).\(pair.key)"
            let hint = Suggestion.nearest(pair.key, in: allowed).map { "did you mean `\($0)`?" }
                ?? "allowed here: \(allowed.joined(separator: ", "))"
            report(pair.keyNode, full, "unknown key", hint: hint)
        }
    }

    func string(_ value: Located) -> String? {
        guard case .scalar(let scalar) = value.node, value.node.null == nil || scalar.style != .plain else {
            report(value.node, value.path, "expected a text value, got \(Self.kind(value.node))")
            return nil
        }
        return scalar.string
    }

    func bool(_ value: Located) -> Bool? {
        guard let bool = value.node.bool, value.node.scalar?.style == .plain else {
            report(value.node, value.path, "expected true or false, got \(Self.kind(value.node))")
            return nil
        }
        return bool
    }

    func int(_ value: Located, in range: ClosedRange<Int>) -> Int? {
        guard value.node.scalar?.style == .plain, let int = value.node.int else {
            report(value.node, value.path, "expected a whole number, got \(Self.kind(value.node))",
                   hint: "a number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        guard range.contains(int) else {
            report(value.node, value.path, "\(int) is out of range", hint: "allowed: \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return int
    }

    /// The scalar read by one of `Quantity`'s parsers; a refusal is reported as `expected WHAT`,
    /// with the parser's reason (and `examples`) as the hint.
    private func quantity<Value>(_ value: Located, expected what: String, examples: String,
                                 _ parse: (String) throws(QuantityError) -> Value) -> (value: Value, text: String)? {
        do {
            guard let text = value.node.scalar?.string else { throw QuantityError("not \(what)") }
            return (try parse(text), text)
        } catch {
            let reason = "\(error)"
            report(value.node, value.path, "expected \(what), got \(Self.kind(value.node))",
                   hint: reason.contains("e.g.") ? reason : "\(reason); \(examples)")
            return nil
        }
    }

    /// A count such as `1000`, `10k`, `1.5M` (Quantity's rules), in `(low, high]`.
    func number(_ value: Located, greaterThan low: Double, atMost high: Double) -> Double? {
        guard let (number, text) = quantity(value, expected: "a number", examples: "e.g. 1000, 10k, 1.5M", Quantity.parseCount) else { return nil }
        guard number > low, number <= high else {
            report(value.node, value.path, "\(text) is out of range", hint: "allowed: more than \(Quantity.trim(low)), at most \(Quantity.trim(high))")
            return nil
        }
        return number
    }

    /// A constant rate in requests/sec, read as `-R` reads one (`10000`, `10k`, `1.5M`, `1.5m`).
    /// A ramp `START:END` is refused with the reason: a variant runs at one rate.
    func rate(_ value: Located) -> Double? {
        guard let (rates, text) = quantity(value, expected: "a rate in requests/sec", examples: "e.g. 10000, 10k, 1.5M", Quantity.parseRate) else {
            return nil
        }
        guard rates.start == rates.end else {
            report(value.node, value.path, "`\(text)` is a ramp; a scenario variant runs at one rate",
                   hint: "give one rate (e.g. 10000), or run the ramp with `volley run -R \(text)`")
            return nil
        }
        return rates.start
    }

    func duration(_ value: Located, in range: ClosedRange<UInt64>) -> UInt64? {
        guard let text = value.node.scalar?.string else {
            report(value.node, value.path, "expected a duration, got \(Self.kind(value.node))", hint: "e.g. 10s, 500ms")
            return nil
        }
        let nanos: UInt64
        do { nanos = try Quantity.parseDuration(text) } catch {
            let reason = error.description
            report(value.node, value.path, "`\(text)` is not a duration", hint: reason.contains("e.g.") ? reason : "\(reason); e.g. 10s, 500ms, 1m")
            return nil
        }
        guard range.contains(nanos) else {
            report(value.node, value.path, "\(text) is out of range",
                   hint: "allowed: \(Quantity.formatDuration(range.lowerBound)) to \(Quantity.formatDuration(range.upperBound))")
            return nil
        }
        return nanos
    }

    func percent(_ value: Located) -> Double? {
        guard let (fraction, _) = quantity(value, expected: "a percentage", examples: "e.g. 5%", Quantity.parsePercent) else { return nil }
        guard fraction <= 10 else {
            report(value.node, value.path, "expected a percentage, got \(Self.kind(value.node))", hint: "at most 1000%, e.g. 5%")
            return nil
        }
        return fraction
    }

    /// One CPU number or a list of them.
    func cpus(_ value: Located) -> [Int]? {
        if case .sequence(let sequence) = value.node {
            var result: [Int] = []
            for (i, node) in sequence.enumerated() {
                guard let cpu = int(Located(node: node, path: "\(value.path)[\(i)]"), in: 0...1023) else { return nil }
                result.append(cpu)
            }
            if result.isEmpty { report(value.node, value.path, "empty CPU list", hint: "give CPU numbers such as [0] or [0, 1]") }
            return result.isEmpty ? nil : result
        }
        return int(value, in: 0...1023).map { [$0] }
    }

    /// What a node is, for "expected X, got Y".
    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if node.null != nil && scalar.style == .plain { return "nothing (null)" }
            return "`\(scalar.string)`"
        }
    }
}
