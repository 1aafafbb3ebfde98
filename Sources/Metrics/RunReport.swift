import Clocks
import Foundation

/// The tool that wrote a result file.
public struct ToolInfo: Codable, Sendable, Equatable {
    /// The version of this Volley build.
    public static let currentVersion = "0.1.0"
    /// This build of Volley, without a git commit (the caller may set one).
    public static var current: ToolInfo { ToolInfo(version: currentVersion) }

    /// Always "volley" for files Volley writes.
    public var name: String
    public var version: String
    /// The git commit Volley was built from, when known.
    public var gitCommit: String?

    public init(name: String = "volley", version: String, gitCommit: String? = nil) {
        self.name = name; self.version = version; self.gitCommit = gitCommit
    }
}

/// A result file: one or more variants measured in one session, with what is needed to
/// trust, repeat and compare them (tool, host, command or scenario). This is Volley's
/// JSON output; its schema is documented in docs/result-schema.md.
public struct RunReport: Codable, Sendable, Equatable {
    /// The schema version this build writes and reads.
    public static let currentSchemaVersion = 1

    /// Version of the schema the file follows; readers refuse versions they do not know.
    public var schemaVersion: Int
    public var tool: ToolInfo
    public var host: HostInfo
    /// When the report was created, ISO 8601 in UTC ("2025-03-01T12:00:00Z").
    public var createdAt: String
    /// The command line that produced the report, argv including the program name.
    public var command: [String]?
    /// Name of the scenario that produced the report, for `volley bench`.
    public var scenario: String?
    public var variants: [VariantResult]
    /// Remarks about the whole session, for people.
    public var notes: [String]?
    /// The git commit and branch measured, when known (see `SourceInfo.detect`).
    public var source: SourceInfo?

    public init(schemaVersion: Int = RunReport.currentSchemaVersion, tool: ToolInfo = .current, host: HostInfo,
                createdAt: String, command: [String]? = nil, scenario: String? = nil, variants: [VariantResult],
                notes: [String]? = nil) {
        self.schemaVersion = schemaVersion; self.tool = tool; self.host = host; self.createdAt = createdAt
        self.command = command; self.scenario = scenario; self.variants = variants; self.notes = notes
    }

    /// A one-variant report (variant "run") for `volley run --json`, stamped with this
    /// build, this host and the current time.
    public static func single(configuration: RunConfiguration, measurement: LoadMeasurement, command: [String]?,
                              tool: ToolInfo = .current, host: HostInfo = .current(),
                              createdAt: Date = Date()) -> RunReport {
        RunReport(tool: tool, host: host, createdAt: UTCTime.format(createdAt), command: command,
                  variants: [VariantResult(name: "run", configuration: configuration, measurement: measurement)])
    }

    /// The variant named `name`, if any.
    public func variant(named name: String) -> VariantResult? {
        variants.first { $0.name == name }
    }
}
