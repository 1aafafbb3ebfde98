import Clocks
import HTTP1
import Metrics
import Synchronization
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// Runs one load: checks the target answers, starts one worker thread per loop, waits for
/// the duration (or a stop request), joins the threads and merges their recorders into one `LoadMeasurement`.
public final class LoadRunner {
    public let options: LoadOptions
    private let address: SocketAddress
    private let requests: RequestSet
    /// A script's per-thread states, their own requests and addresses (`-s`); empty without one.
    private let scripted: [ScriptedThread]
    /// Whether the run was cut short by a stop request (the measurement covers what ran).
    public private(set) var interrupted = false
    /// Receives each second's merged latency histogram as the run goes (e.g. `--hlog`).
    public var intervalSink: IntervalCollector.Sink?
    /// Wall-clock time (ns since the Unix epoch) of the run's start, the instant its schedule and
    /// seconds count from; 0 before `run`. Segments of one run are aligned by it.
    public private(set) var startedAtEpochNanos: UInt64 = 0
    /// Called on the calling thread once everything is set up, just before the run's clock starts
    /// (`--start-at` sleeps here, so that its instant is the schedule's zero, not thread creation's end).
    public var beforeStart: (() -> Void)?
    /// Called first thing on each worker thread (the profiler registers the thread here).
    public var onWorkerThreadStart: (@Sendable () -> Void)?
    /// The server under test, when it is a local process: its CPU (and its child processes') is
    /// read beside the generator's at every slice, for the CPU series and `ProcessCPU.serverSeconds`.
    public var serverProcessID: Int32?

    /// Validates the options, resolves the host and encodes the request once.
    /// - Parameter scripts: one per thread (`options.effectiveThreads`) when a script drives the
    ///   requests, set up and initialised already; each may name its own address.
    public init(options: LoadOptions, scripts: [(script: ThreadScript, address: (host: String, port: UInt16)?)] = []) throws(LoadError) {
        try options.validate()
        scripted = try ScriptedThread.prepare(scripts, options: options)
        self.options = options
        do {
            address = try SocketAddress.resolve(host: options.url.host, port: options.url.port)
        } catch {
            throw .unresolvable(error.description)
        }
        try LoadRunner.checkTLSConfiguration(options)
        // Each distinct request is encoded once, here; the run only picks among them.
        var encoded: [[UInt8]] = []
        for url in try options.requestURLs() {
            do {
                encoded.append(try RequestEncoder.encode(method: options.method, url: url, headers: options.headers, body: options.body))
            } catch {
                throw .invalidRequest("\(error)")
            }
        }
        requests = RequestSet(requests: encoded, weights: options.paths.isEmpty ? [1] : options.paths.map(\.weight),
                              pipeline: options.pipeline)
    }

    /// The resolved address the load goes to.
    public var targetAddress: SocketAddress { address }

    /// Opens one connection and closes it, so that a target that refuses connections is
    /// reported plainly before any load starts.
    public func checkReachable(timeoutMillis: UInt64 = 2000) throws(LoadError) {
        let loop: EventLoop
        do { loop = try EventLoop(readBufferSize: 1024) } catch { throw .system("event loop: \(error)") }
        var outcome: UVError?? = .none
        let stream: TCPStream
        do { stream = try TCPStream(loop: loop) } catch { throw .system("socket: \(error)") }
        let timer = LoopTimer(loop: loop)
        timer.start(timeoutMillis: timeoutMillis) { outcome = .some(.timedOut); loop.stop() }
        stream.connect(to: address) { error in outcome = .some(error); loop.stop() }
        loop.run()
        timer.close()
        stream.close()
        loop.closeAllHandles()
        loop.drain()
        if case .some(.some(let error)) = outcome {
            throw .unreachable(address: address.description, reason: error.message)
        }
        if options.url.isTLS { try checkHandshake(timeoutMillis: timeoutMillis) }
    }

