import Clocks
import UVKit

/// Receives the outcome of one `MongoLoopClient.findOne`, on the client's loop thread.
public protocol MongoFindHandler: AnyObject {
    /// The document found (nil: none matched). The view is valid only during the call.
    func found(_ document: BSONView?, tag: Int)
    func failed(_ error: MongoClientError, tag: Int)
}

/// How a loop client behaves.
public struct MongoLoopClientOptions: Sendable {
    /// Most connections this loop opens (the pool's size); one operation in flight on each.
    public var maxConnections: Int
    /// An operation not answered within this (waiting for a connection included) fails with `.timeout`.
    public var timeoutNanos: UInt64
    /// Connections being opened at once (the drivers' `maxConnecting`).
    public var maxConnecting: Int
    /// First and longest wait before trying an unreachable database again.
    public var backoffNanos: ClosedRange<UInt64>
    /// `client.application.name` of the handshake.
    public var appName: String

    public init(maxConnections: Int = 100, timeoutNanos: UInt64 = 5_000_000_000, maxConnecting: Int = 2,
                backoffNanos: ClosedRange<UInt64> = 25_000_000...500_000_000, appName: String = "volley") {
        self.maxConnections = max(1, maxConnections); self.timeoutNanos = max(1_000_000, timeoutNanos)
        self.maxConnecting = max(1, maxConnecting); self.backoffNanos = backoffNanos; self.appName = appName
    }
}

/// A non-blocking MongoDB client for one libuv loop, as the official async drivers work: a
/// pool of connections (OP_MSG over TCP, `hello` handshake), one operation in flight per
/// connection, a FIFO wait queue when all are busy, a deadline per operation. A database that
/// cannot be reached makes operations fail at once (`.unavailable`) while one connection at a
/// time is tried again with growing backoff; the first that succeeds restores service.
/// Loop-thread only; nothing is shared with other loops, so nothing locks.
public final class MongoLoopClient {
    let loop: EventLoop
    let address: SocketAddress
    public let options: MongoLoopClientOptions
    public let counters = MongoClientCounters()
    /// The handshake message (requestID patched per connection).
    let hello: [UInt8]
    /// Every connection open or opening, and those ready with nothing in flight.
    var connections: [MongoClientConnection] = []
    var idle: [MongoClientConnection] = []
    var connecting = 0
    var waiting = FIFO<PendingFind>()
    private(set) public var isDown = false
    var backoff: UInt64
    private var nextRequestID: Int32 = 0
    private var sweeper: LoopTimer?
    private var sweeping = false
    private var retryTimer: LoopTimer?
    private var closed = false
    /// Why the last connection attempt failed (for messages; set on failures only).
    public private(set) var lastFailure: String?

    public init(loop: EventLoop, address: SocketAddress, options: MongoLoopClientOptions = MongoLoopClientOptions()) {
        self.loop = loop
        self.address = address
        self.options = options
        backoff = options.backoffNanos.lowerBound
        hello = WireEncoder.request(requestID: 0, body: [
            "hello": .int32(1), "helloOk": .bool(true),
            "client": .document([
                "driver": .document(["name": .string("volley-native"), "version": .string("1")]),
                "os": .document(["type": .string("Linux")]),
                "application": .document(["name": .string(options.appName)]),
            ]),
            "$db": .string("admin"),
        ])
    }

    /// Most requestIDs a loop issues before wrapping; 0 is never used.
    func requestID() -> Int32 {
        nextRequestID = nextRequestID == Int32.max ? 1 : nextRequestID &+ 1
        return nextRequestID
    }

    /// Runs `query` with `parameter`; `handler` hears the outcome on this loop, possibly before
    /// this returns (database known to be unreachable, client closed).
    public func findOne(_ query: PreparedFind, parameter: Int32 = 0, handler: MongoFindHandler, tag: Int = 0) {
        if closed || isDown {
            counters.failedFast.add(1)
            counters.operations.add(1)
            handler.failed(.unavailable, tag: tag)
            return
        }
        let op = PendingFind(query: query, parameter: parameter, handler: handler, tag: tag,
                             deadline: MonotonicClock.nanoseconds() &+ options.timeoutNanos)
        if let connection = idle.popLast() {
            connection.send(op)
            return
        }
        waiting.push(op)
        counters.waiting.set(waiting.count)
        openConnectionsForWaiters()
        startSweeping()
    }

    /// Opens connections for waiting operations, within the pool's size and `maxConnecting`.
    func openConnectionsForWaiters() {
        while connecting < options.maxConnecting, connections.count < options.maxConnections, connecting < waiting.count {
            openConnection()
        }
    }

    private func openConnection() {
        let connection: MongoClientConnection
        do { connection = try MongoClientConnection(client: self) } catch {
            connectFailed(nil, reason: "cannot create a socket: \(error)")
            return
        }
        connections.append(connection)
        connecting += 1
        counters.open.set(connections.count)
        connection.connect()
    }

