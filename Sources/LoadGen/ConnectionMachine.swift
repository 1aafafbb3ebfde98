import HTTP1

/// The life of one client connection as a pure state machine: it is fed events (connected,
/// bytes read, end of stream, failures, clock ticks) and answers with the one thing the
/// socket layer must do next. It never touches a socket, so every path is testable without one.
public struct ConnectionMachine {
    /// Where the connection is.
    public enum State: Equatable, Sendable {
        /// No socket; a new one should be opened (at once, or after a pause after a connect failure).
        case disconnected
        case connecting
        /// Requests are written and responses awaited.
        case awaiting
        /// Paced runs: connected, nothing in flight, waiting for the next slot of the schedule.
        case idle
        /// The run is over; nothing more is sent.
        case stopped
    }

    /// What the socket layer must do after an event.
    public enum Action: Equatable, Sendable {
        /// Nothing.
        case none
        /// Write the request batch (`pipeline` requests) now.
        case send
        /// Close this socket and open a new one right away.
        case reconnect
        /// Close this socket and open a new one after a pause (the server refused us; don't spin).
        case reconnectLater
        /// Close this socket for good.
        case close
        /// Paced runs: nothing is in flight; take the next slot of the schedule and call
        /// `sendScheduled` when it is due.
        case wait
    }

    public private(set) var state: State = .disconnected
    /// Requests written whose responses have not all arrived.
    public private(set) var inFlight = 0
    /// When the current batch was written (monotonic ns): latency is measured from here.
    public private(set) var batchStart: UInt64 = 0
    /// When the current batch should have been written by the schedule (paced runs; equal to
    /// `batchStart` otherwise): the corrected latency is measured from here.
    public private(set) var intendedStart: UInt64 = 0
    let pipeline: Int
    /// Requests follow a schedule (`-R`): after a response the machine waits for its next slot
    /// instead of sending at once.
    let paced: Bool
    var parser: ResponseParser

    /// - Parameters:
    ///   - pipeline: requests written at once, and awaited before the next batch.
    ///   - isHeadRequest: the request is HEAD, so responses carry no body.
    ///   - paced: requests are sent when the schedule says (`sendScheduled`), one at a time.
    public init(pipeline: Int = 1, isHeadRequest: Bool = false, paced: Bool = false) {
        precondition(pipeline >= 1)
        precondition(!paced || pipeline == 1, "a paced connection sends one request per slot")
        self.pipeline = pipeline
        self.paced = paced
        self.parser = ResponseParser(isHeadRequest: isHeadRequest)
    }

    /// A new socket is being opened.
    public mutating func connecting() {
        if state != .stopped { state = .connecting }
    }

    /// The socket connected: send the first batch.
    public mutating func connected(now: UInt64) -> Action {
        guard state == .connecting else { return state == .stopped ? .close : .none }
        parser.reset()
        if paced { state = .idle; return .wait }
        return beginBatch(now: now)
    }

    /// Paced runs: the slot due at `intended` has come (`now` ≥ `intended`): send, and record
    /// how late the send is against the schedule.
    public mutating func sendScheduled(intended: UInt64, now: UInt64, recorder: inout Recorder) -> Action {
        guard state == .idle else { return state == .stopped ? .close : .none }
        recorder.recordScheduleLag(now &- min(intended, now))
        let action = beginBatch(now: now)
        intendedStart = intended
        return action
    }

    /// Connecting failed.
    public mutating func connectFailed(now: UInt64, recorder: inout Recorder) -> Action {
        guard state != .stopped else { return .close }
        recorder.recordError(.connect, now: now)
        state = .disconnected
        return .reconnectLater
    }

    /// The TLS handshake failed or timed out: counted as a `tls` error; reopen after a pause.
    public mutating func handshakeFailed(now: UInt64, recorder: inout Recorder) -> Action {
        guard state != .stopped else { return .close }
        recorder.recordError(.tls, now: now)
        state = .disconnected
        return .reconnectLater
    }

