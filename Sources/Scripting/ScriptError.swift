/// Why a script cannot run. Lua's own messages carry the file and line (`post.lua:3: …`).
public enum ScriptError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file does not compile.
    case syntax(String)
    /// A function of the script failed where the run cannot go on (main chunk, setup, init, done).
    case runtime(function: String, message: String)
    /// The request the script builds is not HTTP.
    case invalidRequest(String)
    /// Volley's own Lua failed (a bug).
    case `internal`(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read script \(path): \(reason)"
        case .syntax(let message): return "syntax error: \(message)"
        case .runtime(let function, let message): return "error in \(function): \(message)"
        case .invalidRequest(let why): return "the script's request is not valid HTTP: \(why)"
        case .internal(let message): return "internal scripting error: \(message)"
        }
    }
}

/// Errors of the script's per-request functions over a run: how many, and the first message
/// of each function (reported once, not once per request).
public struct ScriptErrorTally: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var function: String
        public var count: UInt64
        public var firstMessage: String
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public var total: UInt64 { entries.reduce(0) { $0 + $1.count } }

    mutating func record(function: String, message: @autoclosure () -> String) {
        if let i = entries.firstIndex(where: { $0.function == function }) {
            entries[i].count += 1
        } else {
            entries.append(Entry(function: function, count: 1, firstMessage: message()))
        }
    }

    mutating func add(_ other: ScriptErrorTally) {
        for entry in other.entries {
            if let i = entries.firstIndex(where: { $0.function == entry.function }) {
                entries[i].count += entry.count
            } else {
                entries.append(entry)
            }
        }
    }

    /// One line per function, e.g. `12 errors in response(): auth.lua:9: attempt to index …`.
    public var lines: [String] {
        entries.map { "\($0.count) error\($0.count == 1 ? "" : "s") in \($0.function) (first: \($0.firstMessage))" }
    }
}
