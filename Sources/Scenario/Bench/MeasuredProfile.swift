import Foundation
import Metrics
import Profiler

/// A CPU profile of the server under test for exactly the measured window of a variant (started
/// when the measured load begins, after the warm-up; stopped after it, while the server still
/// runs), whatever started the server. Writes SVG, folded and speedscope files next to the
/// result and says what it did, or why not, in the variant's notes; a profiler that cannot run
/// is one warning and the variant goes on.
final class MeasuredProfile {
    let kind: ProcessProfilerKind?
    let hz: Int
    let pySpyPath: String?
    private var running: ProcessProfile?
    private var warning: String?

    init(kind: ProcessProfilerKind?, hz: Int, executable: String) {
        self.kind = kind
        self.hz = hz
        pySpyPath = ProcessProfile.pySpyPath(near: executable)
    }

    /// Starts sampling `pid` (the window opens).
    func begin(pid: Int32) {
        do {
            running = try ProcessProfile(pid: pid, kind: kind, hz: hz, pySpyPath: pySpyPath)
        } catch {
            warning = error.message
        }
    }

    /// Stops sampling without writing anything (the variant failed).
    func abandon() {
        _ = try? running?.stop()
        running = nil
    }

    /// Stops sampling, writes the files, lists them in `result.profiles` and notes what happened.
    func finish(_ result: inout VariantResult, variant: String, context: VariantContext) {
        var notes = result.notes ?? []
        if let profile = running {
            running = nil
            do {
                let named = try profile.stop()
                let path = (context.outputDirectory as NSString).appendingPathComponent(ServerRunner.profileName(variant))
                let stem = (path as NSString).deletingPathExtension
                let files: [(String, ProfileFormat, String)] = [
                    (path, .svg, "\(variant): \(profile.kind.rawValue) profile of process \(profile.pid), measured window"),
                    (stem + ".folded", .folded, variant), (stem + ".speedscope.json", .speedscope, variant),
                ]
                for (file, format, title) in files {
                    try? format.render(named, title: title).write(to: URL(fileURLWithPath: file), options: .atomic)
                }
                let written = files.map(\.0).filter { FileManager.default.fileExists(atPath: $0) }
                result.profiles = (result.profiles ?? []) + written.map { ($0 as NSString).lastPathComponent }
                notes.append("profile: \(profile.kind.rawValue) at \(profile.hz) Hz on process \(profile.pid), measured window only, \(named.sampleCount) samples"
                             + (profile.dwarfUnwound > 0 ? " (\(profile.dwarfUnwound) stacks unwound from stack copies)" : ""))
            } catch {
                warning = error.message
            }
        }
        if let warning {
            context.progress.line("warning: no profile of `\(variant)`: \(warning); the run goes on")
            notes.append("no profile: \(warning)")
        }
        result.notes = notes.isEmpty ? nil : notes
    }
}
