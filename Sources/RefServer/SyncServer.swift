import Clocks
import HTTP1
import Synchronization
import TLS
import UVKit
#if canImport(Glibc)
import Glibc
#endif

/// The sync model: a pool of `threads` threads; each accepts one connection and serves it
/// to the end with blocking reads and writes, like a threaded WSGI server. Connections
/// beyond the pool wait in the kernel's accept queue.
public final class SyncServer: ReferenceServer, @unchecked Sendable {
    public let port: UInt16
    /// Each pool thread's counters, merged by /debug/stats.
    public let stats: StatsRegistry
    let listenFD: Int32
    let options: ServerOptions
    let router: Router
    private var threads: [OSThread] = []
    private let finished = SharedCount()
    let draining = SharedCount()
    /// When shutdown began (monotonic ns); stored before `draining` is raised.
    private let drainStart = Atomic<UInt64>(0)
    let count: Int

    /// Whether shutdown began long enough ago that `step` applies (see `DrainStep`).
    func drainPassed(_ step: DrainStep, now: UInt64) -> Bool {
        guard draining.value != 0 else { return false }
        return now &- drainStart.load(ordering: .relaxed) >= step.offsetNanos(graceMillis: options.graceMillis)
    }

    /// Binds the listening socket (throws if the port is taken), then starts the pool.
    public init(options: ServerOptions, database: (any DatabaseBackend)? = nil) throws {
        let address = try SocketAddress.resolve(host: options.host, port: options.port)
        listenFD = try address.makeBlockingListener()
        port = SocketAddress.localPort(of: listenFD)
        count = max(1, options.threads)
        stats = StatsRegistry(model: "sync", threads: count, tls: options.tls != nil)
        if let configuration = options.tls { _ = try TLSContext(server: configuration) }   // refuse a bad certificate now
        var router = Router(database: database, stats: stats)
        router.workPerRequestNanos = options.debugWorkPerRequestNanos
        self.router = router
        self.options = options
        let sample = options.sampleThreads
        for index in 0..<count {
            threads.append(OSThread(name: "sync-\(index)") { [self] in
                if sample { OnDemandProfile.registerThread() }
                var thread = SyncThread(server: self, stats: stats.threads[index], index: index)
                thread.run()
                finished.increment()
            })
        }
    }

    public func beginShutdown() {
        guard draining.value == 0 else { return }
        drainStart.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
        draining.increment()
        // Wakes every thread blocked in accept (it returns EINVAL from now on).
        shutdown(listenFD, Int32(SHUT_RDWR))
    }

    public var isStopped: Bool { finished.value == count }
    /// Nothing to do: threads blocked in a request cannot be interrupted; the process exits around them.
    public func forceStop() {}
    public func join() {
        for thread in threads { thread.join() }
        // Each thread's body holds the server: drop them, or server and threads keep each other.
        threads.removeAll()
        Glibc.close(listenFD)
    }
}

/// One pool thread's state: its machine (reused across connections), buffers and counters.
struct SyncThread {
    let server: SyncServer
    let stats: ThreadStats
    var machine: ServerConnectionMachine
    let date = DateCache()
    let out = OutputBuffer()
    let tickMillis: Int
    /// This thread's World-id generator (DB routes).
    var random: XorShift64
    /// https: this thread's OpenSSL context, and the session of the connection being served.
    /// Blocking SSL straight on the socket: the model is blocking I/O, as Python's ssl module
    /// wraps a threaded server's sockets, so no memory BIOs or copies are needed.
    let tlsContext: TLSContext?
    var tls: BlockingTLSConnection?

    init(server: SyncServer, stats: ThreadStats, index: Int) {
        random = XorShift64(thread: index)
        self.server = server
        self.stats = stats
        machine = ServerConnectionMachine(limits: server.options.limits, maxBodyBytes: server.options.maxBodyBytes)
        machine.recordTargets = server.options.accessLog
        tickMillis = min(250, server.options.sweepMillis)
        tlsContext = server.options.tls.flatMap { try? TLSContext(server: $0) }
    }

    var draining: Bool { server.draining.value != 0 }

