import Clocks
import Synchronization
import UVKit

/// How `volley mongod` runs.
public struct MongodOptions: Sendable {
    /// Address to listen on (loopback only, checked by the CLI).
    public var host: String = "127.0.0.1"
    /// Port; 0 picks a free one.
    public var port: UInt16 = 27017
    /// Delay before each reply is written, to model a database across a network (ns;
    /// sub-millisecond values such as 500 µs are honoured).
    public var latencyNanos: UInt64 = 0
    /// Loads `test.greetings` and `hello_world.world` at start.
    public var seed: Bool = false

    /// The delay in whole milliseconds.
    public var latencyMillis: UInt64 {
        get { latencyNanos / 1_000_000 }
        set { latencyNanos = newValue &* 1_000_000 }
    }

    public init(host: String = "127.0.0.1", port: UInt16 = 27017, latencyMillis: UInt64 = 0, latencyNanos: UInt64? = nil, seed: Bool = false) {
        self.host = host
        self.port = port
        self.latencyNanos = latencyNanos ?? latencyMillis &* 1_000_000
        self.seed = seed
    }
}

/// A mongod-compatible server on its own thread and libuv loop, with an in-memory store.
/// It speaks OP_QUERY (the handshake) and OP_MSG, enough for libmongoc and pymongo.
public final class MongodServer: @unchecked Sendable {
    /// The port actually bound.
    public let port: UInt16
    private let thread: OSThread
    private let stopWakeup: LoopWakeup
    private let shared: Shared
    private let stopped = Atomic<Bool>(false)

    final class Shared: Sendable {
        let connections = Atomic<Int>(0)
    }

    /// Binds and starts serving; throws when the address cannot be bound.
    public init(options: MongodOptions) throws {
        let loop = try EventLoop(readBufferSize: 256 * 1024)
        let address = try SocketAddress.resolve(host: options.host, port: options.port)
        let listener = try TCPListener(loop: loop, address: address)
        let handler = CommandHandler()
        if options.seed { Seed.load(into: handler) }
        let shared = Shared()
        var nextConnectionID = 0
        let delay = options.latencyNanos > 0 ? try ReplyDelay(loop: loop, latencyNanos: options.latencyNanos) : nil
        listener.onAccept { stream in
            nextConnectionID += 1
            MongodConnection(stream: stream, loop: loop, handler: handler, id: nextConnectionID,
                             delay: delay, shared: shared).start()
        }
        self.port = listener.localPort
        self.shared = shared
        stopWakeup = LoopWakeup(loop: loop) { loop.closeAllHandles() }
        let box = ThreadHandover(loop)
        thread = OSThread(name: "mongod") {
            // Delayed replies are due at exact instants; the kernel's default 50 µs slack would blur 500 µs.
            if options.latencyNanos > 0 { setThreadTimerSlack(nanoseconds: 1_000) }
            box.value.run()
            box.value.closeAllHandles()
            box.value.drain()
        }
    }

    /// Connections open now.
    public var openConnections: Int { shared.connections.load(ordering: .relaxed) }

    /// Stops serving, closes every connection, and waits for the loop thread.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopWakeup.send()
        thread.join()
    }

    deinit { stop() }
}

/// The server's delayed replies: one nanosecond timer (timerfd) and one queue for the whole
/// loop, not a timer per reply or per connection. Every reply waits the same latency, so
/// replies fall due in the order they were queued: a FIFO is the heap, and one wake-up writes
/// every reply due by then.
final class ReplyDelay {
    let latencyNanos: UInt64
    private var timer: PreciseTimer!
    private var queue = FIFO<(due: UInt64, connection: MongodConnection, bytes: [UInt8])>()

    init(loop: EventLoop, latencyNanos: UInt64) throws(UVError) {
        self.latencyNanos = latencyNanos
        timer = try PreciseTimer(loop: loop) { [unowned self] in releaseDue() }
    }

