import Metrics

/// What a reader should do about the generator's findings: the metrics model records what it
/// saw (`GeneratorHealth.warnings`), the printers say it as a warning with the remedy.
public enum GeneratorAdvice {
    /// The remedy for a generator that limited its own run.
    static let remedy = "These figures measure the client; use more threads (-t) or a lower rate (-R)."

    /// One line per finding, ready for the terminal, Markdown or HTML (empty in a healthy run).
    /// Files written before the split already carry the warning and the remedy: kept as they are.
    public static func lines(_ health: GeneratorHealth?) -> [String] {
        (health?.warnings ?? []).map { finding in
            if finding.hasPrefix("Warning:") { return finding }
            return "Warning: \(finding). \(remedy)"
        }
    }
}
