import Yams

/// The settings of one variant before decoding: each server or load key with the node that
/// sets it (from the `server`/`load` section, the `quick` section, or a matrix value).
struct Settings {
    var server: [String: Located] = [:]
    var load: [String: Located] = [:]

    static let serverKeys = ["model", "workers", "threads", "database", "cpus", "slow_callback", "db_driver", "tls"] + commandKeys
    /// Keys that only a `command` server takes, and keys that only the built-in servers take.
    static let commandKeys = ["command", "env", "cwd", "ready", "ready_log", "ready_timeout", "stop_signal", "grace", "asyncio_debug"]
    static let builtinKeys = ["model", "workers", "threads", "tls"]
    static let loadKeys = ["threads", "connections", "duration", "warmup", "rate", "method", "path", "paths",
                           "headers", "body", "pipeline", "timeout", "cpus", "script", "script_args", "insecure"]
    /// Short names a matrix axis or a matrix value may use, and the setting each means.
    static let shortNames: [String: String] = [
        "model": "server.model", "workers": "server.workers", "database": "server.database",
        "slow_callback": "server.slow_callback", "db_driver": "server.db_driver",
        "command": "server.command", "env": "server.env", "cwd": "server.cwd", "ready": "server.ready",
        "ready_log": "server.ready_log", "ready_timeout": "server.ready_timeout", "stop_signal": "server.stop_signal",
        "grace": "server.grace", "asyncio_debug": "server.asyncio_debug",
        "threads": "load.threads", "connections": "load.connections", "duration": "load.duration",
        "warmup": "load.warmup", "rate": "load.rate", "method": "load.method", "path": "load.path",
        "route": "load.path", "paths": "load.paths", "headers": "load.headers", "body": "load.body",
        "pipeline": "load.pipeline", "timeout": "load.timeout",
        "script": "load.script", "script_args": "load.script_args",
    ]

    /// Every name a matrix may use: short names and `server.X` / `load.X`.
    static var matrixNames: [String] {
        Array(shortNames.keys) + serverKeys.map { "server.\($0)" } + loadKeys.map { "load.\($0)" }
    }

    /// The qualified setting (`server.model`) a matrix name means, or nil.
    static func qualify(_ name: String) -> String? {
        if let full = shortNames[name] { return full }
        if name.hasPrefix("server."), serverKeys.contains(String(name.dropFirst(7))) { return name }
        if name.hasPrefix("load."), loadKeys.contains(String(name.dropFirst(5))) { return name }
        return nil
    }

    mutating func set(_ qualified: String, _ value: Located) {
        if qualified.hasPrefix("server.") { server[String(qualified.dropFirst(7))] = value }
        else { load[String(qualified.dropFirst(5))] = value }
    }
}

/// Turns `Settings` into typed specs, reporting every bad value through the reader.
struct SettingsDecoder {
    let reader: NodeReader

