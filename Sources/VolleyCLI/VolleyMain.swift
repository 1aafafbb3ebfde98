import ArgumentParser
import Foundation
import Metrics

/// Exit codes shared by every subcommand.
public enum ExitStatus {
    /// Everything went as asked.
    public static let ok: Int32 = 0
    /// A threshold or a regression check failed.
    public static let failed: Int32 = 1
    /// Bad usage, a bad input file, or a target that cannot be reached.
    public static let badInput: Int32 = 2
    /// Stopped by Ctrl-C, SIGINT (what was measured was still printed and written).
    public static let interrupted: Int32 = 130
    /// Stopped by SIGTERM (`timeout`, a CI runner); what was measured was still printed and written.
    public static let terminated: Int32 = 143
}

/// The `volley` command: `run` is the default subcommand, so wrk's command line works as is.
public struct Volley: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "volley",
        abstract: "HTTP load generator and server benchmark suite (wrk-compatible).",
        version: VolleyVersion.string,
        subcommands: [RunCommand.self, ProbeCommand.self, FixtureCommand.self, ServeCommand.self, MongodCommand.self,
                      BenchCommand.self, CompareCommand.self, ReportCommand.self, MergeCommand.self],
        defaultSubcommand: RunCommand.self
    )

    public init() {}
}

/// Volley's version: the one result files store (`ToolInfo.currentVersion`), so `--version` never disagrees with them.
public enum VolleyVersion {
    public static let string = ToolInfo.currentVersion
}

/// Entry point shared by the executable and the in-process tests.
public enum VolleyMain {
    /// Parses `arguments` (argv, program name first) and runs the command; never returns.
    public static func main(_ arguments: [String]) -> Never {
        unblockTerminationSignals()
        dieWithParentIfAsked()
        isExecutable = true
        exit(run(Array(arguments.dropFirst())))
    }

    /// True in the `volley` executable, false when `run` is called in-process (tests), where
    /// /proc/self/exe is the test runner and cannot be started as `volley serve`.
    nonisolated(unsafe) static var isExecutable = false

    /// Parses and runs; returns the exit code instead of exiting.
    public static func run(_ arguments: [String]) -> Int32 {
        let normalized = ArgumentNormalizer.normalize(arguments)
        if let message = UnsupportedOptions.message(normalized) {
            printError("volley: \(message)")
            return ExitStatus.badInput
        }
        do {
            var command = try Volley.parseAsRoot(normalized)
            try command.run()
            return ExitStatus.ok
        } catch let exit as CommandExit {
            return exit.code
        } catch {
            let code = Volley.exitCode(for: error)
            let message = Volley.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return ExitStatus.ok
            }
            if !message.isEmpty { printError(message) }
            // ArgumentParser uses EX_USAGE (64) for bad usage; Volley's contract says 2.
            return code == .validationFailure ? ExitStatus.badInput : code.rawValue
        }
    }
}

/// Thrown by a command to end with a given exit code after it has said why.
public struct CommandExit: Error {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

/// A usage error that ends the command with exit 2 after printing `volley: message`.
func usageError(_ message: String) -> CommandExit {
    printError("volley: \(message)")
    return CommandExit(ExitStatus.badInput)
}

/// A parent (a test runner, a CI shell) may start us with SIGINT/SIGTERM blocked; Ctrl-C and
/// graceful shutdown depend on them, so unblock them before any thread inherits the mask.
func unblockTerminationSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// `volley bench` starts its servers with `VOLLEY_PARENT_PID=<its pid>`: such a child asks the
/// kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG), so no server outlives a bench
/// that was itself SIGKILLed, and exits at once if the parent is already gone.
func dieWithParentIfAsked() {
    guard let text = getenv("VOLLEY_PARENT_PID"), let parent = Int32(String(cString: text)) else { return }
    // prctl is variadic in C, so Swift cannot call it directly.
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(nil, "prctl") else { return }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    let prSetPdeathsig: Int32 = 1
    _ = prctl(prSetPdeathsig, UInt(SIGKILL), 0, 0, 0)
    if getppid() != parent { _exit(1) }
}
