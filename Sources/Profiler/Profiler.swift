internal import CSampler
import Clocks
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An open on-demand window (see `Profiler.beginWindow`).
public struct ProfileWindow: Sendable {
    let before: Profile
}

/// Why the profiler could not do what was asked.
public enum ProfilerError: Error, Equatable, CustomStringConvertible {
    /// `start` while a profile is already being recorded.
    case alreadyRunning
    /// A sampling rate outside 1...10000 Hz.
    case invalidRate(Int)
    /// libunwind (`libunwind.so.8`, Debian package libunwind8) could not be loaded.
    case unwinderMissing
    /// The sampler failed with this errno.
    case system(Int32)

    public var description: String {
        switch self {
        case .alreadyRunning: "the profiler is already running"
        case .invalidRate(let hz): "invalid sampling rate \(hz) Hz (1...10000)"
        case .unwinderMissing: "profiler: cannot load libunwind.so.8 (apt-get install libunwind8)"
        case .system(let code): "profiler: \(String(cString: strerror(code)))"
        }
    }
}

/// The process's sampled CPU profiler (there is one SIGPROF, so there is one profiler).
///
/// Threads take part by calling `Profiler.registerCurrentThread()` once, on themselves (before or
/// after `start`); each then gets a timer on its own CPU clock, so busy threads are sampled at
/// `hz` per CPU-second each and idle threads cost nothing. A collector thread moves samples out of
/// the per-thread rings every 100 ms; `stop()` returns everything since `start`, `snapshot()` the
/// same without stopping, and `record(seconds:)` a window (for an on-demand endpoint).
public final class Profiler: Sendable {
    /// The one profiler.
    public static let shared = Profiler()
    /// Default sampling rate: prime, so sampling does not beat with periodic work (as pprof's 100 is not).
    public static let defaultHz = 199

    private struct Accumulator {
        var counts: [Profile.Stack: Int] = [:]
        var threadNames: [Int32: String] = [:]
    }

    private struct State {
        var running = false
        var generation = 0
        var hz = Profiler.defaultHz
        var startNanos: UInt64 = 0
        var startCounters = sampler_counters()
        var samples = Accumulator()
        /// Windows (`beginWindow`) still open, and whether they started the profiler.
        var openWindows = 0
        var startedByWindows = false
    }

    private let state = Mutex(State())

    private init() {}

    /// Registers the calling thread for sampling; idempotent, cheap, allowed at any time. The thread
    /// leaves by itself when it exits. Returns false if the sampler has no room or timer for it.
    @discardableResult
    public static func registerCurrentThread() -> Bool { sampler_register_thread() == 0 }

    /// Ring size in 8-byte words for threads registered from now on (tests use tiny rings to
    /// see drops counted).
    static func setRingWords(_ words: UInt64) { sampler_set_ring_words(words) }

    /// The calling thread's kernel thread id, as `Profile.Stack.thread` holds it.
    public static var currentThreadID: Int32 { sampler_thread_id() }

    /// Stops sampling the calling thread.
    public static func unregisterCurrentThread() { sampler_unregister_thread() }

    /// Whether a profile is being recorded.
    public var isRunning: Bool { state.withLock { $0.running } }

    /// Starts recording at `hz` samples per CPU-second of each registered thread.
    public func start(hz: Int = Profiler.defaultHz) throws(ProfilerError) {
        guard (1...10_000).contains(hz) else { throw .invalidRate(hz) }
        let generation: Int = try state.withLock { (state: inout State) throws(ProfilerError) -> Int in
            guard !state.running else { throw .alreadyRunning }
            Self.drain(into: &state.samples)   // leftovers of an earlier run are not this run's
            let status = sampler_start(Int32(hz))
            guard status == 0 else {
                throw status == EALREADY ? .alreadyRunning : status == ENOSYS ? .unwinderMissing : .system(status)
            }
            state.running = true
            state.generation += 1
            state.hz = hz
            state.startNanos = MonotonicClock.nanoseconds()
            state.startCounters = sampler_get_counters()
            state.samples = Accumulator()
            state.startedByWindows = false
            return state.generation
        }
        startCollector(generation: generation)
    }

