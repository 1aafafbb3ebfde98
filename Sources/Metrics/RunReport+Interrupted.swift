import Foundation

extension RunReport {
    /// One line for reports when SIGINT/SIGTERM cut a variant short, nil otherwise: figures of
    /// an interrupted variant cover only the time it ran and must not pass for a full run.
    public var interruptionNote: String? {
        let cut = variants.filter { $0.interrupted == true }
        guard !cut.isEmpty else { return nil }
        let names = cut.map { "\($0.name) (\(String(format: "%.2f", $0.summary.elapsedSeconds))s)" }.joined(separator: ", ")
        return "Interrupted: \(names) cut short by a signal; the figures cover only the time it ran."
    }
}
