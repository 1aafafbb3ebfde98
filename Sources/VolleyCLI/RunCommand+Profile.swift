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

    /// Validates the profile flags; nil when no profile was asked for.
    func profileSettings() throws -> ProfileSettings? {
        guard let profile else {
            if profileFormat != nil { throw usageError("--profile-format needs --profile FILE") }
            if profilePid != nil { throw usageError("--profile-pid needs --profile FILE") }
            return nil
        }
        guard (1...10_000).contains(profileHz) else { throw usageError("invalid --profile-hz \(profileHz) (1...10000)") }
        var settings = ProfileSettings(path: profile, format: try profileFileFormat(path: profile, named: profileFormat), hz: profileHz)
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

    /// Stops sampling and writes the profile file.
    func finishProfiling(_ settings: ProfileSettings) throws {
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
                try AtomicFile.write(settings.format.render(named, title: title), to: settings.path, overwrite: overwrite)
            } catch {
                throw usageError("cannot write profile '\(settings.path)': \(error)")
            }
            if !quiet {
                printError("Profile: \(named.sampleCount) samples of process \(running.pid) (\(running.kind.rawValue), \(settings.hz) Hz) written to \(settings.path) (\(settings.format.rawValue))")
            }
            return
        }
        let profile = Profiler.shared.stop()
        let title = "volley " + CommandLine.arguments.dropFirst().joined(separator: " ")
        do {
            try profile.write(to: settings.path, format: settings.format, title: title)
        } catch {
            throw usageError("cannot write profile '\(settings.path)': \(error.localizedDescription)")
        }
        if !quiet {
            let seconds = Double(profile.durationNanos) / 1e9
            let overhead = seconds > 0 ? Double(profile.handlerNanos) / 1e9 / seconds * 100 : 0
            printError(String(format: "Profile: %d samples at %d Hz (%llu dropped, %.2f%% of a core in the sampler) written to %@ (%@)",
                              profile.sampleCount, settings.hz, profile.dropped, overhead, settings.path, settings.format.rawValue))
        }
    }
}

/// The format of a profile file: the one named by `--profile-format`, else the file
/// extension's, else folded stacks.
func profileFileFormat(path: String, named: String?) throws -> ProfileFormat {
    guard let named else { return ProfileFormat(path: path) ?? .folded }
    guard let format = ProfileFormat(name: named) else {
        throw usageError("invalid --profile-format '\(named)' (folded, speedscope, svg)")
    }
    return format
}
