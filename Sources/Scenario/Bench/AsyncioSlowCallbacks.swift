import Clocks
import Foundation
import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// Watches a Python server's output for asyncio debug mode's slow-callback warnings
/// (`Executing <Handle …> took 0.152 seconds`, logged by the `asyncio` logger when
/// PYTHONASYNCIODEBUG=1) and keeps them, timed as they appear, in the shape the built-in async
/// server's watchdog reports under `slowCallbacks`.
final class AsyncioSlowCallbacks: @unchecked Sendable {
    struct Entry: Equatable {
        var what: String
        var seconds: Double
        /// Monotonic seconds when the line was seen.
        var seenAt: Double
    }

    /// asyncio's default `slow_callback_duration`.
    static let defaultThresholdSeconds = 0.1

    private let logPath: String
    private let startedAt: Double
    private let lock = NSLock()
    private var entries: [Entry] = []
    private var offset: UInt64 = 0
    private var partial = ""
    private var stopped = false
    private var thread: Thread?

    init(logPath: String, startedAt: Double) {
        self.logPath = logPath
        self.startedAt = startedAt
    }

    /// The callback and its duration in one line of output, if it is the warning.
    static func parse(_ line: Substring) -> (what: String, seconds: Double)? {
        guard let executing = line.range(of: "Executing "), let took = line.range(of: " took ", options: .backwards),
              executing.upperBound <= took.lowerBound else { return nil }
        let rest = line[took.upperBound...]
        guard rest.hasSuffix(" seconds") else { return nil }
        guard let seconds = Double(rest.dropLast(" seconds".count)), seconds >= 0 else { return nil }
        return (String(line[executing.upperBound..<took.lowerBound]), seconds)
    }

    /// Starts reading new output every 50 ms on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            while !isStopped { poll(); usleep(50_000) }
        }
        thread.name = "asyncio-slow"
        self.thread = thread
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    /// Reads what was added to the log since the last poll.
    func poll() {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return }
        defer { try? handle.close() }
        lock.lock(); defer { lock.unlock() }
        do { try handle.seek(toOffset: offset) } catch { return }
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return }
        offset += UInt64(data.count)
        let now = MonotonicClock.seconds()
        let text = partial + String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        partial = String(lines.removeLast())
        for line in lines {
            if let found = Self.parse(line) { entries.append(Entry(what: found.what, seconds: found.seconds, seenAt: now)) }
        }
    }

    /// Stops watching after a last read, and returns the entries.
    func stop() -> [Entry] {
        lock.lock(); stopped = true; lock.unlock()
        while let thread, !thread.isFinished { usleep(5_000) }
        poll()
        lock.lock(); defer { lock.unlock() }
        return entries
    }

    /// The result's `slowCallbacks` object: the same keys as `/debug/slow` of `volley serve`,
    /// plus `loadSeconds`, when in the measured load each warning came (negative: before it).
    static func json(_ entries: [Entry], thresholdSeconds: Double, serverStartedAt: Double, loadStartedAt: Double?) -> JSONValue {
        let wallOffset = WallClock.nowSeconds() - MonotonicClock.seconds()
        let items: [JSONValue] = entries.map { e in
            var o: [String: JSONValue] = [
                "loop": .integer(0), "kind": .string("asyncio"), "what": .string(e.what), "seconds": .double(e.seconds),
                "sinceStartSeconds": .double(((e.seenAt - serverStartedAt) * 1000).rounded() / 1000),
                "at": .string(UTCTime.format(epochSeconds: e.seenAt + wallOffset, milliseconds: true)),
            ]
            if let loadStartedAt { o["loadSeconds"] = .double(((e.seenAt - loadStartedAt) * 1000).rounded() / 1000) }
            return .object(o)
        }
        return .object(["enabled": .bool(true), "source": .string("asyncio debug mode"),
                        "thresholdSeconds": .double(thresholdSeconds),
                        "slowCallbackCount": .integer(Int64(entries.count)), "slowCallbacks": .array(items)])
    }

    /// A sitecustomize that sets asyncio's slow_callback_duration for every loop the server
    /// creates (it is an instance attribute, set in BaseEventLoop.__init__, so __init__ is wrapped).
    static let sitecustomize = """
        # Written by `volley bench` for server.slow_callback: asyncio's slow_callback_duration from
        # VOLLEY_SLOW_CALLBACK_SECONDS for every event loop this process creates.
        import os as _os
        try:
            import asyncio.base_events as _be
            _seconds = float(_os.environ["VOLLEY_SLOW_CALLBACK_SECONDS"])
            _init = _be.BaseEventLoop.__init__
            def _volley_init(self, *args, **kwargs):
                _init(self, *args, **kwargs)
                self.slow_callback_duration = _seconds
            _be.BaseEventLoop.__init__ = _volley_init
        except Exception as _error:
            import sys as _sys
            print("volley sitecustomize: cannot set slow_callback_duration:", _error, file=_sys.stderr)

        """
}
