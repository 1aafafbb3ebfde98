import Clocks
import Synchronization
import TLS
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// The async model: `workers` threads, each with its own libuv loop and its own listener on
/// the same port (SO_REUSEPORT, so the kernel spreads connections), like N aiohttp processes.
public final class AsyncServer: ReferenceServer, @unchecked Sendable {
    public let port: UInt16
    /// Each worker's counters, merged by /debug/stats.
    public let stats: StatsRegistry
    /// The slow-callback watchdog's shared side (nil when it is off).
    public let watchdog: WatchdogRegistry?
    private let workers: [AsyncWorker]
    private var threads: [OSThread] = []
    private let finished = SharedCount()

    /// Binds every worker's listener (throws if the port is taken), then starts the threads.
    public init(options: ServerOptions, database: (any DatabaseBackend)? = nil) throws {
        let stats = StatsRegistry(model: "async", threads: options.workers, tls: options.tls != nil)
        let watchdog = options.slowCallbackNanos.map { WatchdogRegistry(thresholdNanos: $0, loops: max(1, options.workers)) }
        var router = Router(database: database, stats: stats, watchdog: watchdog)
        router.workPerRequestNanos = options.debugWorkPerRequestNanos
        var workers: [AsyncWorker] = []
        var port = options.port
        if port != 0 {
            // SO_REUSEPORT would let a second server share a port already in use and split its
            // traffic; a plain bind first refuses that (EADDRINUSE).
            let probe = try SocketAddress.resolve(host: options.host, port: port).makeBlockingListener(backlog: 1)
            close(probe)
        }
        for index in 0..<max(1, options.workers) {
            // The first listener picks the port (maybe 0 → free); the others join it.
            let address = try SocketAddress.resolve(host: options.host, port: port)
            let worker = try AsyncWorker(options: options, address: address, router: router, stats: stats.threads[index], index: index,
                                         watchdog: watchdog.map { LoopWatchdog(registry: $0, loop: index) })
            port = worker.listener.localPort
            workers.append(worker)
        }
        self.port = port
        self.stats = stats
        self.workers = workers
        self.watchdog = watchdog
        if options.sampleThreads { OnDemandProfile.registerWorkQueue(from: workers[0].loop) }
        for (index, worker) in workers.enumerated() {
            let handover = ThreadHandover(worker)
            let sample = options.sampleThreads
            threads.append(OSThread(name: "async-\(index)") { [finished] in
                if sample { OnDemandProfile.registerThread() }
                handover.value.run()
                finished.increment()
            })
        }
    }

    public func beginShutdown() { for worker in workers { worker.drainWakeup.send() } }
    public var isStopped: Bool { finished.value == workers.count }
    public func forceStop() { for worker in workers { worker.forceWakeup.send() } }
    public func join() { for thread in threads { thread.join() } }
}

/// One loop thread of the async server: its listener, its connections, its counters,
/// its Date cache and output buffer. Everything here is touched by its thread only
/// (after the hand-over at start).
final class AsyncWorker {
    let loop: EventLoop
    let listener: TCPListener
    let router: Router
    let options: ServerOptions
    let stats: ThreadStats
    let date = DateCache()
    /// This loop's World-id generator (DB routes).
    var random: XorShift64
    /// Responses are encoded here and written straight from it when the socket takes them.
    let out = OutputBuffer()
    var connections: [AsyncConnection] = []
    /// This loop's native MongoDB client, made on first use (see `databaseLoop`).
    var nativeDatabase: NativeDatabaseLoop?
    var draining = false
    /// When shutdown began (loop time, ms).
    private var drainStart: UInt64 = 0
    private(set) var drainWakeup: LoopWakeup!
    private(set) var forceWakeup: LoopWakeup!
    private var sweeper: LoopTimer!
    private var drainTimer: LoopTimer?
    /// Times application callbacks when `--slow-callback`/`--debug` is on; nil costs one branch.
    let watchdog: LoopWatchdog?
    /// https: this loop's OpenSSL context (its connections' sessions are driven on this loop only).
    let tlsContext: TLSContext?

