import Foundation
import LoadGen
import Metrics
import Profiler

/// `volley run --profile FILE`: a sampled CPU profile of the generator's own threads.
extension RunCommand {
    typealias ProfileSettings = ProfileFlags.Settings

    /// Registers the main thread and, through the runner's hook, every worker thread; starts sampling.
    func startProfiling(_ settings: ProfileSettings, runner: LoadRunner) throws {
        runner.onWorkerThreadStart = { Profiler.registerCurrentThread() }
        Profiler.registerCurrentThread()
        do { try Profiler.shared.start(hz: settings.hz) } catch { throw usageError("\(error)") }
    }

    /// Stops sampling and writes the profile (to a file, or standard output for `-`).
    func finishProfiling(_ settings: ProfileSettings, target: OutputTarget, screen: Screen) throws {
        let profile = Profiler.shared.stop()
        let title = "volley " + CommandLine.arguments.dropFirst().joined(separator: " ")
        do {
            try target.write(profile.rendered(as: settings.format, title: title), overwrite: overwrite)
        } catch {
            throw usageError("cannot write profile: \(error)")
        }
        if !quiet {
            let seconds = Double(profile.durationNanos) / 1e9
            let overhead = seconds > 0 ? Double(profile.handlerNanos) / 1e9 / seconds * 100 : 0
            printError(String(format: "Profile: %d samples at %d Hz (%llu dropped, %.2f%% of a core in the sampler) written to %@ (%@)",
                              profile.sampleCount, settings.hz, profile.dropped, overhead, target.description, settings.format.rawValue))
        }
    }
}

extension RunCommand {
    /// The line under an interrupted run's figures (also in reports, from the result's `interrupted`).
    static func interruptedLine(_ result: VariantResult, signal: Int32?) -> String {
        let by = signal == SIGTERM ? "SIGTERM" : "SIGINT"
        return "Interrupted by \(by): results cover \(String(format: "%.2f", result.summary.elapsedSeconds))s.\n"
    }
}

/// The format of a profile file: the one named by `--profile-format`, else the file
/// extension's, else folded stacks.
func profileFileFormat(path: String, named: String?) throws -> ProfileFormat {
    guard let named else {
        if let format = ProfileFormat(path: path) { return format }
        // A name with an extension we do not write (x.pprof) would silently get folded stacks.
        let name = AtomicFile.splitPath(path).name
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, OutputTarget(path).descriptor == nil {
            throw usageError("--profile '\(path)': Volley does not write \(name[dot...]) profiles; use .folded or .txt (folded stacks), "
                             + ".json (speedscope) or .svg (flame graph), or name one with --profile-format folded|speedscope|svg")
        }
        return .folded
    }
    guard let format = ProfileFormat(name: named) else {
        throw usageError("invalid --profile-format '\(named)' (folded, speedscope, svg)")
    }
    return format
}