    func enqueue(_ bytes: [UInt8], for connection: MongodConnection) {
        let due = MonotonicClock.nanoseconds() &+ latencyNanos
        queue.push((due: due, connection: connection, bytes: bytes))
        if queue.count == 1 { timer.arm(at: due) }
    }

    private func releaseDue() {
        let now = MonotonicClock.nanoseconds()
        while let head = queue.peek(), head.due <= now {
            _ = queue.pop()
            head.connection.send(head.bytes)
        }
        if let head = queue.peek() { timer.arm(at: head.due) }
    }
}

/// One client connection: frames messages, runs commands, writes replies in order
/// (after the server's latency when set, through the loop's one `ReplyDelay`, never a sleep).
final class MongodConnection {
    let stream: TCPStream
    let loop: EventLoop
    let handler: CommandHandler
    let id: Int
    let delay: ReplyDelay?
    let shared: MongodServer.Shared
    var framer = MessageFramer()
    var closed = false
    /// Replies written but not yet accepted by the socket, in order.
    var outbox: [[UInt8]] = []
    /// The bytes of the write in flight, if any.
    var writing: UnsafeMutableRawBufferPointer?
    var nextRequestID: Int32 = 1

    init(stream: TCPStream, loop: EventLoop, handler: CommandHandler, id: Int, delay: ReplyDelay?, shared: MongodServer.Shared) {
        self.stream = stream
        self.loop = loop
        self.handler = handler
        self.id = id
        self.delay = delay
        self.shared = shared
    }

    func start() {
        handler.currentConnections += 1
        handler.totalConnections += 1
        shared.connections.add(1, ordering: .relaxed)
        stream.setNoDelay()
        stream.onRead = { [self] bytes in received(bytes) }
        stream.onReadEnd = { [self] _ in close() }
        stream.startReading()
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        do {
            try framer.feed(bytes) { (message) throws(WireError) in
                guard !closed else { return }
                let request = try WireDecoder.decode(message)
                answer(request)
            }
        } catch {
            // Malformed input: this connection only is closed; the server goes on.
            close()
        }
    }

    func answer(_ request: WireRequest) {
        let body = handler.execute(request, connectionID: id)
        if request.moreToCome { return }
        let requestID = nextRequestID
        nextRequestID &+= 1
        let bytes: [UInt8]
        switch request.kind {
        case .query: bytes = WireEncoder.reply(requestID: requestID, responseTo: request.header.requestID, document: body)
        case .msg: bytes = WireEncoder.msg(requestID: requestID, responseTo: request.header.requestID, body: body)
        }
        if let delay { delay.enqueue(bytes, for: self) } else { send(bytes) }
    }

    func send(_ bytes: [UInt8]) {
        guard !closed else { return }
        if !stream.isWriting && outbox.isEmpty {
            let result = bytes.withUnsafeBytes { stream.tryWrite($0) }
            switch result {
            case .success(let n) where n == bytes.count: return
            case .success(let n): outbox.append(Array(bytes[n...]))
            case .failure: close(); return
            }
        } else {
            outbox.append(bytes)
        }
        flush()
    }

    /// Writes the head of the outbox; the next write starts from the completion. The bytes
    /// are owned here (not by the callback), so a close mid-write frees them too.
    func flush() {
        guard !closed, !stream.isWriting, let head = outbox.first else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: head.count, alignment: 1)
        buffer.copyBytes(from: head)
        writing = buffer
        stream.write(UnsafeRawBufferPointer(buffer)) { [self] error in
            releaseWriteBuffer()
            guard error == nil else { close(); return }
            if !outbox.isEmpty { outbox.removeFirst() }
            flush()
        }
    }

    func releaseWriteBuffer() {
        writing?.deallocate()
        writing = nil
    }

    func close() {
        guard !closed else { return }
        closed = true
        handler.currentConnections -= 1
        shared.connections.subtract(1, ordering: .relaxed)
        stream.close()
        // libuv cancels a pending write without reading its bytes again; its callback is dropped on close.
        releaseWriteBuffer()
    }
}
