import Clocks
import UVKit

/// One pooled connection of a `MongoLoopClient`: connect, `hello`, then one `find` at a time.
/// Requests are written from a buffer of its own (a copied template); replies are read in
/// place from the loop's read buffer when whole, else gathered in a buffer of its own.
final class MongoClientConnection {
    enum State { case connecting, handshaking, ready, closed }

    /// Wire versions this client speaks: OP_MSG (6, MongoDB 3.6) through MongoDB 8.x.
    static let wireVersions: ClosedRange<Int64> = 6...25

    unowned let client: MongoLoopClient
    let stream: TCPStream
    var state = State.connecting
    var inFlight: PendingFind?
    private var requestID: Int32 = 0
    /// When the attempt started (hrtime), for the connect deadline.
    private let openedAt: UInt64
    private var out: UnsafeMutableRawPointer
    private var outCapacity: Int
    private var input: UnsafeMutableRawPointer
    private var inputCapacity: Int
    private var inputCount = 0

    init(client: MongoLoopClient) throws(UVError) {
        self.client = client
        stream = try TCPStream(loop: client.loop)
        stream.unref()
        openedAt = MonotonicClock.nanoseconds()
        outCapacity = max(512, client.hello.count)
        out = .allocate(byteCount: outCapacity, alignment: 16)
        inputCapacity = 4096
        input = .allocate(byteCount: inputCapacity, alignment: 16)
    }

    deinit {
        out.deallocate()
        input.deallocate()
    }

    func connect() {
        stream.connect(to: client.address) { [unowned self] error in
            guard state == .connecting else { return }
            if let error { fail(connecting: "connect to \(client.address): \(error)"); return }
            stream.setNoDelay()
            stream.onRead = { [unowned self] bytes in received(bytes) }
            stream.onReadEnd = { [unowned self] error in lost(error.map { "\($0)" } ?? "closed by the server") }
            stream.startReading()
            state = .handshaking
            requestID = client.requestID()
            let hello = client.hello
            hello.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            out.storeBytes(of: requestID.littleEndian, toByteOffset: 4, as: Int32.self)
            write(count: hello.count)
        }
    }

    /// Sends `op` (the connection is ready and idle).
    func send(_ op: PendingFind) {
        inFlight = op
        client.counters.busy.add(1)
        requestID = client.requestID()
        let size = op.query.byteCount
        if size > outCapacity {
            out.deallocate()
            outCapacity = size
            out = .allocate(byteCount: size, alignment: 16)
        }
        op.query.write(requestID: requestID, parameter: op.parameter, to: out)
        write(count: size)
    }

