/// The user's own server, started by `volley bench` from `server.command`: how to start it,
/// how to know it is ready, how to stop it, and what to watch in it.
public struct CommandSpec: Sendable, Equatable {
    /// An argv list (run as is, found on PATH) or a line for `/bin/sh -c`.
    public enum Invocation: Sendable, Equatable {
        case argv([String])
        case shell(String)
    }

    /// How `volley bench` knows the server is ready for load.
    public enum Readiness: Sendable, Equatable {
        /// This HTTP path answers (any status below 500).
        case http(path: String)
        /// A line of the server's output matches this regular expression.
        case log(pattern: String)
    }

    /// Which profiler samples the server when the scenario asks for a profile.
    public enum ProfilerChoice: String, Sendable, Equatable, CaseIterable {
        /// py-spy for a Python process, perf_event_open otherwise.
        case auto
        case perf
        case pySpy = "py-spy"
    }

    public var invocation: Invocation
    /// Extra environment variables (`{port}` and `{mongo_uri}` substituted in the values).
    public var environment: [EnvironmentVariable]
    /// Working directory, already resolved against the scenario file's folder; nil for the current one.
    public var directory: String?
    public var readiness: Readiness
    public var readyTimeoutNanos: UInt64
    /// Signal sent to the server's process group to stop it; SIGKILL follows after `graceNanos`.
    public var stopSignal: Int32
    public var graceNanos: UInt64
    public var cpus: [Int]?
    public var database: DatabaseSpec
    /// Run with PYTHONASYNCIODEBUG=1 and turn asyncio's slow-callback warnings into the result's `slowCallbacks`.
    public var asyncioDebug: Bool
    /// asyncio's `slow_callback_duration`, in nanoseconds, or nil for asyncio's default (100 ms).
    public var slowCallbackNanos: UInt64?
    public var profiler: ProfilerChoice

    public init(invocation: Invocation, environment: [EnvironmentVariable] = [], directory: String? = nil,
                readiness: Readiness = .http(path: "/"), readyTimeoutNanos: UInt64 = 20_000_000_000,
                stopSignal: Int32 = 15, graceNanos: UInt64 = 5_000_000_000, cpus: [Int]? = nil,
                database: DatabaseSpec = .none, asyncioDebug: Bool = false, slowCallbackNanos: UInt64? = nil,
                profiler: ProfilerChoice = .auto) {
        self.invocation = invocation; self.environment = environment; self.directory = directory
        self.readiness = readiness; self.readyTimeoutNanos = readyTimeoutNanos; self.stopSignal = stopSignal
        self.graceNanos = graceNanos; self.cpus = cpus; self.database = database; self.asyncioDebug = asyncioDebug
        self.slowCallbackNanos = slowCallbackNanos; self.profiler = profiler
    }

    /// How the command reads in notes and messages.
    public var displayText: String {
        switch invocation {
        case .argv(let argv): return argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        case .shell(let line): return line
        }
    }
}

/// One environment variable given to a command server.
public struct EnvironmentVariable: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// Signal names a scenario may give as `stop_signal`.
public enum SignalName {
    public static let all: [(String, Int32)] = [
        ("SIGTERM", 15), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGHUP", 1), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGUSR2", 12),
    ]

    /// The number of `SIGTERM`, `TERM` or `term`; nil if not one of `all`.
    public static func number(_ text: String) -> Int32? {
        let upper = text.uppercased()
        let full = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        return all.first { $0.0 == full }?.1
    }

    public static func name(_ number: Int32) -> String { all.first { $0.1 == number }?.0 ?? "signal \(number)" }
}
