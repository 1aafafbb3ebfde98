import Clocks
import TLS
import UVKit

/// One client connection: glues a `TCPStream` to its `ConnectionMachine` and carries out
/// the machine's actions. Reads arrive in the loop's shared buffer and the next request is
/// written straight from the read callback with a non-queueing write, so a keep-alive
/// request costs one read and one write system call.
final class ClientConnection {
    private unowned let worker: Worker
    private unowned let loop: EventLoop
    private var machine: ConnectionMachine
    private var stream: TCPStream?
    private var waitingToReconnect = false
    private var everConnected = false
    /// A batch became due while the rest of the previous one was still queued in libuv (the
    /// server can answer before libuv reports the write done): send it when that write completes.
    private var sendWhenWritten = false
    /// Paced runs: this connection's index in its thread (the pacer's key) and in the whole run
    /// (its place in the schedule: it takes requests globalIndex, globalIndex + C, …).
    private let index: Int
    private let globalIndex: UInt64
    /// Paced runs: slots taken so far, and the one taken but not yet sent.
    private var slotsTaken: UInt64 = 0
    private var slotDue: UInt64 = 0
    private var hasSlot = false
    /// Waiting in the pacer's heap.
    private var queued = false
    /// Scripts only: each response's bytes for `response()`, the pause before a batch
    /// (`delay()`), and the unwritten rest of a script-built batch (its bytes change each call).
    private var collector: ResponseCollector?
    private var delayTimer: LoopTimer?
    private var delaying = false
    private lazy var pendingRest = ReusedBytes()
    /// https: the TLS session over `stream`, and when its handshake began (0: none under way).
    private var tls: TLSStream?
    private var handshakeStart: UInt64 = 0

    init(worker: Worker, loop: EventLoop, options: LoadOptions, index: Int = 0, globalIndex: Int = 0) {
        self.worker = worker
        self.loop = loop
        self.index = index
        self.globalIndex = UInt64(globalIndex)
        self.machine = ConnectionMachine(pipeline: worker.pipelineDepth, isHeadRequest: options.method == "HEAD",
                                         paced: options.rate != nil)
        if worker.script?.wantsResponses == true { collector = ResponseCollector(isHeadRequest: options.method == "HEAD") }
    }

    func open() {
        waitingToReconnect = false
        sendWhenWritten = false
        if collector != nil { collector!.reset() }
        if delaying { delayTimer?.stop(); delaying = false }
        machine.connecting()
        guard machine.state == .connecting else { return }
        let stream: TCPStream
        do { stream = try TCPStream(loop: loop) } catch {
            let now = MonotonicClock.nanoseconds()
            perform(worker.withRecorder { machine.connectFailed(now: now, recorder: &$0) })
            return
        }
        self.stream = stream
        stream.setNoDelay()
        if let context = worker.tlsContext {
            openTLS(stream, context: context)
            return
        }
        stream.onRead = { [unowned self] bytes in
            let now = MonotonicClock.nanoseconds()
            self.worker.withRecorder { $0.bytesRead &+= UInt64(bytes.count) }
            let action = self.worker.withRecorder { self.machine.received(bytes, now: now, recorder: &$0) }
            if self.collector != nil { self.collector!.feed(bytes, to: self.worker.script!) }
            if action != .none { self.perform(action) }
        }
        stream.onReadEnd = { [unowned self] error in
            let now = MonotonicClock.nanoseconds()
            let action = self.worker.withRecorder { recorder in
                error == nil ? self.machine.endOfStream(now: now, recorder: &recorder)
                             : self.machine.readFailed(now: now, recorder: &recorder)
            }
            if error == nil, self.collector != nil { self.collector!.finish(to: self.worker.script!) }
            self.perform(action)
        }
        stream.connect(to: worker.address) { [unowned self] error in
            let now = MonotonicClock.nanoseconds()
            if error != nil {
                self.perform(self.worker.withRecorder { self.machine.connectFailed(now: now, recorder: &$0) })
                return
            }
            if self.everConnected { self.worker.withRecorder { $0.reconnects &+= 1 } }
            self.everConnected = true
            stream.startReading()
            self.perform(self.machine.connected(now: now))
        }
    }

