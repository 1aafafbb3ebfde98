#if canImport(Glibc)
import Glibc
#endif

/// Starts a child the way Volley's children are started (py-spy, the servers and mongod
/// `volley bench` runs, a user's `server.command`): standard input from /dev/null, output and
/// errors into `logFD`, a process group of its own (a terminal's Ctrl-C reaches only volley,
/// which stops its children in order), and no signal blocked or ignored, whatever volley or a
/// test runner has. It lives in Profiler, the lowest module that starts processes.
public enum ChildSpawn {
    /// Starts `argv[0]` (a path) with `argv`, in `directory` when given, with `environment`
    /// (`NAME=value` entries) or volley's own. Returns the child's pid, or why it did not start.
    public static func start(_ argv: [String], environment: [String]? = nil, logFD: Int32,
                             directory: String? = nil) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        if let directory, !addChdir(&actions, directory) { return .failure(SpawnError(code: ENOSYS, cannotChangeDirectory: true)) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var child: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            if let environment {
                return withCStrings(environment) { cEnvp in posix_spawn(&child, argv[0], &actions, &attributes, cArgv, cEnvp) }
            }
            return posix_spawn(&child, argv[0], &actions, &attributes, cArgv, environ)
        }
        return status == 0 ? .success(child) : .failure(SpawnError(code: status))
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal that ended it.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// NUL-terminated C string arrays for posix_spawn.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// glibc's posix_spawn_file_actions_addchdir_np (2.29+), which Swift's Glibc module does not
    /// declare (it is under _GNU_SOURCE); looked up at run time.
    private static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
        typealias Call = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return false }
        let call = unsafeBitCast(symbol, to: Call.self)
        return withUnsafeMutablePointer(to: &actions) { call($0, directory) } == 0
    }
}

/// Why a child could not be started: posix_spawn's error number, in words.
public struct SpawnError: Error, Sendable {
    public let code: Int32
    /// This glibc has no posix_spawn_file_actions_addchdir_np (before 2.29): no working folder for a child.
    public var cannotChangeDirectory = false
    public var reason: String { String(cString: strerror(code)) }
}