    /// Bytes arrived: parse every response they complete, record it, and decide what follows.
    @inline(__always)
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: UInt64, recorder: inout Recorder) -> Action {
        guard state == .awaiting else {
            if state == .idle && !bytes.isEmpty {
                // Nothing was asked: bytes now answer nothing we sent.
                recorder.recordError(.parse, now: now)
                return drop()
            }
            return state == .stopped ? .close : .none
        }
        var rest = bytes
        while !rest.isEmpty {
            switch parser.parse(rest) {
            case .needMore:
                return .none
            case .complete(let consumed):
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                if let action = completed(now: now, recorder: &recorder) {
                    if (action == .send || action == .wait) && !rest.isEmpty {
                        // More bytes after the last awaited response: answers to nothing we sent.
                        recorder.recordError(.parse, now: now)
                        return drop()
                    }
                    return action
                }
            case .error:
                recorder.recordError(.parse, now: now)
                return drop()
            }
        }
        return .none
    }

    /// The server closed the connection (EOF).
    public mutating func endOfStream(now: UInt64, recorder: inout Recorder) -> Action {
        guard state == .awaiting else {
            if state == .idle { return drop() }
            return state == .stopped ? .close : reconnectIfRunning()
        }
        switch parser.finish() {
        case .complete:
            // A close-delimited body ends here.
            _ = completed(now: now, recorder: &recorder)
            return drop()
        case .needMore where inFlight == 0:
            return drop()
        case .needMore, .error:
            // Requests were outstanding (or a response was cut short): wrk counts this as a read error.
            recorder.recordError(.read, now: now)
            return drop()
        }
    }

    /// Reading failed (e.g. connection reset).
    public mutating func readFailed(now: UInt64, recorder: inout Recorder) -> Action {
        guard state != .stopped else { return .close }
        recorder.recordError(.read, now: now)
        return drop()
    }

    /// Writing failed.
    public mutating func writeFailed(now: UInt64, recorder: inout Recorder) -> Action {
        guard state != .stopped else { return .close }
        recorder.recordError(.write, now: now)
        return drop()
    }

    /// A clock tick: requests older than `timeout` count as timeouts and the connection is reopened.
    public mutating func tick(now: UInt64, timeout: UInt64, recorder: inout Recorder) -> Action {
        switch state {
        case .awaiting where inFlight > 0 && now &- batchStart >= timeout:
            recorder.recordError(.timeout, count: UInt64(inFlight), now: now)
            return drop()
        default:
            return .none
        }
    }

    /// The batch goes out later than the `.send` that began it (a script's pause): its latency
    /// counts from now.
    public mutating func restartClock(now: UInt64) {
        batchStart = now
        intendedStart = now
    }

    /// The run is over: stop sending; the caller closes the socket.
    public mutating func stop() {
        state = .stopped
        inFlight = 0
    }

    // MARK: - Private

    @inline(__always)
    private mutating func beginBatch(now: UInt64) -> Action {
        state = .awaiting
        inFlight = pipeline
        batchStart = now
        intendedStart = now
        return .send
    }

    /// One response completed; returns the action it calls for, or nil to keep reading.
    @inline(__always)
    private mutating func completed(now: UInt64, recorder: inout Recorder) -> Action? {
        if paced {
            recorder.recordResponse(status: parser.status, latencyNanos: now &- intendedStart,
                                    uncorrectedNanos: now &- batchStart, now: now)
        } else {
            recorder.recordResponse(status: parser.status, latencyNanos: now &- batchStart, now: now)
        }
        inFlight -= 1
        if !parser.keepAlive {
            // The server will close: open a new connection (wrk does the same), no error.
            return drop()
        }
        if inFlight == 0 {
            if paced { state = .idle; return .wait }
            return beginBatch(now: now)
        }
        return nil
    }

    private mutating func drop() -> Action {
        inFlight = 0
        parser.reset()
        return reconnectIfRunning()
    }

    private mutating func reconnectIfRunning() -> Action {
        if state == .stopped { return .close }
        state = .disconnected
        return .reconnect
    }
}
