import Foundation
import Metrics
import Profiler
import RefServer

/// `volley serve --slow-callback/--debug` (the watchdog) and `--profile FILE` / `VOLLEY_PROFILE`.
extension ServeCommand {
    typealias ServerProfileSettings = ProfileFlags.Settings

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
        let environment = ProcessInfo.processInfo.environment["VOLLEY_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let settings = try profiling.settings(fallbackPath: environment)
        OnDemandProfile.hz = profiling.profileHz
        guard let settings else { return nil }
        // Checked now, not after the server ran for hours. The server has no --overwrite: it replaces its profile.
        do { try OutputTarget(settings.path).check(overwrite: true) } catch { throw usageError("--profile: \(error)") }
        return settings
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
