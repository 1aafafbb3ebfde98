import HTTP1
import Metrics
import Synchronization
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// Runs one load: checks the target answers, starts one worker thread per loop, waits for
/// the duration (or Ctrl-C), joins the threads and merges their recorders into one `Measurement`.
public final class LoadRunner {
    public let options: LoadOptions
    private let address: SocketAddress
    private let requests: RequestSet
    /// Whether the run was cut short by SIGINT (the measurement covers what ran).
    public private(set) var interrupted = false
    /// Receives each second's merged latency histogram as the run goes (e.g. `--hlog`).
    public var intervalSink: IntervalCollector.Sink?
    /// Called first thing on each worker thread (the profiler registers the thread here).
    public var onWorkerThreadStart: (@Sendable () -> Void)?

    /// Validates the options, resolves the host and encodes the request once.
    public init(options: LoadOptions) throws(LoadError) {
        try options.validate()
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
    /// SIGINT during the run stops every worker early; what was measured is kept.
    /// - Parameters:
    ///   - handleInterrupt: watch SIGINT (Ctrl-C) during the run.
    ///   - onProgress: called on the calling thread about once a second with the totals so far
    ///     (as of each worker's last 100 ms sample), for live progress displays.
    public func run(handleInterrupt: Bool = true, onProgress: ((LiveProgress) -> Void)? = nil) -> Measurement {
        let threadCount = options.effectiveThreads
        let workers: [Worker]
        let control: EventLoop
        do {
            workers = try (0..<threadCount).map {
                try Worker(index: $0, options: options, address: address, requests: requests)
            }
            control = try EventLoop(readBufferSize: 64)
        } catch {
            fatalError("cannot create an event loop: \(error)")
        }

        let intervals = IntervalCollector(threads: threadCount, sink: intervalSink)
        let start = EventLoop.hrtime()
        for worker in workers {
            worker.commonStart = start
            worker.intervals = intervals
        }

        let finished = Atomic<Int>(0)
        let allDone = LoopWakeup(loop: control) {
            if finished.load(ordering: .acquiring) == threadCount { control.stop() }
        }
        let interruptedFlag = StopFlag()
        var watcher: SignalWatcher?
        if handleInterrupt {
            watcher = SignalWatcher(loop: control, signal: SIGINT) { _ in
                if interruptedFlag.isSet { _exit(130) }   // a second Ctrl-C: leave at once
                interruptedFlag.set()
                for worker in workers { worker.requestStop() }
            }
        }
        let threadStart = onWorkerThreadStart
        let started = start
        var progressTimer: LoopTimer?
        if let onProgress {
            let timer = LoopTimer(loop: control)
            timer.start(timeoutMillis: 1000, repeatMillis: 1000) {
                var live = LiveProgress(elapsedNanos: EventLoop.hrtime() - started)
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
        progressTimer?.close()
        watcher?.close()
        allDone.close()
        control.closeAllHandles()
        control.drain()
        interrupted = interruptedFlag.isSet

        let end = EventLoop.hrtime()
        var merged = Measurement(elapsedNanoseconds: 0)
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
        if let rate = options.rate {
            merged.askedRequests = rate.requestsDue(byOffsetNanos: merged.elapsedNanoseconds)
            if merged.uncorrectedLatency == nil { merged.uncorrectedLatency = Measurement.makeLatencyHistogram() }
            if merged.scheduleLag == nil { merged.scheduleLag = Measurement.makeLatencyHistogram() }
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

/// A flag set by one thread and read by another.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
