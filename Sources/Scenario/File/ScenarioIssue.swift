/// One mistake found in a scenario file: where it is, which key, what is wrong, and a hint.
public struct ScenarioIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line and column of the offending key or value (0 when the file has no position).
    public var line: Int
    public var column: Int
    /// Dotted path of the key, e.g. `load.connections` or `matrix.model[1]`.
    public var key: String
    public var message: String
    /// What to do about it, e.g. "did you mean `connections`?".
    public var hint: String?

    public init(file: String, line: Int, column: Int, key: String, message: String, hint: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.key = key
        self.message = message; self.hint = hint
    }

    /// `file:line:column: key: message (hint)`, the form compilers use so editors can jump to it.
    public var description: String {
        var text = "\(file):\(line):\(column): "
        if !key.isEmpty { text += "`\(key)`: " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Every mistake found in a scenario file; nothing is started when there is one.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var issues: [ScenarioIssue]

    public init(_ issues: [ScenarioIssue]) { self.issues = issues }

    public var description: String {
        let count = issues.count == 1 ? "1 error" : "\(issues.count) errors"
        return (issues.map(\.description) + ["\(count) in scenario; nothing was started"]).joined(separator: "\n")
    }
}

/// Spelling suggestions for unknown keys and names.
public enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lower, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let allowed = max(1, min(3, candidate.count / 3))
        if distance <= allowed { return candidate }
        // A prefix or a containment ("conn" for "connections") is a likely meaning too.
        if lower.count >= 3, candidate.lowercased().hasPrefix(lower) || lower.hasPrefix(candidate.lowercased()) {
            return candidate
        }
        return nil
    }

    /// Edit distance over characters where swapping two neighbours counts as one edit
    /// (optimal string alignment), since `asnyc` for `async` is one slip, not two.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