    mutating func run() {
        while !draining {
            let fd = accept(server.listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            stats.acceptedConnections.add(1)
            stats.openConnections.add(1)
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            // Reads wake up every tick to check timeouts and shutdown; writes give up after the idle timeout.
            var tick = timeval(tv_sec: tickMillis / 1000, tv_usec: (tickMillis % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, socklen_t(MemoryLayout<timeval>.size))
            let idle = server.options.idleTimeoutMillis
            var sendLimit = timeval(tv_sec: idle / 1000, tv_usec: (idle % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendLimit, socklen_t(MemoryLayout<timeval>.size))
            if let tlsContext {
                if startTLS(fd, context: tlsContext) { serve(fd) }
                tls?.shutdown()
                tls = nil
            } else {
                serve(fd)
            }
            Glibc.close(fd)
            stats.openConnections.add(-1)
        }
    }

    /// Serves one connection until it closes, times out or the server drains.
    mutating func serve(_ fd: Int32) {
        machine.reset()
        var phase = ConnectionPhase.idle
        var phaseSince = MonotonicClock.nanoseconds()
        var lastRead = phaseSince
        while true {
            answering: while true {
                switch machine.next() {
                case .needMore:
                    break answering
                case .sendContinue:
                    ResponseEncoder.encodeContinue(into: out)
                    guard flush(fd) else { return }
                case .request(let request):
                    // The next head's timeout counts from now, even if part of it is buffered.
                    phase = .responding
                    handle(request, fd)
                case .reject(let status, let reason):
                    respond(ServerRequest(route: .rejected, keepAlive: false), Response.error(status, reason))
                    if flush(fd) { linger(fd) }
                    return
                case .close:
                    if flush(fd) && !machine.peerClosed { linger(fd) }
                    return
                }
            }
            guard flush(fd) else { return }
            let space = machine.receiveSpace()
            let n = receive(fd, space.baseAddress, space.count)
            let readError = n < 0 ? errno : 0
            let now = MonotonicClock.nanoseconds()
            if n > 0 {
                stats.bytesIn.add(n)
                machine.didReceive(n)
                lastRead = now
            } else if n == 0 {
                machine.receiveEOF()
                continue
            } else if readError != EAGAIN && readError != EWOULDBLOCK && readError != EINTR {
                return
            }
            // After every read, not only after a tick without bytes: a slowloris peer
            // sending a byte per tick must still meet the header timeout.
            let current = machine.phase
            if current != phase { phase = current; phaseSince = now }
            let options = server.options
            switch current {
            case .idle:
                // Quiet for a whole tick (bytes would have made it a head): no request is on
                // the way, so shutdown may close it.
                if draining { return }
                if now - phaseSince >= UInt64(options.idleTimeoutMillis) * 1_000_000 { return }
            case .readingHead:
                if now - phaseSince >= UInt64(options.headerTimeoutMillis) * 1_000_000 {
                    timeOut(fd, "request head not received in time")
                    return
                }
                if server.drainPassed(.partialRequests, now: now) {
                    timeOut(fd, "server shutting down")
                    return
                }
            case .readingBody:
                if now - lastRead >= UInt64(options.idleTimeoutMillis) * 1_000_000 {
                    timeOut(fd, "request body stalled")
                    return
                }
                if server.drainPassed(.partialRequests, now: now) {
                    timeOut(fd, "server shutting down")
                    return
                }
            case .responding, .closed:
                break
            }
        }
    }

    private mutating func timeOut(_ fd: Int32, _ reason: String) {
        respond(ServerRequest(route: .rejected, keepAlive: false), Response.error(408, reason))
        if flush(fd) { linger(fd) }
    }

    /// https: the handshake, within the head timeout; a failure or a stall is counted and
    /// the connection closed.
    private mutating func startTLS(_ fd: Int32, context: TLSContext) -> Bool {
        guard let connection = try? BlockingTLSConnection(fd: fd, context: context) else {
            stats.tlsFailed.add(1)
            return false
        }
        tls = connection
        let deadline = MonotonicClock.nanoseconds() + UInt64(server.options.headerTimeoutMillis) * 1_000_000
        let server = self.server
        if let error = connection.handshake(deadline: deadline, clock: { MonotonicClock.nanoseconds() }, shouldStop: { server.draining.value != 0 }) {
            (error == .handshakeTimedOut ? stats.tlsTimedOut : stats.tlsFailed).add(1)
            return false
        }
        stats.tlsHandshakes.add(1)
        if connection.resumed { stats.tlsResumed.add(1) }
        return true
    }

    /// A read from the connection: through TLS when it speaks it.
    @inline(__always)
    private func receive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard let tls else { return read(fd, buffer, count) }
        return tls.read(buffer!, count)
    }

    /// FIN after the last answer, then read and discard for up to a second until the peer
    /// closes, so that a client still sending reads the answer instead of a reset.
    private mutating func linger(_ fd: Int32) {
        tls?.shutdown()
        shutdown(fd, Int32(SHUT_WR))
        let deadline = MonotonicClock.nanoseconds() + 1_000_000_000
        while true {
            let now = MonotonicClock.nanoseconds()
            if now >= deadline || server.drainPassed(.lingering, now: now) { return }
            let space = machine.receiveSpace()
            let n = receive(fd, space.baseAddress, space.count)
            if n > 0 { stats.bytesIn.add(n); continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
            return
        }
    }

    private mutating func handle(_ request: ServerRequest, _ fd: Int32) {
        switch server.router.plan(request, random: &random) {
        case .respond(let response):
            respond(request, response)
        case .sleep(let ms, let response):
            _ = flush(fd)
            var delay = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
            var remaining = timespec()
            while nanosleep(&delay, &remaining) != 0 && errno == EINTR { delay = remaining }
            respond(request, response)
        case .work(let job, _):
            _ = flush(fd)
            guard case .database = job else { respond(request, job.run()); return }
            // DB wait: the blocking call, pool wait and reads (one operation of the series).
            let issued = MonotonicClock.nanoseconds()
            let response = job.run()
            let answered = MonotonicClock.nanoseconds()
            stats.dbWait.record(waitNanos: answered &- issued, at: answered)
            respond(request, response)
        case .profile(let seconds, let format):
            _ = flush(fd)
            respond(request, OnDemandProfile.record(seconds: seconds, format: format))
        }
    }

    private mutating func respond(_ request: ServerRequest, _ response: Response) {
        let keepAlive = request.keepAlive && !draining
        date.refresh()
        ResponseEncoder.encode(response, keepAlive: keepAlive, version: request.version, isHead: request.isHead,
                               date: date, into: out)
        stats.count(request.route, status: response.status)
        if machine.recordTargets {
            accessLogLine(request, target: request.route == .rejected ? "-" : machine.lastTarget, status: response.status)
        }
        machine.responseSent(keepAlive: keepAlive)
    }

    /// Writes all of `out`; false if the peer is gone.
    private func flush(_ fd: Int32) -> Bool {
        var offset = 0
        let total = out.count
        defer { out.removeAll() }
        while offset < total {
            let n = tls == nil ? send(fd, out.base + offset, total - offset, Int32(MSG_NOSIGNAL))
                               : tls!.write(out.base + offset, total - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        if total > 0 { stats.bytesOut.add(total) }
        return true
    }
}
