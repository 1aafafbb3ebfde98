import Foundation
import Metrics
import Profiler
import RefServer

/// `volley serve --slow-callback/--debug` (the watchdog) and `--profile FILE` / `VOLLEY_PROFILE`.
extension ServeCommand {
    struct ServerProfileSettings {
        var path: String
        var format: ProfileFormat
        var hz: Int
    }

    /// The watchdog's threshold: `--slow-callback`, or asyncio's 100 ms with `--debug`; nil = off.
    func slowCallbackNanos() throws -> UInt64? {
        if let slowCallback {
            let ns = try QuantityFlag.duration(slowCallback, flag: "--slow-callback", minimum: 1_000_000, examples: "100ms")
            guard ns <= 60_000_000_000 else {
                throw usageError("--slow-callback: not a duration from 1ms to 60s: '\(slowCallback)'")
            }
            return ns
        }
        return debug ? ServerOptions.defaultSlowCallbackNanos : nil
    }

    /// `--profile FILE`, else `VOLLEY_PROFILE=FILE` (as the talk's `USE_PROFILER=1`); nil when neither.
    func serverProfileSettings() throws -> ServerProfileSettings? {
        guard (1...10_000).contains(profileHz) else { throw usageError("invalid --profile-hz \(profileHz) (1...10000)") }
        OnDemandProfile.hz = profileHz
        let environment = ProcessInfo.processInfo.environment["VOLLEY_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = profile ?? environment else {
            if profileFormat != nil { throw usageError("--profile-format needs --profile FILE") }
            return nil
        }
        // Checked now, not after the server ran for hours. The server has no --overwrite: it replaces its profile.
        do { try OutputTarget(path).check(overwrite: true) } catch { throw usageError("--profile: \(error)") }
        return ServerProfileSettings(path: path, format: try profileFileFormat(path: path, named: profileFormat), hz: profileHz)
    }

    /// Starts sampling before the server's threads exist; they register themselves as they start.
    func startServerProfile(_ settings: ServerProfileSettings) throws {
        Profiler.registerCurrentThread()
        do { try Profiler.shared.start(hz: settings.hz) } catch { throw usageError("\(error)") }
    }

    /// After the graceful shutdown: stops sampling and writes the file.
    func finishServerProfile(_ settings: ServerProfileSettings) throws {
        let profile = Profiler.shared.stop()
        do {
            try OutputTarget(settings.path).write(profile.rendered(as: settings.format,
                                                                   title: "volley " + CommandLine.arguments.dropFirst().joined(separator: " ")),
                                                  overwrite: true)
        } catch {
            throw usageError("cannot write profile: \(error)")
        }
        printError(String(format: "Profile: %d samples at %d Hz (%llu dropped) written to %@ (%@)",
                          profile.sampleCount, settings.hz, profile.dropped, settings.path, settings.format.rawValue))
    }
}
