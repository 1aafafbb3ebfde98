import ArgumentParser
import Profiler

/// `--profile FILE`, `--profile-hz N`, `--profile-format F`: the same flags, rules and messages on
/// `run` (the generator's threads) and `serve` (the server's, from start to shutdown).
struct ProfileFlags: ParsableArguments {
    @Option(name: .long, help: "Write a sampled CPU profile of this process's threads to FILE (- for standard output): .folded/.txt, .json (speedscope) or .svg. serve: from start to shutdown; also VOLLEY_PROFILE=FILE.")
    var profile: String?

    @Option(name: .long, help: "Profile sampling rate per thread CPU-second (serve: also for /debug/profile).")
    var profileHz: Int = 199

    @Option(name: .long, help: "Profile format: folded, speedscope or svg (default: from the file extension).")
    var profileFormat: String?

    /// What to record, validated.
    struct Settings {
        var path: String
        var format: ProfileFormat
        var hz: Int
    }

    /// Validates the flags; nil when no profile was asked for (neither `--profile` nor `fallbackPath`).
    func settings(fallbackPath: String? = nil) throws -> Settings? {
        guard (1...10_000).contains(profileHz) else { throw usageError("invalid --profile-hz \(profileHz) (1...10000)") }
        guard let path = profile ?? fallbackPath else {
            if profileFormat != nil { throw usageError("--profile-format needs --profile FILE") }
            return nil
        }
        return Settings(path: path, format: try profileFileFormat(path: path, named: profileFormat), hz: profileHz)
    }
}