    /// Runs the load on `threads` threads and returns the merged measurement.
    /// A stop requested on `stop` during the run ends every worker early; what was measured is
    /// kept and `interrupted` is set. The engine never watches signals itself: the command line does.
    /// - Parameters:
    ///   - stop: ends the run early when requested (also when requested before the run starts).
    ///   - onProgress: called on the calling thread about once a second with the totals so far
    ///     (as of each worker's last 100 ms sample), for live progress displays.
    public func run(stop: StopToken? = nil, onProgress: ((LiveProgress) -> Void)? = nil) -> LoadMeasurement {
        let threadCount = options.effectiveThreads
        let workers: [Worker]
        let control: EventLoop
        do {
            workers = try (0..<threadCount).map {
                $0 < scripted.count
                    ? try Worker(index: $0, options: options, address: scripted[$0].address ?? address,
                                 requests: scripted[$0].requests, script: scripted[$0].script)
                    : try Worker(index: $0, options: options, address: address, requests: requests)
            }
            control = try EventLoop(readBufferSize: 64)
        } catch {
            fatalError("cannot create an event loop: \(error)")
        }

        let intervals = IntervalCollector(threads: threadCount, sink: intervalSink)
        let sliceNanos = IntervalCollector.sliceNanos(forDuration: options.durationNanos)
        let cpu = CPUSampler(serverProcess: serverProcessID, expectedReadings: Int(options.durationNanos / sliceNanos))
        beforeStart?()
        let start = MonotonicClock.nanoseconds()
        cpu.start(loop: control, at: start, sliceNanos: sliceNanos)
        startedAtEpochNanos = WallClock.nowNanos()
        let wallStart = Double(startedAtEpochNanos) / 1e9
        for worker in workers {
            worker.commonStart = start
            worker.intervals = intervals
        }

        let finished = Atomic<Int>(0)
        let interruptedFlag = StopFlag()
        var stopsSent = false
        let allDone = LoopWakeup(loop: control) {
            if interruptedFlag.isSet && !stopsSent {
                stopsSent = true
                for worker in workers { worker.requestStop() }
            }
            if finished.load(ordering: .acquiring) == threadCount { control.stop() }
        }
        // The token's handler may run on any thread: it only sets a flag and wakes the control
        // loop, through a gate closed before the wake-up handle is.
        let wakeGate = WakeGate(allDone)
        let stopHandler = stop?.onRequest {
            interruptedFlag.set()
            wakeGate.send()
        }
        let threadStart = onWorkerThreadStart
        let started = start
        var progressTimer: LoopTimer?
        if let onProgress {
            let timer = LoopTimer(loop: control)
            timer.start(timeoutMillis: 1000, repeatMillis: 1000) {
                var live = LiveProgress(elapsedNanos: MonotonicClock.nanoseconds() - started)
                for worker in workers {
                    let totals = worker.published.totals
                    live.requests += totals.requests
                    live.errors += totals.errors
                }
                onProgress(live)
            }
            progressTimer = timer
        }
        let threads = workers.map { worker in
            OSThread(name: "volley-\(worker.index)") {
                threadStart?()
                worker.run()
                finished.add(1, ordering: .releasing)
                allDone.send()
            }
        }
        control.run()
        for thread in threads { thread.join() }
        cpu.finish(at: MonotonicClock.nanoseconds())
        progressTimer?.close()
        if let stopHandler { stop?.removeHandler(stopHandler) }
        wakeGate.shut()
        allDone.close()
        control.closeAllHandles()
        control.drain()
        interrupted = interruptedFlag.isSet

        let end = MonotonicClock.nanoseconds()
        var merged = LoadMeasurement(elapsedNanoseconds: 0)
        for worker in workers {
            merged.merge(worker.recorder.measurement(end: worker.endTime == 0 ? end : worker.endTime))
        }
        for interval in intervals.finish(elapsedNanos: merged.elapsedNanoseconds) where interval.count > 0 {
            while merged.perSecond.count <= interval.second {
                merged.perSecond.append(SecondSlice(second: merged.perSecond.count))
            }
            merged.perSecond[interval.second].p50Micros = interval.p50Micros
            merged.perSecond[interval.second].p99Micros = interval.p99Micros
            merged.perSecond[interval.second].maxMicros = interval.maxMicros
        }
        merged.startedAtEpochSeconds = wallStart
        merged.timeline?.fill(intervals.slices, schedule: options.rate, elapsedNanos: merged.elapsedNanoseconds)
        cpu.trace.fill(&merged, serverProcesses: cpu.serverProcesses)
        if let rate = options.rate {
            let due = rate.requestsDue(byOffsetNanos: merged.elapsedNanoseconds)
            merged.askedRequests = options.segment?.requests(amongFirst: due, connections: options.connections) ?? due
            if merged.uncorrectedLatency == nil { merged.uncorrectedLatency = LoadMeasurement.makeLatencyHistogram() }
            if merged.scheduleLag == nil { merged.scheduleLag = LoadMeasurement.makeLatencyHistogram() }
        }
        return merged
    }
}

/// Totals of a run in progress, as reported to `LoadRunner.run(onProgress:)`.
public struct LiveProgress: Sendable, Equatable {
    /// Time since the workers were started.
    public var elapsedNanos: UInt64
    /// Completed responses and errors so far (as of each worker's last 100 ms sample).
    public var requests: UInt64 = 0
    public var errors: UInt64 = 0

    public init(elapsedNanos: UInt64, requests: UInt64 = 0, errors: UInt64 = 0) {
        self.elapsedNanos = elapsedNanos; self.requests = requests; self.errors = errors
    }
}

/// A loop wake-up that other threads may still call after the loop is done with it.
final class WakeGate: Sendable {
    private let wakeup: Mutex<LoopWakeup?>
    init(_ wakeup: LoopWakeup) { self.wakeup = Mutex(wakeup) }
    func send() { wakeup.withLock { $0?.send() } }
    /// After this, `send` does nothing; call before closing the handle.
    func shut() { wakeup.withLock { $0 = nil } }
}

/// A flag set by one thread and read by another.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