    /// A connection finished its handshake.
    func connectionReady(_ connection: MongoClientConnection) {
        connecting -= 1
        counters.connects.add(1)
        if isDown {
            isDown = false
            counters.down.set(0)
        }
        backoff = options.backoffNanos.lowerBound
        connectionAvailable(connection)
        // Its slot among the connections opening is free: more waiters may need connections.
        openConnectionsForWaiters()
    }

    /// A connection has nothing in flight: it takes the next waiting operation or goes idle.
    func connectionAvailable(_ connection: MongoClientConnection) {
        if let op = waiting.pop() {
            counters.waiting.set(waiting.count)
            connection.send(op)
        } else {
            idle.append(connection)
        }
    }

    /// A connection could not be opened (refused, timed out, handshake failed). With no other
    /// connection left, the database counts as unreachable: waiting operations fail now, and
    /// one connection is tried again after the backoff.
    func connectFailed(_ connection: MongoClientConnection?, reason: String) {
        counters.connectFailures.add(1)
        lastFailure = reason
        if let connection {
            connecting -= 1
            forget(connection, reopen: false)
        }
        guard !closed else { return }
        // Others still opening will tell the same; only the last one decides (no retry storm).
        if connections.isEmpty { goDown() }
    }

    private func goDown() {
        if !isDown {
            isDown = true
            counters.down.set(1)
        }
        failWaiting(.unavailable)
        scheduleRetry()
    }

    private func scheduleRetry() {
        let timer = retryTimer ?? LoopTimer(loop: loop)
        if retryTimer == nil { timer.unref(); retryTimer = timer }
        let wait = backoff
        backoff = min(options.backoffNanos.upperBound, backoff &* 2)
        timer.start(timeoutMillis: max(1, wait / 1_000_000)) { [unowned self] in
            guard !closed, isDown, connecting == 0 else { return }
            openConnection()
        }
    }

    /// A connection closed (lost, malformed reply, timeout, client closing): drop it everywhere.
    func forget(_ connection: MongoClientConnection, reopen: Bool = true) {
        if let k = connections.firstIndex(where: { $0 === connection }) { connections.remove(at: k) }
        if let k = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: k) }
        counters.open.set(connections.count)
        // Waiters still need a connection; the next attempt tells whether the database is gone.
        if reopen && !closed && !isDown && !waiting.isEmpty { openConnectionsForWaiters() }
    }

    func failWaiting(_ error: MongoClientError) {
        while let op = waiting.pop() {
            counters.waiting.set(waiting.count)
            counters.operations.add(1)
            op.handler.failed(error, tag: op.tag)
        }
    }

    // MARK: deadlines

    private func startSweeping() {
        guard !sweeping, !closed else { return }
        sweeping = true
        let timer = sweeper ?? LoopTimer(loop: loop)
        if sweeper == nil { timer.unref(); sweeper = timer }
        let every = max(5, min(250, options.timeoutNanos / 10_000_000))
        timer.start(timeoutMillis: every, repeatMillis: every) { [unowned self] in sweep() }
    }

    /// Fails operations past their deadline: waiting ones (the queue is in deadline order) and
    /// in flight ones (their connection is closed: its reply would come for nobody). Connections
    /// still opening past the timeout count as failed attempts.
    private func sweep() {
        let now = MonotonicClock.nanoseconds()
        while let head = waiting.peek(), head.deadline <= now {
            _ = waiting.pop()
            counters.waiting.set(waiting.count)
            counters.timeouts.add(1)
            counters.operations.add(1)
            head.handler.failed(.timeout, tag: head.tag)
        }
        var k = connections.count - 1
        while k >= 0 {
            if k < connections.count { connections[k].checkDeadline(now: now) }
            k -= 1
        }
        let busy = connections.contains { $0.inFlight != nil || $0.state != .ready }
        if waiting.isEmpty && !busy {
            sweeping = false
            sweeper?.stop()
        }
    }

    /// Closes every connection and timer; operations still pending fail with `.unavailable`.
    public func close() {
        guard !closed else { return }
        closed = true
        failWaiting(.unavailable)
        for connection in connections { connection.close(failing: .unavailable) }
        connections.removeAll()
        idle.removeAll()
        sweeper?.close()
        retryTimer?.close()
    }
}

/// One operation on its way.
struct PendingFind {
    let query: PreparedFind
    let parameter: Int32
    let handler: MongoFindHandler
    let tag: Int
    /// `MonotonicClock.nanoseconds()` by which it must be answered.
    let deadline: UInt64
}

/// A first-in first-out queue over one array (no allocation once it has grown).
struct FIFO<Element> {
    private var items: [Element?] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func push(_ item: Element) { items.append(item) }

    func peek() -> Element? { head < items.count ? items[head] : nil }

    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }
}
