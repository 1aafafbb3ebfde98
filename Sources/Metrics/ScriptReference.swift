/// The Lua script a run used (`-s`), as stored in result files: which file, what it held,
/// the arguments it got, and how often its per-request functions failed.
public struct ScriptReference: Codable, Sendable, Equatable {
    /// The path as given.
    public var path: String
    /// SHA-256 of the file's contents, lowercase hex: tells two versions of a script apart.
    public var sha256: String
    /// Arguments after `--`, as the script's `init(args)` got them.
    public var arguments: [String]
    /// Calls of request(), response() or delay() that raised an error.
    public var errors: UInt64
    /// The first error of each failing function, with its file and line.
    public var errorMessages: [String]

    public init(path: String, sha256: String, arguments: [String] = [], errors: UInt64 = 0, errorMessages: [String] = []) {
        self.path = path; self.sha256 = sha256; self.arguments = arguments
        self.errors = errors; self.errorMessages = errorMessages
    }
}
