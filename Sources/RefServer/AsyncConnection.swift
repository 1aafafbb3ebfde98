import Clocks
import HTTP1
import Profiler
import TLS
import UVKit

/// One connection of the async server: the shared state machine driven by libuv reads,
/// answers in order, writes with `tryWrite` first and queues only what the socket refused.
final class AsyncConnection {
    let stream: TCPStream
    /// https: the TLS session over `stream` (reads and writes go through it); nil for plain HTTP.
    private let tls: TLSStream?
    // unowned(unsafe): the worker lives as long as the server (held by AsyncServer.workers), longer than its connections.
    unowned(unsafe) let worker: AsyncWorker
    var machine: ServerConnectionMachine
    var index = 0
    /// A timer or queued work holds the current request.
    private var waiting = false
    /// When the current request's DB work was issued (0: none), for the DB wait series.
    private var dbIssued: UInt64 = 0
    /// A queued write is in flight (its bytes are in `inFlight`).
    private var writing = false
    private var closeAfterFlush = false
    private(set) var closed = false
    private var readingPaused = false
    /// Answered and half-closed; reading only to discard until the peer closes too.
    private var lingering = false
    private var inFlight: OutputBuffer?
    private var backlog: OutputBuffer?
    private var sleepTimer: LoopTimer?
    /// A /debug/profile window this connection must close (also if it goes away first).
    private var openWindow: ProfileWindow?
    private var phase = ConnectionPhase.idle
    private var phaseSince: UInt64
    private var lastRead: UInt64
    private var writeSince: UInt64 = 0

    init(stream: TCPStream, worker: AsyncWorker) {
        self.stream = stream
        self.worker = worker
        machine = ServerConnectionMachine(limits: worker.options.limits, maxBodyBytes: worker.options.maxBodyBytes)
        machine.recordTargets = worker.options.accessLog
        phaseSince = worker.loop.nowMillis
        lastRead = phaseSince
        tls = worker.tlsContext.flatMap { try? TLSStream(tcp: stream, context: $0) }
    }

    func start() {
        if let tls {
            startTLS(tls)
            return
        }
        if worker.tlsContext != nil {
            // No TLS session could be made: never serve plain HTTP on a TLS port.
            worker.stats.tlsFailed.add(1)
            close()
            return
        }
        stream.onRead = { [unowned self] bytes in self.received(bytes) }
        stream.onReadEnd = { [unowned self] error in
            if error != nil || self.lingering { self.close(); return }
            self.machine.receiveEOF()
            self.process()
        }
        stream.startReading()
    }

    /// Idle: nothing of a request has arrived and nothing is being answered.
    var isIdle: Bool { !waiting && !writing && machine.phase == .idle }

    /// Idle, and for at least `millis` (shutdown closes these).
    func isQuiet(now: UInt64, forMillis millis: UInt64) -> Bool {
        guard isIdle else { return false }
        notePhase()
        return now &- phaseSince >= millis
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        worker.watchdog?.noteWake()
        worker.stats.bytesIn.add(bytes.count)
        if lingering { return }
        lastRead = worker.loop.nowMillis
        machine.receive(bytes)
        if waiting || writing {
            // Pipelined requests wait; past 1 MiB, stop reading until the answers catch up.
            if machine.bufferedBytes > 1 << 20 { stream.stopReading(); readingPaused = true }
            return
        }
        process()
    }

    /// Answers everything buffered that can be answered now, then writes it in one go.
    func process() {
        guard !closed else { return }
        loop: while !waiting && !writing && !closeAfterFlush {
            switch machine.next() {
            case .needMore:
                break loop
            case .sendContinue:
                ResponseEncoder.encodeContinue(into: worker.out)
            case .request(let request):
                // The next head's timeout counts from its end, even if part of it is buffered.
                phase = .responding
                worker.applicationCallback(.request, request) { handle(request) }
            case .reject(let status, let reason):
                respond(ServerRequest(route: .rejected, keepAlive: false), Response.error(status, reason))
                closeAfterFlush = true
            case .close:
                closeAfterFlush = true
            }
        }
        flush()
        guard !closed else { return }
        if readingPaused && !waiting && !writing {
            readingPaused = false
            stream.startReading()
        }
        notePhase()
    }

