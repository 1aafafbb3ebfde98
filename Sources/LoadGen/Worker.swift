import Clocks
import Metrics
import Synchronization
import TLS
import UVKit

/// One load thread: its own libuv loop, its share of the connections, its own recorder.
/// Nothing here is touched by another thread except `requestStop()` (a loop wake-up).
final class Worker: @unchecked Sendable {
    let index: Int
    let options: LoadOptions
    let address: SocketAddress
    let requests: RequestSet
    /// The thread's script, if the run has one; `dynamicScript` when it builds every request.
    let script: ThreadScript?
    private let dynamicScript: ThreadScript?
    /// Requests written per batch and awaited before the next one.
    let pipelineDepth: Int
    /// The script pauses before each batch (`delay()`).
    let scriptDelays: Bool
    /// Joins a script's requests when a batch holds several (`-p`).
    private let scriptedBatch: ScriptedBatch
    /// Chooses each batch's path; this thread's own.
    private var picker: PathPicker
    private(set) var recorder: Recorder!
    private(set) var endTime: UInt64 = 0
    private var loop: EventLoop!
    private var connections: [ClientConnection] = []
    private var wakeup: LoopWakeup!
    private var stopped = false
    /// Set by the runner before `run()`: the run's common start (so every thread's seconds and
    /// schedule line up) and the collector of per-second histograms.
    var commonStart: UInt64 = 0
    var intervals: IntervalCollector?
    /// Paced runs: the thread's pacer, and the number of connections of the whole run.
    private(set) var pacer: Pacer!
    var totalConnections: Int { options.connections }
    private var firstGlobalIndex: Int {
        (0..<index).reduce(0) { $0 + options.connections(forThread: $1) }
    }
    /// https targets: this thread's TLS context, and the name sent as SNI and checked against
    /// the certificate (the Host header's host if one was given, else the URL's).
    private(set) var tlsContext: TLSContext?
    let serverName: String
    /// Totals published every 100 ms for live progress; the only state other threads read.
    let published = PublishedCounts()

    /// Creates the worker's loop on the calling thread; `run()` then drives it on the worker's own
    /// thread (a libuv loop may change threads when the hand-over is ordered, as thread creation is).
    init(index: Int, options: LoadOptions, address: SocketAddress, requests: RequestSet,
         script: ThreadScript? = nil) throws(UVError) {
        self.index = index
        self.options = options
        self.address = address
        self.requests = requests
        self.script = script
        self.dynamicScript = script?.requestIsDynamic == true ? script : nil
        self.pipelineDepth = options.pipeline * (script?.requestsPerCall ?? 1)
        self.scriptDelays = script?.hasDelay ?? false
        self.scriptedBatch = ScriptedBatch(calls: options.pipeline)
        self.picker = requests.picker(thread: index)
        self.serverName = options.tlsServerName
        if options.url.isTLS {
            // LoadRunner made one context already, so the configuration is known to load.
            do { tlsContext = try TLSContext(client: options.tls) } catch { fatalError("TLS context: \(error)") }
        }
        let loop = try EventLoop()
        self.loop = loop
        self.wakeup = LoopWakeup(loop: loop) { [unowned self] in self.stop() }
    }

