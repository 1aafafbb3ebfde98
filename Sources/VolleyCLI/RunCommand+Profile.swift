import Foundation
import LoadGen
import Metrics
import Profiler
import Scenario

/// `volley run --profile FILE`: a sampled CPU profile of the generator's own threads.
extension RunCommand {
    struct ProfileSettings {
        var path: String
        var format: ProfileFormat
        var hz: Int
        /// `--profile-pid`: the process to profile instead of the generator, and the profiler asked for (nil: auto).
        var pid: Int32?
        var kind: ProcessProfilerKind?
        let remote = RemoteProfileHolder()
    }

    /// The running profile of another process, between start and finish.
    final class RemoteProfileHolder {
        var profile: ProcessProfile?
    }

    /// Validates the profile flags (the shared group plus `--profile-pid`); nil when no profile was asked for.
    func profileSettings() throws -> ProfileSettings? {
        guard let base = try profiling.settings() else {
            if profilePid != nil { throw usageError("--profile-pid needs --profile FILE") }
            return nil
        }
        var settings = ProfileSettings(path: base.path, format: base.format, hz: base.hz)
        if let profilePid {
            guard profilePid > 0, FileManager.default.fileExists(atPath: "/proc/\(profilePid)") else {
                throw usageError("--profile-pid \(profilePid): no such process")
            }
            settings.pid = profilePid
            switch profileWith {
            case "auto": settings.kind = nil
            default:
                guard let kind = ProcessProfilerKind(rawValue: profileWith) else {
                    throw usageError("invalid --profile-with '\(profileWith)' (auto, perf, py-spy)")
                }
                settings.kind = kind
            }
        }
        return settings
    }

    /// Registers the main thread and, through the runner's hook, every worker thread; starts sampling.
    func startProfiling(_ settings: ProfileSettings, runner: LoadRunner) throws {
        if let pid = settings.pid {
            // Not permitted or not possible: one warning, and the run goes on without a profile.
            do {
                settings.remote.profile = try ProcessProfile(pid: pid, kind: settings.kind, hz: settings.hz,
                                                             pySpyPath: ProcessProfile.pySpyPath(near: ServerRunner.currentExecutable()))
            } catch {
                printError("warning: no profile of process \(pid): \(error); the run goes on")
            }
            return
        }
        runner.onWorkerThreadStart = { Profiler.registerCurrentThread() }
        Profiler.registerCurrentThread()
        do { try Profiler.shared.start(hz: settings.hz) } catch { throw usageError("\(error)") }
    }

    /// Stops sampling and writes the profile (to a file, or standard output for `-`).
    func finishProfiling(_ settings: ProfileSettings, target: OutputTarget, screen: Screen) throws {
        if settings.pid != nil {
            guard let running = settings.remote.profile else { return }
            settings.remote.profile = nil
            let named: NamedProfile
            do { named = try running.stop() } catch {
                printError("warning: no profile of process \(running.pid): \(error)")
                return
            }
            let title = "\(running.kind.rawValue) profile of process \(running.pid) during volley " + CommandLine.arguments.dropFirst().joined(separator: " ")
            do {
                try target.write(settings.format.render(named, title: title), overwrite: overwrite)
            } catch {
                throw usageError("cannot write profile: \(error)")
            }
            if !quiet {
                printError("Profile: \(named.sampleCount) samples of process \(running.pid) (\(running.kind.rawValue), \(settings.hz) Hz) written to \(target.description) (\(settings.format.rawValue))")
            }
            return
        }
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