    init(options: ServerOptions, address: SocketAddress, router: Router, stats: ThreadStats, index: Int, watchdog: LoopWatchdog?) throws {
        random = XorShift64(thread: index)
        loop = try EventLoop(readBufferSize: 64 * 1024)
        listener = try TCPListener(loop: loop, address: address, reusePort: true)
        self.router = router
        self.options = options
        self.stats = stats
        self.watchdog = watchdog
        if let configuration = options.tls { tlsContext = try TLSContext(server: configuration) } else { tlsContext = nil }
        watchdog?.install(on: loop)
        drainWakeup = LoopWakeup(loop: loop) { [unowned self] in self.beginDrain() }
        forceWakeup = LoopWakeup(loop: loop) { [unowned self] in self.loop.closeAllHandles() }
        sweeper = LoopTimer(loop: loop)
        let every = UInt64(options.sweepMillis)
        sweeper.start(timeoutMillis: every, repeatMillis: every) { [unowned self] in self.sweep() }
        listener.onAccept { [unowned self] stream in self.accept(stream) }
    }

    func run() {
        loop.run()
        loop.closeAllHandles()
        loop.drain()
        connections.removeAll()
    }

    private func accept(_ stream: TCPStream) {
        watchdog?.noteWake()
        stats.acceptedConnections.add(1)
        stats.openConnections.add(1)
        stream.setNoDelay()
        let connection = AsyncConnection(stream: stream, worker: self)
        connection.index = connections.count
        connections.append(connection)
        connection.start()
    }

    /// Called by a connection once it is closed.
    func remove(_ connection: AsyncConnection) {
        stats.openConnections.add(-1)
        let index = connection.index
        let last = connections.removeLast()
        if last !== connection {
            connections[index] = last
            last.index = index
        }
        if draining && connections.isEmpty { finishDrain() }
    }

    /// SIGTERM: stop accepting, close idle connections, let the busy ones finish.
    private func beginDrain() {
        guard !draining else { return }
        draining = true
        drainStart = loop.nowMillis
        listener.close()
        closeQuietConnections()
        if connections.isEmpty { finishDrain(); return }
        drainTimer = LoopTimer(loop: loop)
        drainTimer?.start(timeoutMillis: 10, repeatMillis: 10) { [unowned self] in self.closeQuietConnections() }
    }

    /// A connection idle for a moment has no request on the way (one just sent would have
    /// been read by now), so closing it drops nothing. Busy ones close after their answer.
    /// Past the drain steps (see `DrainStep`), requests still arriving get 408 and lingering
    /// closes end, so that peers that never finish cannot hold the process past the grace period.
    private func closeQuietConnections() {
        let now = loop.nowMillis
        let sinceDrain = (now &- drainStart) &* 1_000_000
        let partialRequests = draining && sinceDrain >= DrainStep.partialRequests.offsetNanos(graceMillis: options.graceMillis)
        let lingering = draining && sinceDrain >= DrainStep.lingering.offsetNanos(graceMillis: options.graceMillis)
        var k = connections.count - 1
        while k >= 0 {
            if k < connections.count {
                let connection = connections[k]
                if connection.isQuiet(now: now, forMillis: AsyncWorker.quietMillis) {
                    connection.close()
                } else if partialRequests {
                    connection.drain(endLingering: lingering)
                }
            }
            k -= 1
        }
    }

    static let quietMillis: UInt64 = 20

    private func finishDrain() {
        drainTimer?.close()
        sweeper.close()
        watchdog?.close()
        drainWakeup.close()
        forceWakeup.close()
    }

    /// Timeouts: idle keep-alive connections, slow heads (408), stalled bodies (408).
    private func sweep() {
        let now = loop.nowMillis
        var k = connections.count - 1
        while k >= 0 {
            if k < connections.count { connections[k].checkTimeouts(now: now) }
            k -= 1
        }
    }

    /// Every callback that runs application code goes through here; with the watchdog on it is
    /// timed on the monotonic clock (asyncio's debug mode), with it off this is one branch.
    @inline(__always)
    func applicationCallback<R>(_ kind: CallbackKind, _ request: ServerRequest, _ body: () -> R) -> R {
        guard let watchdog else { return body() }
        let start = MonotonicClock.nanoseconds()
        let result = body()
        watchdog.finished(kind, request, startedAt: start)
        return result
    }
}

/// Reads the result of queued work back on the loop thread.
final class WorkResult: @unchecked Sendable {
    var response = Response(status: 500, body: .fixed("work did not run\n"))
}

/// A count several threads add to (threads finishing, a shutdown flag).
final class SharedCount: Sendable {
    private let atomic = Atomic<Int>(0)
    func increment() { atomic.add(1, ordering: .releasing) }
    var value: Int { atomic.load(ordering: .acquiring) }
}
