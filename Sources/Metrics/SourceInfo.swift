import Foundation

/// Where the measured code came from: a git commit and branch, so a result can be placed in
/// a history (`volley report results/NAME/`) and labelled.
public struct SourceInfo: Codable, Sendable, Equatable {
    /// Full commit hash (or whatever VOLLEY_COMMIT says).
    public var commit: String?
    public var branch: String?
    /// The work tree had uncommitted changes (from `git` only).
    public var dirty: Bool?
    /// How it was found: `VOLLEY_COMMIT`, `git`, `GITHUB_SHA` or `CI_COMMIT_SHA`.
    public var origin: String

    public init(commit: String?, branch: String? = nil, dirty: Bool? = nil, origin: String) {
        self.commit = commit; self.branch = branch; self.dirty = dirty; self.origin = origin
    }

    /// A short label for reports: `a1b2c3d4 (main)`, `a1b2c3d4+` when dirty.
    public var label: String {
        let short = commit.map { String($0.prefix(8)) } ?? "?"
        return short + (dirty == true ? "+" : "") + (branch.map { " (\($0))" } ?? "")
    }

    /// Finds the source: `VOLLEY_COMMIT` (and `VOLLEY_BRANCH`) first, because whoever sets them
    /// knows best (in CI the binary measured may not be the checkout the command runs in);
    /// then `git` in the current directory; then GitHub Actions' and GitLab CI's variables.
    /// Nil when none is known.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment,
                              directory: String = FileManager.default.currentDirectoryPath) -> SourceInfo? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let commit = value("VOLLEY_COMMIT") {
            return SourceInfo(commit: commit, branch: value("VOLLEY_BRANCH"), origin: "VOLLEY_COMMIT")
        }
        if let commit = git(["rev-parse", "HEAD"], in: directory) {
            let branch = git(["rev-parse", "--abbrev-ref", "HEAD"], in: directory).flatMap { $0 == "HEAD" ? nil : $0 }
            let status = git(["status", "--porcelain", "--untracked-files=no"], in: directory, allowEmpty: true)
            return SourceInfo(commit: commit, branch: branch, dirty: status.map { !$0.isEmpty }, origin: "git")
        }
        if let commit = value("GITHUB_SHA") {
            return SourceInfo(commit: commit, branch: value("GITHUB_HEAD_REF") ?? value("GITHUB_REF_NAME"), origin: "GITHUB_SHA")
        }
        if let commit = value("CI_COMMIT_SHA") {
            return SourceInfo(commit: commit, branch: value("CI_COMMIT_REF_NAME"), origin: "CI_COMMIT_SHA")
        }
        return nil
    }

    /// `git ARGS` in `directory`: its trimmed output, or nil when git is missing, fails, or says nothing.
    static func git(_ arguments: [String], in directory: String, allowEmpty: Bool = false) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty && !allowEmpty ? nil : text
    }
}