    /// Checks for a timed-out request, or a pending reconnect after a failed connect.
    func tick(now: UInt64, timeout: UInt64) {
        if waitingToReconnect {
            open()
            return
        }
        if handshakeStart != 0 && now &- handshakeStart >= timeout {
            handshakeFailed(.handshakeTimedOut)
            return
        }
        if delaying { return }   // nothing is on the wire during a script's pause
        let action = worker.withRecorder { machine.tick(now: now, timeout: timeout, recorder: &$0) }
        if action != .none { perform(action) }
    }

    func stop() {
        machine.stop()
        closeStream()
    }

    private func closeStream() {
        if let tls {
            tls.close()
            self.tls = nil
            handshakeStart = 0
        }
        stream?.close()
        stream = nil
    }

    @inline(__always)
    private func perform(_ action: ConnectionMachine.Action) {
        switch action {
        case .none:
            return
        case .send:
            if worker.scriptDelays { sendAfterDelay() } else { send() }
        case .reconnect:
            closeStream()
            open()
        case .reconnectLater:
            closeStream()
            waitingToReconnect = true
        case .close:
            closeStream()
        case .wait:
            waitForSlot()
        }
    }

    /// Paced: nothing in flight. Takes the next slot of the schedule (unless the last one taken
    /// was never sent, e.g. the connection was reopened meanwhile) and sends when it is due.
    private func waitForSlot() {
        if queued { return }
        if !hasSlot {
            slotDue = worker.due(request: slotsTaken &* UInt64(worker.totalConnections) &+ globalIndex)
            slotsTaken &+= 1
            hasSlot = true
        }
        let now = MonotonicClock.nanoseconds()
        if slotDue <= now {
            sendSlot(now: now)
        } else {
            queued = true
            worker.pacer.add(connection: index, due: slotDue)
        }
    }

    /// Paced: the pacer says this connection's slot has come.
    func slotReached(now: UInt64) {
        queued = false
        // Not idle (reopening after an error): the slot is sent as soon as the connection is back.
        guard machine.state == .idle else { return }
        sendSlot(now: now)
    }

    private func sendSlot(now: UInt64) {
        hasSlot = false
        let action = worker.withRecorder { machine.sendScheduled(intended: slotDue, now: now, recorder: &$0) }
        perform(action)
    }

    @inline(__always)
    private func send() {
        guard let stream else { return }
        if let tls {
            sendTLS(tls)
            return
        }
        if stream.isWriting {
            sendWhenWritten = true
            return
        }
        guard let batch = worker.nextBatch() else { return }   // the script failed; it stops the thread if it always does
        switch stream.tryWrite(batch) {
        case .success(let written):
            worker.withRecorder { $0.bytesWritten &+= UInt64(written) }
            if written < batch.count { queueRest(of: batch, from: written, on: stream) }
        case .failure:
            writeFailed()
        }
    }

    /// The socket buffer is full: queue the rest (the bytes live as long as the run).
    private func queueRest(of batch: UnsafeRawBufferPointer, from written: Int, on stream: TCPStream) {
        var rest = UnsafeRawBufferPointer(rebasing: batch[written...])
        if worker.batchesAreTransient {
            // A script's bytes change with its next call: keep this connection's own copy
            // (one write at most is queued per connection, so the buffer is free to reuse).
            pendingRest.clear()
            pendingRest.append(rest)
            rest = pendingRest.bytes
        }
        stream.write(rest) { [unowned self] error in
            // A write cancelled because this connection was closed or replaced is not an error.
            guard self.stream === stream else { return }
            if error != nil { self.writeFailed(); return }
            self.worker.withRecorder { $0.bytesWritten &+= UInt64(batch.count - written) }
            if self.sendWhenWritten {
                self.sendWhenWritten = false
                self.send()
            }
        }
    }