    /// Runs the load on the calling thread until the duration is over or a stop is requested.
    func run() {
        let start = commonStart != 0 ? commonStart : MonotonicClock.nanoseconds()
        recorder = Recorder(start: start, expectedSeconds: Int(options.durationNanos / 1_000_000_000) + 2,
                            intervals: intervals, sliceNanos: IntervalCollector.sliceNanos(forDuration: options.durationNanos))
        if tlsContext != nil { recorder.tls = TLSMeasurement() }
        let monitor = GeneratorMonitor(loop: loop)
        // The run ends `duration` after the common start, however late this thread started (an
        // absolute time: libuv's timers count from the loop's cached clock, stale before it runs).
        let endTimer: PreciseTimer
        do { endTimer = try PreciseTimer(loop: loop) { [unowned self] in self.stop() } } catch { fatalError("cannot create a timer: \(error)") }
        endTimer.arm(at: start + options.durationNanos)

        // Timeouts and delayed reconnects are checked on a short tick.
        let tick = LoopTimer(loop: loop)
        tick.start(timeoutMillis: 10, repeatMillis: 10) { [unowned self] in self.onTick() }
        let sampler = LoopTimer(loop: loop)
        sampler.start(timeoutMillis: 100, repeatMillis: 100) { [unowned self] in
            self.recorder.sampleRate(now: MonotonicClock.nanoseconds())
            self.published.publish(requests: self.recorder.requests, errors: self.recorder.errors.total)
        }

        let count = options.connections(forThread: index)
        if options.rate != nil {
            do {
                pacer = try Pacer(loop: loop, capacity: count) { [unowned self] i, now in self.connections[i].slotReached(now: now) }
            } catch { fatalError("cannot create a timer: \(error)") }
        }
        connections.reserveCapacity(count)
        let first = firstGlobalIndex
        for i in 0..<count where !stopped {
            let connection = ClientConnection(worker: self, loop: loop, options: options, index: i, globalIndex: options.globalConnection(local: first + i))
            connections.append(connection)
            connection.open()
        }
        // The script stops its own thread from its own callbacks (`thread:stop()`), at once as
        // in wrk; only while the load runs.
        script?.stopThread = { [unowned self] in self.stop() }
        if !stopped { loop.run() }
        script?.stopThread = nil
        recorder.threadLoad = monitor.finish(thread: index)
        recorder.loopLag = monitor.loopLag
        recorder.finishIntervals()
        finishLoop()
    }

    /// Asks this worker to stop; callable from any thread.
    func requestStop() {
        wakeup.send()
    }

    private func finishLoop() {
        loop.closeAllHandles()
        loop.drain()
        connections.removeAll()
        loop = nil
    }

    private func stop() {
        guard !stopped else { return }
        stopped = true
        if endTime == 0 { endTime = MonotonicClock.nanoseconds() }
        for connection in connections { connection.stop() }
        loop.closeAllHandles()
        loop.stop()
    }

    private func onTick() {
        let now = MonotonicClock.nanoseconds()
        for connection in connections {
            connection.tick(now: now, timeout: options.timeoutNanos)
        }
    }

    // MARK: - Used by connections

    /// Paced runs: when request `n` of the whole run is due (monotonic ns).
    @inline(__always)
    func due(request n: UInt64) -> UInt64 { recorder.start &+ options.rate!.offsetNanos(ofRequest: n) }

    /// Whether the batches `nextBatch` returns change from call to call (a script builds them),
    /// so a write that cannot finish at once must keep its own copy.
    var batchesAreTransient: Bool { dynamicScript != nil }

    /// The bytes of the next batch to write: one path, chosen by weight, or what the script
    /// built; nil when the script failed to build it.
    @inline(__always)
    func nextBatch() -> UnsafeRawBufferPointer? {
        if let dynamicScript { return scriptedBatch.next(from: dynamicScript) }
        let batches = requests.batches
        return batches.count == 1 ? batches[0].batch : batches[picker.next()].batch
    }

    @inline(__always)
    func withRecorder<R>(_ body: (inout Recorder) -> R) -> R { body(&recorder) }
}

/// A worker's request and error totals as of its last 100 ms sample, for another thread to read.
final class PublishedCounts: Sendable {
    private let requests = Atomic<UInt64>(0)
    private let errors = Atomic<UInt64>(0)

    func publish(requests: UInt64, errors: UInt64) {
        self.requests.store(requests, ordering: .relaxed)
        self.errors.store(errors, ordering: .relaxed)
    }

    var totals: (requests: UInt64, errors: UInt64) {
        (requests.load(ordering: .relaxed), errors.load(ordering: .relaxed))
    }
}
