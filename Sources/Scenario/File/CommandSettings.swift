import Foundation
import Yams

extension ScenarioParser {
    /// `profile:` is true/false, or the profiler to use for a command server: auto, perf, py-spy (each means true).
    static func profileSetting(_ value: Located, reader: NodeReader) -> (Bool, CommandSpec.ProfilerChoice) {
        if let text = value.node.scalar?.string, value.node.scalar?.style == .plain,
           let choice = CommandSpec.ProfilerChoice(rawValue: text.lowercased()) {
            return (true, choice)
        }
        guard let bool = value.node.bool, value.node.scalar?.style == .plain else {
            reader.report(value.node, value.path, "expected true or false, got \(NodeReader.kind(value.node))",
                          hint: "or the profiler for a command server: auto, perf, py-spy")
            return (false, .auto)
        }
        return (bool, .auto)
    }
}

extension SettingsDecoder {
    /// A built-in server (`model`) or the user's own (`command`); the keys of the other kind are refused.
    func target(_ fields: [String: Located], sectionNode: Node?, profiler: CommandSpec.ProfilerChoice) -> Target? {
        guard fields["command"] != nil else {
            var ok = true
            for key in Settings.commandKeys.sorted() {
                guard let located = fields[key] else { continue }
                reader.report(located.keyNode ?? located.node, located.path, "only a `command` server takes this",
                              hint: "add `command:` or remove it for the built-in `model`")
                ok = false
            }
            let spec = server(fields, sectionNode: sectionNode)
            return ok ? spec.map { .server($0) } : nil
        }
        return command(fields, profiler: profiler).map { .command($0) }
    }

    /// `server.command` and its companions (see `CommandSpec`).
    func command(_ fields: [String: Located], profiler: CommandSpec.ProfilerChoice) -> CommandSpec? {
        var ok = true
        for key in Settings.builtinKeys {
            guard let located = fields[key] else { continue }
            reader.report(located.keyNode ?? located.node, located.path, "a `command` server does not take `\(key)`",
                          hint: key == "model" ? "give `model` (a built-in server) or `command` (your own), not both"
                              : "start workers or threads in your command itself")
            ok = false
        }
        guard let commandValue = fields["command"], let invocation = invocation(commandValue) else { return nil }
        var spec = CommandSpec(invocation: invocation, profiler: profiler)
        if let v = fields["env"] { if let env = environment(v) { spec.environment = env } else { ok = false } }
        if let v = fields["cwd"] { if let dir = directory(v) { spec.directory = dir } else { ok = false } }
        switch (fields["ready"], fields["ready_log"]) {
        case (let path?, nil):
            if let text = reader.string(path), let checked = self.path(text, path) { spec.readiness = .http(path: checked) } else { ok = false }
        case (nil, let pattern?):
            if let text = reader.string(pattern), regex(text, pattern) { spec.readiness = .log(pattern: text) } else { ok = false }
        case (_?, let pattern?):
            reader.report(pattern.keyNode ?? pattern.node, pattern.path, "give `ready` (an HTTP path) or `ready_log` (a pattern), not both")
            ok = false
        case (nil, nil): break
        }
        if let v = fields["ready_timeout"] {
            if let n = reader.duration(v, in: 100_000_000...3_600_000_000_000) { spec.readyTimeoutNanos = n } else { ok = false }
        }
        if let v = fields["grace"] { if let n = reader.duration(v, in: 0...600_000_000_000) { spec.graceNanos = n } else { ok = false } }
        if let v = fields["stop_signal"] {
            if let text = reader.string(v), let number = SignalName.number(text) { spec.stopSignal = number }
            else {
                if v.node.scalar != nil {
                    reader.report(v.node, v.path, "`\(v.node.scalar!.string)` is not a signal name",
                                  hint: "one of " + SignalName.all.map(\.0).joined(separator: ", "))
                }
                ok = false
            }
        }
        if let v = fields["cpus"] { if let c = reader.cpus(v) { spec.cpus = c } else { ok = false } }
        if let v = fields["database"] { if let db = database(v) { spec.database = db } else { ok = false } }
        if let v = fields["asyncio_debug"] { if let b = reader.bool(v) { spec.asyncioDebug = b } else { ok = false } }
        if let v = fields["slow_callback"] {
            if let n = reader.duration(v, in: 1_000_000...60_000_000_000) {
                spec.slowCallbackNanos = n
                if !spec.asyncioDebug {
                    reader.report(v.keyNode ?? v.node, v.path, "`slow_callback` of a command server needs `asyncio_debug: true`",
                                  hint: "asyncio reports slow callbacks in debug mode only")
                    ok = false
                }
            } else { ok = false }
        }
        return ok ? spec : nil
    }