    /// Scripts with `delay()`: waits the pause the script asks for, then sends; latency is
    /// measured from the write, as wrk does.
    private func sendAfterDelay() {
        let millis = worker.script!.delayMillis()
        if millis == 0 { send(); return }
        let timer = delayTimer ?? LoopTimer(loop: loop)
        delayTimer = timer
        delaying = true
        timer.start(timeoutMillis: millis) { [unowned self] in
            self.delaying = false
            self.machine.restartClock(now: MonotonicClock.nanoseconds())
            self.send()
        }
    }

    private func writeFailed() {
        let now = MonotonicClock.nanoseconds()
        let action = worker.withRecorder { machine.writeFailed(now: now, recorder: &$0) }
        perform(action)
    }
}

// MARK: - https

extension ClientConnection {
    /// Connects, then runs the TLS handshake before the first request: the machine stays
    /// `connecting` until the handshake is done, so handshake time is never request latency.
    private func openTLS(_ stream: TCPStream, context: TLSContext) {
        let tls: TLSStream
        do { tls = try TLSStream(tcp: stream, context: context, serverName: worker.serverName) } catch {
            handshakeFailed(error)
            return
        }
        self.tls = tls
        tls.onRead = { [unowned self] bytes in
            let now = MonotonicClock.nanoseconds()
            self.worker.withRecorder { $0.bytesRead &+= UInt64(bytes.count) }
            let action = self.worker.withRecorder { self.machine.received(bytes, now: now, recorder: &$0) }
            if action != .none { self.perform(action) }
        }
        tls.onReadEnd = { [unowned self] error in
            let now = MonotonicClock.nanoseconds()
            let action = self.worker.withRecorder { recorder in
                error == nil ? self.machine.endOfStream(now: now, recorder: &recorder)
                             : self.machine.readFailed(now: now, recorder: &recorder)
            }
            self.perform(action)
        }
        tls.onDrained = { [unowned self] in
            if self.sendWhenWritten {
                self.sendWhenWritten = false
                self.send()
            }
        }
        tls.onHandshake = { [unowned self] error in
            if let error { self.handshakeFailed(error) } else { self.handshakeDone() }
        }
        stream.connect(to: worker.address) { [unowned self] error in
            let now = MonotonicClock.nanoseconds()
            if error != nil {
                self.perform(self.worker.withRecorder { self.machine.connectFailed(now: now, recorder: &$0) })
                return
            }
            if self.everConnected { self.worker.withRecorder { $0.reconnects &+= 1 } }
            self.everConnected = true
            self.handshakeStart = now
            tls.start()
        }
    }

    private func handshakeDone() {
        let now = MonotonicClock.nanoseconds()
        guard let tls else { return }
        let started = handshakeStart
        handshakeStart = 0
        worker.withRecorder { recorder in
            recorder.tls?.recordHandshake(nanos: now &- started, resumed: tls.resumed)
            if recorder.tls?.protocolVersion.isEmpty == true {
                // Once per thread: what was negotiated (allocates strings).
                let agreed = tls.negotiated
                recorder.tls?.protocolVersion = agreed.protocolVersion
                recorder.tls?.cipher = agreed.cipher
                recorder.tls?.group = agreed.group
            }
        }
        perform(machine.connected(now: now))
    }

    private func handshakeFailed(_ error: TLSError) {
        handshakeStart = 0
        let now = MonotonicClock.nanoseconds()
        let action = worker.withRecorder { recorder in
            recorder.tls?.failures[error.reason, default: 0] += 1
            return machine.handshakeFailed(now: now, recorder: &recorder)
        }
        perform(action)
    }

    /// Encrypts the next batch (the TLS stream takes all of it and queues the ciphertext the
    /// socket refuses); while such ciphertext is queued, the batch waits for it to drain.
    @inline(__always)
    private func sendTLS(_ tls: TLSStream) {
        if tls.isWriting {
            sendWhenWritten = true
            return
        }
        // A script-built batch is consumed here: the TLS stream encrypts all of it at once.
        guard let batch = worker.nextBatch() else { return }   // the script failed; it stops the thread if it always does
        switch tls.tryWrite(batch) {
        case .success(let written):
            worker.withRecorder { $0.bytesWritten &+= UInt64(written) }
        case .failure:
            writeFailed()
        }
    }
}