    private func handle(_ request: ServerRequest) {
        switch worker.router.plan(request, random: &worker.random) {
        case .respond(let response):
            respond(request, response)
        case .sleep(let ms, let response):
            waiting = true
            let timer = sleepTimer ?? LoopTimer(loop: worker.loop)
            sleepTimer = timer
            timer.start(timeoutMillis: UInt64(ms)) { [unowned self] in
                self.waiting = false
                self.worker.applicationCallback(.timer, request) { self.respond(request, response) }
                self.process()
            }
        case .work(.database(let work, let backend), _) where backend.loopDriver != nil:
            // The native driver: the reads go out on this loop; the answer comes from a reply.
            waiting = true
            dbIssued = MonotonicClock.nanoseconds()
            if let answer = worker.databaseLoop(backend.loopDriver!).start(work, for: self, request) {
                waiting = false
                dbIssued = 0
                respond(request, answer)
            }
        case .work(.database(let work, let backend), _) where work.route == .multi:
            waiting = true
            dbIssued = MonotonicClock.nanoseconds()
            _ = AsyncMultiRead(work, backend: backend, loop: worker.loop) { [self] response in
                databaseAnswered(request, response)
            }
        case .work(let job, let offload):
            if offload {
                waiting = true
                if case .database = job { dbIssued = MonotonicClock.nanoseconds() }
                let result = WorkResult()
                worker.loop.queueWork({ result.response = job.run() }, completion: { [self] in
                    worker.watchdog?.noteWake()
                    // The connection object lives until the completion (captured strongly).
                    guard !closed else { return }
                    waiting = false
                    noteDatabaseAnswered()
                    worker.applicationCallback(.completion, request) { respond(request, result.response) }
                    process()
                })
            } else {
                respond(request, job.run())
            }
        case .profile(let seconds, let format):
            let window: ProfileWindow
            switch OnDemandProfile.begin() {
            case .failure(let unavailable): respond(request, unavailable.response); return
            case .success(let opened): window = opened
            }
            // Answer from a timer when the window ends; symbolize and render on the work queue.
            waiting = true
            openWindow = window
            let timer = sleepTimer ?? LoopTimer(loop: worker.loop)
            sleepTimer = timer
            timer.start(timeoutMillis: UInt64(seconds) * 1000) { [unowned self] in
                openWindow = nil
                let result = WorkResult()
                worker.loop.queueWork({ result.response = OnDemandProfile.finish(window, format: format) }, completion: { [self] in
                    guard !closed else { return }
                    waiting = false
                    worker.applicationCallback(.completion, request) { respond(request, result.response) }
                    process()
                })
            }
        }
    }

    /// The answer to this connection's DB request, on the loop (the native driver's, or a `/multi` read's).
    func databaseAnswered(_ request: ServerRequest, _ response: Response) {
        guard !closed else { return }
        waiting = false
        noteDatabaseAnswered()
        worker.watchdog?.noteWake()
        worker.applicationCallback(.completion, request) { respond(request, response) }
        process()
    }

    /// The DB work issued at `dbIssued` has its answer: one operation in this loop's DB wait series.
    @inline(__always)
    private func noteDatabaseAnswered() {
        guard dbIssued != 0 else { return }
        let now = MonotonicClock.nanoseconds()
        worker.stats.dbWait.record(waitNanos: now &- dbIssued, at: now)
        dbIssued = 0
    }

    private func respond(_ request: ServerRequest, _ response: Response) {
        let keepAlive = request.keepAlive && !worker.draining
        worker.date.refresh()
        ResponseEncoder.encode(response, keepAlive: keepAlive, version: request.version, isHead: request.isHead,
                               date: worker.date, into: worker.out)
        worker.stats.count(request.route, status: response.status)
        if machine.recordTargets {
            accessLogLine(request, target: request.route == .rejected ? "-" : machine.lastTarget, status: response.status)
        }
        machine.responseSent(keepAlive: keepAlive)
    }

    /// Writes what `worker.out` holds: straight away if the socket takes it, else queued.
    private func flush() {
        let out = worker.out
        if !out.isEmpty {
            worker.stats.bytesOut.add(out.count)
            if writing {
                let buffer = backlog ?? OutputBuffer(capacity: max(4096, out.count))
                backlog = buffer
                buffer.append(out.bytes)
                out.removeAll()
                return
            }
            switch tls == nil ? stream.tryWrite(out.bytes) : tls!.tryWrite(out.bytes) {
            case .success(let n) where n == out.count:
                out.removeAll()
            case .success(let n):
                let buffer = inFlight ?? OutputBuffer(capacity: max(4096, out.count - n))
                inFlight = buffer
                buffer.append(UnsafeRawBufferPointer(rebasing: out.bytes[n...]))
                out.removeAll()
                startQueuedWrite()
                return
            case .failure:
                out.removeAll()
                close()
                return
            }
        }
        if closeAfterFlush && !writing { finish() }
    }