    func server(_ fields: [String: Located], sectionNode: Node?) -> ServerSpec? {
        var ok = true
        var model: ServerSpec.Model?
        if let value = fields["model"] {
            if let text = reader.string(value) {
                model = ServerSpec.Model(rawValue: text)
                if model == nil {
                    let hint = Suggestion.nearest(text, in: ServerSpec.Model.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" }
                        ?? "one of sync, async"
                    reader.report(value.node, value.path, "unknown server model `\(text)`", hint: hint)
                }
            }
        } else {
            reader.report(sectionNode, "server.model", "missing field", hint: "set `model: sync` or `model: async` here or as a matrix axis")
        }
        var spec = ServerSpec(model: model ?? .sync)
        if model == nil { ok = false }
        if let v = fields["workers"] { if let n = reader.int(v, in: 1...256) { spec.workers = n } else { ok = false } }
        if let v = fields["threads"] { if let n = reader.int(v, in: 1...4096) { spec.threads = n } else { ok = false } }
        if let v = fields["cpus"] { if let c = reader.cpus(v) { spec.cpus = c } else { ok = false } }
        if let v = fields["slow_callback"] {
            if let n = reader.duration(v, in: 1_000_000...60_000_000_000) { spec.slowCallbackNanos = n } else { ok = false }
        }
        if let v = fields["database"] { if let db = database(v) { spec.database = db } else { ok = false } }
        if let v = fields["db_driver"], let text = reader.string(v) {
            if let driver = ServerSpec.DatabaseDriver(rawValue: text) {
                spec.dbDriver = driver
            } else {
                let hint = Suggestion.nearest(text, in: ServerSpec.DatabaseDriver.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" }
                    ?? "native or threadpool"
                reader.report(v.node, v.path, "unknown db_driver `\(text)`", hint: hint)
                ok = false
            }
        } else if fields["db_driver"] != nil {
            ok = false
        }
        if let v = fields["tls"] { if let b = reader.bool(v) { spec.tls = b } else { ok = false } }
        return ok ? spec : nil
    }

    /// `none`, `builtin`, `{builtin: {latency: 1ms}}` or `{uri: mongodb://127.0.0.1:27017}`.
    func database(_ value: Located) -> DatabaseSpec? {
        let forms = "none, builtin, {builtin: {latency: 1ms}} or {uri: \"mongodb://127.0.0.1:27017\"}"
        if case .scalar(let scalar) = value.node {
            switch scalar.string {
            case "none": return DatabaseSpec.none
            case "builtin": return .builtin(latencyNanos: 0)
            default:
                let hint = Suggestion.nearest(scalar.string, in: ["none", "builtin"]).map { "did you mean `\($0)`?" } ?? "one of \(forms)"
                reader.report(value.node, value.path, "unknown database `\(scalar.string)`", hint: hint)
                return nil
            }
        }
        guard let pairs = reader.mapping(value, what: forms) else { return nil }
        reader.checkKeys(pairs, allowed: ["builtin", "uri"], in: value.path)
        guard pairs.count == 1, let pair = pairs.first else {
            reader.report(value.node, value.path, "give exactly one of `builtin` or `uri`", hint: forms)
            return nil
        }
        let inner = Located(node: pair.value, path: "\(value.path).\(pair.key)", keyNode: pair.keyNode)
        switch pair.key {
        case "builtin":
            if pair.value.null != nil { return .builtin(latencyNanos: 0) }
            guard let options = reader.mapping(inner) else { return nil }
            reader.checkKeys(options, allowed: ["latency"], in: inner.path)
            var latency: UInt64 = 0
            for option in options where option.key == "latency" {
                guard let n = reader.duration(Located(node: option.value, path: "\(inner.path).latency"), in: 0...10_000_000_000) else { return nil }
                latency = n
            }
            return .builtin(latencyNanos: latency)
        case "uri":
            guard let uri = reader.string(inner) else { return nil }
            guard uri.hasPrefix("mongodb://") else {
                reader.report(pair.value, inner.path, "`\(uri)` is not a MongoDB URI", hint: "e.g. mongodb://127.0.0.1:27017")
                return nil
            }
            let host = uri.dropFirst("mongodb://".count).split(whereSeparator: { "/:?,@".contains($0) }).first.map(String.init) ?? ""
            guard ["127.0.0.1", "localhost", "[::1]", "::1"].contains(host) || host.hasPrefix("127.") else {
                reader.report(pair.value, inner.path, "the database must be on this machine (loopback), not `\(host)`",
                              hint: "use mongodb://127.0.0.1:PORT or `builtin`")
                return nil
            }
            return .uri(uri)
        default:
            return nil
        }
    }

    func load(_ fields: [String: Located]) -> LoadSpec? {
        var spec = LoadSpec()
        var ok = true
        func take<T>(_ key: String, _ read: (Located) -> T?, _ apply: (T) -> Void) {
            guard let value = fields[key] else { return }
            if let parsed = read(value) { apply(parsed) } else { ok = false }
        }
        take("threads", { reader.int($0, in: 1...1024) }) { spec.threads = $0 }
        take("connections", { reader.int($0, in: 1...1_000_000) }) { spec.connections = $0 }
        take("duration", { reader.duration($0, in: 1_000_000...86_400_000_000_000) }) { spec.durationNanos = $0 }
        take("warmup", { reader.duration($0, in: 0...3_600_000_000_000) }) { spec.warmupNanos = $0 }
        take("rate", { reader.rate($0) }) { spec.rate = $0 }
        take("method", method) { spec.method = $0 }
        take("path", { v in reader.string(v).flatMap { path($0, v) } }) { spec.paths = [WeightedPath(path: $0)] }
        take("paths", paths) { spec.paths = $0 }
        take("headers", headers) { spec.headers = $0 }
        take("body", { reader.string($0) }) { spec.body = $0 }
        take("pipeline", { reader.int($0, in: 1...1024) }) { spec.pipeline = $0 }
        take("timeout", { reader.duration($0, in: 1_000_000...3_600_000_000_000) }) { spec.timeoutNanos = $0 }
        take("cpus", { reader.cpus($0) }) { spec.cpus = $0 }
        take("script", script) { spec.script = $0 }
        take("script_args", scriptArguments) { spec.scriptArguments = $0 }
        if let paths = fields["paths"], fields["script"] != nil {
            reader.report(paths.keyNode ?? paths.node, paths.path, "give `script` or `paths`, not both",
                          hint: "let the script's request() choose the path")
            ok = false
        }
        if let args = fields["script_args"], fields["script"] == nil {
            reader.report(args.keyNode ?? args.node, args.path, "`script_args` without a `script`")
            ok = false
        }
        take("insecure", { reader.bool($0) }) { spec.insecure = $0 }
        if let single = fields["path"], fields["paths"] != nil {
            reader.report(single.keyNode ?? single.node, single.path, "give `path` or `paths`, not both")
            ok = false
        }
        return ok ? spec : nil
    }

    func method(_ value: Located) -> String? {
        guard let text = reader.string(value) else { return nil }
        let upper = text.uppercased()
        guard !upper.isEmpty, upper.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else {
            reader.report(value.node, value.path, "`\(text)` is not an HTTP method", hint: "e.g. GET, POST, PUT")
            return nil
        }
        return upper
    }

    func path(_ text: String, _ value: Located) -> String? {
        guard text.hasPrefix("/"), !text.contains(where: { $0 == " " || $0.isNewline }) else {
            reader.report(value.node, value.path, "`\(text)` is not a request path", hint: "start it with `/`, e.g. /fetch or /sleep?ms=10")
            return nil
        }
        return text
    }

    /// A list of `{path, weight}` or a mapping `path: weight`.
    func paths(_ value: Located) -> [WeightedPath]? {
        var result: [WeightedPath] = []
        switch value.node {
        case .sequence(let sequence):
            for (i, node) in sequence.enumerated() {
                let item = Located(node: node, path: "\(value.path)[\(i)]")
                guard let pairs = reader.mapping(item, what: "{path: /x, weight: 3}") else { return nil }
                reader.checkKeys(pairs, allowed: ["path", "weight"], in: item.path)
                guard let p = pairs.first(where: { $0.key == "path" }) else {
                    reader.report(node, "\(item.path).path", "missing field", hint: "each entry needs a `path`")
                    return nil
                }
                let pathValue = Located(node: p.value, path: "\(item.path).path")
                guard let text = reader.string(pathValue), let checked = path(text, pathValue) else { return nil }
                var weight = 1.0
                if let w = pairs.first(where: { $0.key == "weight" }) {
                    guard let n = reader.number(Located(node: w.value, path: "\(item.path).weight"), greaterThan: 0, atMost: 1e6) else { return nil }
                    weight = n
                }
                result.append(WeightedPath(path: checked, weight: weight))
            }
        case .mapping:
            guard let pairs = reader.mapping(value) else { return nil }
            for pair in pairs {
                let key = Located(node: pair.keyNode, path: "\(value.path).\(pair.key)")
                guard let checked = path(pair.key, key),
                      let weight = reader.number(Located(node: pair.value, path: key.path), greaterThan: 0, atMost: 1e6) else { return nil }
                result.append(WeightedPath(path: checked, weight: weight))
            }
        default:
            reader.report(value.node, value.path, "expected a list of {path, weight} or a mapping of path to weight, got \(NodeReader.kind(value.node))")
            return nil
        }
        if result.isEmpty { reader.report(value.node, value.path, "no paths given"); return nil }
        return result
    }

    func headers(_ value: Located) -> [HeaderField]? {
        guard let pairs = reader.mapping(value, what: "a mapping of header names to values") else { return nil }
        var result: [HeaderField] = []
        for pair in pairs {
            let item = Located(node: pair.value, path: "\(value.path).\(pair.key)")
            guard !pair.key.isEmpty, pair.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_!#$%&'*+.^`|~".contains($0)) }) else {
                reader.report(pair.keyNode, item.path, "`\(pair.key)` is not a header name")
                return nil
            }
            guard let text = headerValue(item) else { return nil }
            result.append(HeaderField(name: pair.key, value: text))
        }
        return result
    }

    private func headerValue(_ item: Located) -> String? {
        guard case .scalar(let scalar) = item.node, !scalar.string.contains(where: \.isNewline) else {
            reader.report(item.node, item.path, "expected a one-line header value, got \(NodeReader.kind(item.node))")
            return nil
        }
        return scalar.string
    }
}