    private func write(count: Int) {
        let bytes = UnsafeRawBufferPointer(start: out, count: count)
        switch stream.tryWrite(bytes) {
        case .success(let n) where n == count:
            return
        case .success(let n):
            // The socket took part: the rest goes queued (the buffer is ours until the reply).
            stream.write(UnsafeRawBufferPointer(rebasing: bytes[n...])) { [unowned self] error in
                if let error { lost("write: \(error)") }
            }
        case .failure(let error):
            lost("write: \(error)")
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        var chunk = bytes
        if inputCount == 0 {
            // The common case: whole replies in the read, handled in place.
            while chunk.count >= 4 {
                let length = Int(Int32(littleEndian: chunk.loadUnaligned(as: Int32.self)))
                guard length >= MessageHeader.size, length <= MessageFramer.maxMessageSize else {
                    malformed("message length \(length) out of range"); return
                }
                guard chunk.count >= length else { break }
                handle(UnsafeRawBufferPointer(rebasing: chunk[0..<length]))
                if state == .closed { return }
                chunk = UnsafeRawBufferPointer(rebasing: chunk[length...])
            }
            if !chunk.isEmpty { append(chunk) }
            return
        }
        append(chunk)
        var offset = 0
        while inputCount - offset >= 4 {
            let length = Int(Int32(littleEndian: input.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            guard length >= MessageHeader.size, length <= MessageFramer.maxMessageSize else {
                malformed("message length \(length) out of range"); return
            }
            guard inputCount - offset >= length else { break }
            handle(UnsafeRawBufferPointer(start: input + offset, count: length))
            if state == .closed { return }
            offset += length
        }
        if offset > 0 {
            (input).copyMemory(from: input + offset, byteCount: inputCount - offset)
            inputCount -= offset
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        if inputCount + bytes.count > inputCapacity {
            var capacity = inputCapacity
            while capacity < inputCount + bytes.count { capacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            grown.copyMemory(from: input, byteCount: inputCount)
            input.deallocate()
            input = grown
            inputCapacity = capacity
        }
        (input + inputCount).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        inputCount += bytes.count
    }

    /// One whole message from the server.
    private func handle(_ message: UnsafeRawBufferPointer) {
        switch state {
        case .handshaking: handshakeReply(message)
        case .ready: findReply(message)
        case .connecting, .closed: malformed("message before the handshake")
        }
    }

    private func handshakeReply(_ message: UnsafeRawBufferPointer) {
        do {
            let body = try ReplyReader.body(message, requestID: requestID)
            try ReplyReader.checkOK(body)
            let maxWire = try body.element("maxWireVersion")?.integer ?? 0
            let minWire = try body.element("minWireVersion")?.integer ?? 0
            guard maxWire >= Self.wireVersions.lowerBound, minWire <= Self.wireVersions.upperBound else {
                fail(connecting: "server wire versions \(minWire)...\(maxWire) do not overlap the client's \(Self.wireVersions)")
                return
            }
        } catch let error as WireError {
            client.counters.malformedReplies.add(1)
            fail(connecting: "hello: \(error)")
            return
        } catch {
            fail(connecting: "hello: \(error)")
            return
        }
        state = .ready
        client.connectionReady(self)
    }

    private func findReply(_ message: UnsafeRawBufferPointer) {
        guard let op = inFlight else { malformed("a reply with no request in flight"); return }
        let document: BSONView?
        do {
            let body: BSONView
            do { body = try ReplyReader.body(message, requestID: requestID) } catch { throw MongoClientError.malformedReply(error.reason) }
            try ReplyReader.checkOK(body)
            document = try ReplyReader.firstDocument(body)
        } catch let error as MongoClientError {
            if case .malformedReply(let reason) = error { malformed(reason); return }
            finish(op)
            op.handler.failed(error, tag: op.tag)
            return
        } catch {
            malformed("\(error)")
            return
        }
        // Free the connection first (the next waiter goes out now), then answer.
        finish(op)
        op.handler.found(document, tag: op.tag)
    }

    /// The operation is answered: the connection serves the next one.
    private func finish(_ op: PendingFind) {
        inFlight = nil
        client.counters.busy.add(-1)
        client.counters.operations.add(1)
        client.connectionAvailable(self)
    }

    /// A reply that cannot be read: this connection closes, its operation fails, counted.
    private func malformed(_ reason: String) {
        client.counters.malformedReplies.add(1)
        if state == .handshaking { fail(connecting: "hello: \(reason)"); return }
        close(failing: .malformedReply(reason))
    }

    /// The connection went away or failed to write.
    private func lost(_ reason: String) {
        if state == .connecting || state == .handshaking { fail(connecting: reason); return }
        if inFlight != nil { client.counters.connectionErrors.add(1) }
        close(failing: .unavailable)
    }

    /// An attempt to connect failed.
    private func fail(connecting reason: String) {
        guard state != .closed else { return }
        state = .closed
        stream.close()
        client.connectFailed(self, reason: reason)
    }

    /// Ends the connection; its operation (if any) fails with `error`.
    func close(failing error: MongoClientError) {
        guard state != .closed else { return }
        let wasOpening = state == .connecting || state == .handshaking
        state = .closed
        stream.close()
        if wasOpening { client.connecting -= 1 }
        client.forget(self)
        if let op = inFlight {
            inFlight = nil
            client.counters.busy.add(-1)
            client.counters.operations.add(1)
            op.handler.failed(error, tag: op.tag)
        }
    }

    /// Called by the client's sweep: an operation or an attempt past its deadline.
    func checkDeadline(now: UInt64) {
        switch state {
        case .connecting, .handshaking:
            if now &- openedAt >= client.options.timeoutNanos { fail(connecting: "no connection within the timeout") }
        case .ready:
            if let op = inFlight, op.deadline <= now {
                client.counters.timeouts.add(1)
                close(failing: .timeout)
            }
        case .closed:
            break
        }
    }
}
