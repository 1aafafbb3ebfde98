import Clocks
import UVKit

/// One async worker's watchdog (its loop thread only): times application callbacks, warns about
/// slow ones like asyncio's debug mode, and records per-iteration busy time and timer lag into
/// local histograms that it publishes to its `LoopHealth` every 100 ms.
final class LoopWatchdog {
    let health: LoopHealth
    let thresholdNanos: UInt64
    let startNanos: UInt64
    private let intervalNanos: UInt64
    private var busy = LoopHealth.makeHistogram()
    private var lag = LoopHealth.makeHistogram()
    /// This second's lag samples (`lagSecond` on the series origin), for the per-second series.
    private var secondLag = LoopHealth.makeHistogram()
    private var lagSecond = -1
    private let origin: SeriesOrigin
    private var busyNanos: UInt64 = 0
    private var lastCheck: UInt64 = 0
    private var ioNanos: UInt64 = 0
    private var wakeAt: UInt64 = 0
    /// Set by the prepare hook: the next callback in the poll marks when the loop woke.
    private var awaitingWake = false
    private var lastTick: UInt64 = 0
    private var ticks = 0
    private var prepare: LoopPhaseHook?
    private var check: LoopPhaseHook?
    private var timer: LoopTimer?

    init(registry: WatchdogRegistry, loop index: Int) {
        health = registry.loops[index]
        thresholdNanos = registry.thresholdNanos
        startNanos = registry.startNanos
        intervalNanos = registry.lagIntervalMillis * 1_000_000
        origin = registry.origin
    }

    /// Installs the hooks on `loop` (before it runs).
    func install(on loop: EventLoop) {
        // Busy time of an iteration: from the first callback after the poll woke (`noteWake`) to the
        // check hook, plus from the check hook to the next prepare hook (timers, closes, ...). The
        // blocked wait is what lies between prepare and the wake. (libuv's UV_METRICS_IDLE_TIME would
        // give the wait directly, but it costs an extra non-blocking epoll_wait per iteration.)
        prepare = LoopPhaseHook(loop: loop, phase: .beforePoll) { [unowned self] in
            let now = MonotonicClock.nanoseconds()
            if lastCheck != 0 {
                let b = ioNanos &+ (now &- lastCheck)
                busyNanos &+= b
                _ = busy.record(b / 1000)
            }
            awaitingWake = true
            wakeAt = 0
        }
        check = LoopPhaseHook(loop: loop, phase: .afterPoll) { [unowned self] in
            let now = MonotonicClock.nanoseconds()
            awaitingWake = false
            ioNanos = wakeAt != 0 ? now &- wakeAt : 0
            lastCheck = now
        }
        // Lag: how much later than its interval a periodic timer fires (Node's monitorEventLoopDelay).
        let timer = LoopTimer(loop: loop)
        let every = intervalNanos / 1_000_000
        timer.start(timeoutMillis: every, repeatMillis: every) { [unowned self] in tick() }
        timer.unref()
        self.timer = timer
    }

    private func tick() {
        let now = MonotonicClock.nanoseconds()
        let second = origin.second(now)
        if second != lagSecond {
            // File the finished second (once per second, under the lock) and start the next.
            if lagSecond >= 0 && secondLag.totalCount > 0 {
                let (s, p99, max) = (lagSecond, secondLag.valueAtPercentile(99), secondLag.max)
                health.state.withLock { $0.lagSeconds.set(s, p99, max) }
            }
            secondLag.reset()
            lagSecond = second
        }
        if lastTick != 0 {
            let delta = now &- lastTick
            let micros = (delta > intervalNanos ? delta - intervalNanos : 0) / 1000
            _ = lag.record(micros)
            _ = secondLag.record(micros)
        }
        lastTick = now
        ticks &+= 1
        if ticks % 10 == 0 { publish() }
    }

    /// Moves the local histograms into the shared ones.
    private func publish() {
        // The running second so far (overwritten as it fills, and when it ends).
        let running = secondLag.totalCount > 0 ? (lagSecond, secondLag.valueAtPercentile(99), secondLag.max) : nil
        health.state.withLock { state in
            if let (s, p99, max) = running { state.lagSeconds.set(s, p99, max) }
            state.busy.add(busy)
            state.lag.add(lag)
            state.busyNanosTotal &+= busyNanos
        }
        busy.reset()
        lag.reset()
        busyNanos = 0
    }

    /// Called from the I/O callbacks (reads, accepts, work completions): the first one after the
    /// prepare hook marks the end of the loop's wait.
    @inline(__always)
    func noteWake() {
        if awaitingWake {
            awaitingWake = false
            wakeAt = MonotonicClock.nanoseconds()
        }
    }

    /// Called after each application callback with its start time.
    @inline(__always)
    func finished(_ kind: CallbackKind, _ request: ServerRequest, startedAt start: UInt64) {
        let end = MonotonicClock.nanoseconds()
        let elapsed = end &- start
        if elapsed >= thresholdNanos { slow(kind, request, elapsed, end) }
    }

    @inline(never)
    private func slow(_ kind: CallbackKind, _ request: ServerRequest, _ nanos: UInt64, _ end: UInt64) {
        let what = request.summary
        let label: String
        switch kind {
        case .request: label = what
        case .timer: label = "timer for " + what
        case .completion: label = "work completion for " + what
        }
        FileDescriptorWriter.standardError("Executing <\(label) on loop \(health.loop)> took \(seconds(nanos)) seconds\n")
        health.record(SlowCallback(loop: health.loop, kind: kind, what: what, nanos: nanos,
                                   sinceStartNanos: end &- startNanos, unixSeconds: WallClock.nowSeconds()))
    }

    func close() {
        prepare?.close()
        check?.close()
        timer?.close()
        publish()
    }
}

extension ServerRequest {
    /// `GET /cpu?ms=150`: the method, the route and the parameters it read (the target's bytes
    /// are gone by the time a callback is found slow, so it is rebuilt; only on the slow path).
    var summary: String {
        var text = "\(method.name) \(route.name)"
        let p = parameters
        var pairs: [String] = []
        if let ms = p.ms { pairs.append("ms=\(ms)") }
        if let kb = p.kb { pairs.append("kb=\(kb)") }
        if let offload = p.offload { pairs.append("offload=\(offload)") }
        if let q = p.q { pairs.append("q=\(q)") }
        if let n = p.n { pairs.append("n=\(n)") }
        if let gather = p.gather { pairs.append(gather ? "mode=gather" : "mode=seq") }
        if let s = p.seconds { pairs.append("seconds=\(s)") }
        if !pairs.isEmpty { text += "?" + pairs.joined(separator: "&") }
        return text
    }
}