    /// Stops recording and returns every sample since `start` (an empty profile if not running).
    public func stop() -> Profile {
        state.withLock { state in
            guard state.running else { return Profile(hz: state.hz) }
            sampler_stop()
            state.running = false
            state.generation += 1
            Self.drain(into: &state.samples)
            let profile = Self.profile(of: state)
            state.samples = Accumulator()
            return profile
        }
    }

    /// Every sample since `start`, without stopping (an empty profile if not running).
    public func snapshot() -> Profile {
        state.withLock { state in
            guard state.running else { return Profile(hz: state.hz) }
            Self.drain(into: &state.samples)
            return Self.profile(of: state)
        }
    }

    /// Opens a window for an on-demand profile (`GET /debug/profile?seconds=N`) without blocking:
    /// starts the profiler if it is off (at `hz`), else cuts the window out of the running one.
    /// Close it with `endWindow(_:)` after N seconds (from a loop timer, say). Windows may
    /// overlap; a profiler they started stops when the last one closes.
    public func beginWindow(hz: Int = Profiler.defaultHz) throws(ProfilerError) -> ProfileWindow {
        do {
            try start(hz: hz)
            state.withLock { $0.startedByWindows = true; $0.openWindows += 1 }
            return ProfileWindow(before: Profile(hz: hz))
        } catch .alreadyRunning {
            return state.withLock { state in
                state.openWindows += 1
                Self.drain(into: &state.samples)
                return ProfileWindow(before: Self.profile(of: state))
            }
        }
    }

    /// Closes a window and returns the samples taken during it.
    public func endWindow(_ window: ProfileWindow) -> Profile {
        let (after, stopNow): (Profile, Bool) = state.withLock { state in
            state.openWindows = max(0, state.openWindows - 1)
            guard state.running else { return (Profile(hz: state.hz), false) }
            Self.drain(into: &state.samples)
            return (Self.profile(of: state), state.openWindows == 0 && state.startedByWindows)
        }
        if stopNow { _ = stop() }
        return after.subtracting(window.before)
    }

    /// Records for `seconds` and returns the samples of that window (see `beginWindow`); blocks
    /// the calling thread for the window.
    public func record(seconds: Double, hz: Int = Profiler.defaultHz) throws(ProfilerError) -> Profile {
        let window = try beginWindow(hz: hz)
        usleep(UInt32(max(0, min(seconds, 3600)) * 1_000_000))
        return endWindow(window)
    }

    // MARK: - Collection

    private func startCollector(generation: Int) {
        let thread = CollectorThread { [self] in
            while true {
                usleep(100_000)
                let more = state.withLock { state -> Bool in
                    guard state.running, state.generation == generation else { return false }
                    Self.drain(into: &state.samples)
                    return true
                }
                if !more { return }
            }
        }
        thread.start()
    }

    private static func drain(into samples: inout Accumulator) {
        withUnsafeMutablePointer(to: &samples) { pointer in
            _ = sampler_drain({ context, tid, name, _, weight, frames, depth in
                let samples = context!.assumingMemoryBound(to: Accumulator.self)
                let stack = Profile.Stack(thread: tid, frames: Array(UnsafeBufferPointer(start: frames, count: Int(depth))))
                samples.pointee.counts[stack, default: 0] += Int(weight)
                if samples.pointee.threadNames[tid] == nil, let name {
                    samples.pointee.threadNames[tid] = String(cString: name)
                }
            }, pointer)
        }
    }

    private static func profile(of state: State) -> Profile {
        let counters = sampler_get_counters()
        return Profile(hz: state.hz, durationNanos: MonotonicClock.nanoseconds() - state.startNanos,
                       counts: state.samples.counts, threadNames: state.samples.threadNames,
                       dropped: counters.dropped - state.startCounters.dropped,
                       truncated: counters.truncated - state.startCounters.truncated,
                       handlerNanos: counters.handler_ns - state.startCounters.handler_ns)
    }
}

/// A detached POSIX thread for the collector (it is never sampled itself).
private final class CollectorThread: Sendable {
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let me = Unmanaged<CollectorThread>.fromOpaque(context!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        if status == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<CollectorThread>.fromOpaque(context).release()
        }
    }
}