    /// A non-empty list of words (argv) or a non-empty line for `/bin/sh -c`.
    func invocation(_ value: Located) -> CommandSpec.Invocation? {
        switch value.node {
        case .sequence(let sequence):
            var argv: [String] = []
            for (i, node) in sequence.enumerated() {
                let item = Located(node: node, path: "\(value.path)[\(i)]")
                guard case .scalar(let scalar) = node, node.null == nil || scalar.style != .plain else {
                    reader.report(node, item.path, "expected a word of the command, got \(NodeReader.kind(node))")
                    return nil
                }
                argv.append(scalar.string)
            }
            guard let first = argv.first, !first.isEmpty else {
                reader.report(value.node, value.path, "the command is empty", hint: "e.g. [python3, app.py, --port, \"{port}\"]")
                return nil
            }
            return .argv(argv)
        case .scalar:
            guard let line = reader.string(value) else { return nil }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                reader.report(value.node, value.path, "the command is empty", hint: "e.g. \"python3 app.py --port {port}\"")
                return nil
            }
            return .shell(line)
        default:
            reader.report(value.node, value.path, "expected a list of words or a shell line, got \(NodeReader.kind(value.node))",
                          hint: "e.g. [python3, app.py] or \"exec python3 app.py\"")
            return nil
        }
    }

    /// A mapping of variable names to one-line values (numbers and booleans are taken as written).
    func environment(_ value: Located) -> [EnvironmentVariable]? {
        guard let pairs = reader.mapping(value, what: "a mapping of variable names to values") else { return nil }
        var result: [EnvironmentVariable] = []
        for pair in pairs {
            let path = "\(value.path).\(pair.key)"
            guard let first = pair.key.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)),
                  pair.key.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }) else {
                reader.report(pair.keyNode, path, "`\(pair.key)` is not an environment variable name", hint: "letters, digits and _")
                return nil
            }
            guard case .scalar(let scalar) = pair.value, !scalar.string.contains("\0") else {
                reader.report(pair.value, path, "expected a text value, got \(NodeReader.kind(pair.value))")
                return nil
            }
            result.append(EnvironmentVariable(name: pair.key, value: scalar.string))
        }
        return result
    }

    /// A folder, relative to the scenario file's folder unless absolute; it must exist.
    func directory(_ value: Located) -> String? {
        guard let text = reader.string(value) else { return nil }
        let base = (reader.file as NSString).deletingLastPathComponent
        let full = text.hasPrefix("/") ? text : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(text)
        let resolved = (URL(fileURLWithPath: full).standardizedFileURL.path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            reader.report(value.node, value.path, "`\(text)` is not a folder (looked for \(resolved))",
                          hint: "`cwd` is relative to the scenario file's folder")
            return nil
        }
        return resolved
    }

    func regex(_ text: String, _ value: Located) -> Bool {
        do {
            _ = try NSRegularExpression(pattern: text)
            return true
        } catch {
            reader.report(value.node, value.path, "`\(text)` is not a regular expression", hint: "e.g. \"Running on http\"")
            return false
        }
    }
}