    /// Ends the connection once the last answer is written. Unless the peer already closed,
    /// FIN first and discard what still arrives for a moment, so that a client still sending
    /// (a refused upload, pipelined requests) reads the answer instead of a reset.
    private func finish() {
        guard !closed, !lingering else { return }
        if machine.peerClosed { close(); return }
        lingering = true
        if let tls { tls.shutdownWrite() } else { stream.shutdownWrite() }
        if readingPaused { readingPaused = false; stream.startReading() }
        let timer = sleepTimer ?? LoopTimer(loop: worker.loop)
        sleepTimer = timer
        timer.start(timeoutMillis: AsyncConnection.lingerMillis) { [unowned self] in self.close() }
    }

    static let lingerMillis: UInt64 = 1000

    private func startQueuedWrite() {
        guard let buffer = inFlight else { return }
        if !writing { writeSince = worker.loop.nowMillis }
        writing = true
        let completion: (UVError?) -> Void = { [unowned self] error in
            self.writing = false
            buffer.removeAll()
            if error != nil { self.close(); return }
            if let more = self.backlog, !more.isEmpty {
                self.backlog = buffer
                self.inFlight = more
                self.startQueuedWrite()
                return
            }
            if self.closeAfterFlush { self.finish(); return }
            self.process()
        }
        if let tls { tls.write(buffer.bytes, completion) } else { stream.write(buffer.bytes, completion) }
    }

    private func notePhase() {
        let now = machine.phase
        if now != phase {
            phase = now
            phaseSince = worker.loop.nowMillis
        }
    }

    func checkTimeouts(now: UInt64) {
        guard !closed, !waiting else { return }
        if let tls, !tls.isHandshakeComplete {
            // A peer stalling mid-handshake gets the head timeout.
            if now &- phaseSince >= UInt64(worker.options.headerTimeoutMillis) {
                worker.stats.tlsTimedOut.add(1)
                close()
            }
            return
        }
        if writing {
            // A peer that stops reading holds its answer in our buffer; give up like a stalled body.
            if now &- writeSince >= UInt64(worker.options.idleTimeoutMillis) { close() }
            return
        }
        notePhase()
        let options = worker.options
        switch phase {
        case .idle:
            if now &- phaseSince >= UInt64(options.idleTimeoutMillis) { close() }
        case .readingHead:
            if now &- phaseSince >= UInt64(options.headerTimeoutMillis) { timeOut("request head not received in time") }
        case .readingBody:
            if now &- lastRead >= UInt64(options.idleTimeoutMillis) { timeOut("request body stalled") }
        case .responding, .closed:
            break
        }
    }

    /// Shutdown is under way and half the grace period gone: a request still arriving is
    /// refused with 408; with `endLingering`, a lingering close or a write the peer does not
    /// read ends now.
    func drain(endLingering: Bool) {
        guard !closed else { return }
        if endLingering && (lingering || writing) { close(); return }
        guard !waiting, !writing, !lingering else { return }
        notePhase()
        if phase == .readingHead || phase == .readingBody { timeOut("server shutting down") }
    }

    private func timeOut(_ reason: String) {
        machine.markClosed()
        respond(ServerRequest(route: .rejected, keepAlive: false), Response.error(408, reason))
        closeAfterFlush = true
        flush()
    }

    func close() {
        guard !closed else { return }
        closed = true
        sleepTimer?.close()
        sleepTimer = nil
        if let window = openWindow {
            openWindow = nil
            _ = Profiler.shared.endWindow(window)
        }
        if let tls { tls.close() } else { stream.close() }
        worker.remove(self)
    }
}

// MARK: - https

extension AsyncConnection {
    /// Reads go through the TLS session once its handshake is done; a failed handshake
    /// (plain HTTP, garbage, a reset, a refused certificate) is counted and closed.
    private func startTLS(_ tls: TLSStream) {
        tls.onRead = { [unowned self] bytes in self.received(bytes) }
        tls.onReadEnd = { [unowned self] error in
            if error != nil || self.lingering { self.close(); return }
            self.machine.receiveEOF()
            self.process()
        }
        tls.onHandshake = { [unowned self, unowned tls] error in
            if error != nil {
                self.worker.stats.tlsFailed.add(1)
                self.close()
                return
            }
            self.worker.stats.tlsHandshakes.add(1)
            if tls.resumed { self.worker.stats.tlsResumed.add(1) }
        }
        tls.start()
    }
}
