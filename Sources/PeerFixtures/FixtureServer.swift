import Clocks
import Synchronization
import UVKit

/// How a fixture server answers: well, slowly, wrongly, or not at all.
public enum FixtureBehaviour: Sendable, Equatable {
    /// `200 OK`, `Hello, World!`, keep-alive.
    case ok
    /// Every response has this status (e.g. 500).
    case status(Int)
    /// Answers with `Connection: close` and closes after each response.
    case closeAfterEachResponse
    /// Closes the connection without a word after this many responses on it.
    case dropAfter(responses: Int)
    /// Answers each request after this many milliseconds (a timer, not a sleep).
    case delay(milliseconds: UInt64)
    /// Answers with a chunked body of three chunks and a trailer.
    case chunked
    /// Accepts connections and never answers.
    case silent
    /// Answers each request exactly this many microseconds after it arrived (a precise timer).
    case preciseDelay(microseconds: UInt64)
    /// Answers after `delayMicros`, but once, `afterMillis` after the first request, freezes
    /// completely for `forMillis`: nothing is answered in that window; what falls due in it is
    /// answered when it ends.
    case freeze(delayMicros: UInt64, afterMillis: UInt64, forMillis: UInt64)
    /// Serves at most this many requests per second, in arrival order: beyond it requests
    /// queue and their latency grows with the excess (a server at its capacity).
    case capacity(perSecond: UInt64)
}

/// A small HTTP/1.1 server on 127.0.0.1 that behaves as told, for end-to-end tests of the
/// load generator and for demos. It runs its own loop on its own thread, answers GET
/// requests (each ends at an empty line; pipelining works), and stops when asked.
public final class FixtureServer: @unchecked Sendable {
    /// The port the server listens on (chosen by the kernel).
    public let port: UInt16
    private let loop: EventLoop
    private let thread: OSThread?
    private let stopWakeup: LoopWakeup
    private let counters: Counters

    final class Counters: @unchecked Sendable {
        let requests = Atomic<Int>(0)
        let connections = Atomic<Int>(0)
        /// Requests by the first byte after the path's `/`, written on the server's loop thread only.
        var byFirstPathByte = [Int](repeating: 0, count: 256)
    }

    /// Starts a server with `behaviour` on a free loopback port (or `port`). With `reusePort`,
    /// several servers (threads) can share one port, the kernel spreading connections over them.
    public init(behaviour: FixtureBehaviour, host: String = "127.0.0.1", port: UInt16 = 0, reusePort: Bool = false) throws {
        let loop = try EventLoop(readBufferSize: 64 * 1024)
        let address = try SocketAddress.resolve(host: host, port: port)
        let listener = try TCPListener(loop: loop, address: address, reusePort: reusePort)
        let counters = Counters()
        let responder = Responder(behaviour: behaviour, loop: loop, counters: counters)
        listener.onAccept { stream in responder.serve(stream) }
        self.port = listener.localPort
        self.loop = loop
        self.counters = counters
        self.stopWakeup = LoopWakeup(loop: loop) {
            loop.closeAllHandles()
        }
        let box = ThreadHandover((loop: loop, responder: responder))
        self.thread = OSThread(name: "fixture") {
            box.value.loop.run(); box.value.loop.closeAllHandles(); box.value.loop.drain()
            box.value.responder.forgetPendingAnswers()
        }
    }

    /// Requests answered (or, for `.silent`, received) so far.
    public var requestsServed: Int { counters.requests.load(ordering: .relaxed) }
    /// Connections accepted so far.
    public var connectionsAccepted: Int { counters.connections.load(ordering: .relaxed) }

    /// Requests received whose path starts with `/` then `byte` (e.g. `UInt8(ascii: "a")` for
    /// `/a…`; `UInt8(ascii: " ")` for `/` itself). Read it after `stop()`: it is kept by the
    /// server's thread without synchronization.
    public func requests(withPathStartingWith byte: UInt8) -> Int { counters.byFirstPathByte[Int(byte)] }

    /// Stops the server and waits for its thread.
    public func stop() {
        stopWakeup.send()
        thread?.join()
    }

    deinit { stop() }
}

/// Answers requests on every accepted stream according to the behaviour.
private final class Responder {
    let behaviour: FixtureBehaviour
    let loop: EventLoop
    let counters: FixtureServer.Counters
    let response: UnsafeMutableRawBufferPointer
    /// Timed behaviours: answers waiting for their time, in due order, from `head` on.
    private var queue: [(due: UInt64, connection: FixtureConnection)] = []
    private var head = 0
    private var timer: PreciseTimer?
    private var firstRequest: UInt64 = 0
    private var lastDue: UInt64 = 0

    init(behaviour: FixtureBehaviour, loop: EventLoop, counters: FixtureServer.Counters) {
        self.behaviour = behaviour
        self.loop = loop
        self.counters = counters

        let text: String
        switch behaviour {
        case .status(let code):
            text = "HTTP/1.1 \(code) Status\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nerror"
        case .closeAfterEachResponse:
            text = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, World!"
        case .chunked:
            text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n2\r\n, \r\n6;ext=1\r\nWorld!\r\n0\r\nX-Trailer: yes\r\n\r\n"
        default:
            text = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!"
        }
        let bytes = Array(text.utf8)
        response = .allocate(byteCount: bytes.count, alignment: 16)
        response.copyBytes(from: bytes)
        switch behaviour {
        case .preciseDelay, .freeze, .capacity:
            timer = try? PreciseTimer(loop: loop) { [unowned self] in self.answerDue() }
        default:
            break
        }
    }

    deinit { response.deallocate() }

    /// Timed behaviours: when a request that arrived `now` is answered.
    func schedule(_ connection: FixtureConnection) {
        let now = MonotonicClock.nanoseconds()
        if firstRequest == 0 { firstRequest = now }
        var due = now
        switch behaviour {
        case .preciseDelay(let micros):
            due = now + micros * 1000
        case .freeze(let delayMicros, let afterMillis, let forMillis):
            due = now + delayMicros * 1000
            let start = firstRequest + afterMillis * 1_000_000, end = start + forMillis * 1_000_000
            if due >= start && due < end { due = end }
        case .capacity(let perSecond):
            due = max(now, lastDue + 1_000_000_000 / max(perSecond, 1))
        default:
            break
        }
        lastDue = due
        queue.append((due, connection))
        if let timer, timer.armedAt == 0 || due < timer.armedAt { timer.arm(at: due) }
    }

    /// After the loop has stopped: drops answers still waiting, whose connections point back
    /// at this responder (a cycle that would keep the loop's memory alive).
    func forgetPendingAnswers() {
        queue.removeAll()
        head = 0
        timer = nil
    }

    private func answerDue() {
        let now = MonotonicClock.nanoseconds()
        while head < queue.count, queue[head].due <= now {
            let connection = queue[head].connection
            head += 1
            connection.write()
        }
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        if head < queue.count { timer?.arm(at: queue[head].due) }
    }

    func serve(_ stream: TCPStream) {
        counters.connections.add(1, ordering: .relaxed)
        stream.setNoDelay()
        let connection = FixtureConnection(stream: stream, responder: self)
        stream.onRead = { bytes in connection.received(bytes) }
        stream.onReadEnd = { _ in connection.close() }
        stream.startReading()
    }
}

/// One accepted connection of the fixture server.
private final class FixtureConnection {
    let stream: TCPStream
    let responder: Responder
    var answered = 0
    var heads = HeadCounter()
    /// Where in the current request line the bytes are: 0 method, 1 the path's `/`, 2 the
    /// byte after it (counted), 3 past it.
    var lineStage = 0
    var closed = false

    init(stream: TCPStream, responder: Responder) {
        self.stream = stream
        self.responder = responder
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        var requests = 0
        for byte in bytes {
            switch lineStage {
            case 0: if byte == 32 { lineStage = 1 }
            case 1: lineStage = byte == 47 ? 2 : 3
            case 2: responder.counters.byFirstPathByte[Int(byte)] += 1; lineStage = 3
            default: break
            }
            if heads.ends(at: byte) { requests += 1; lineStage = 0 }
        }
        for _ in 0..<requests { answer() }
    }

    func answer() {
        guard !closed else { return }
        responder.counters.requests.add(1, ordering: .relaxed)
        switch responder.behaviour {
        case .silent:
            return
        case .delay(let ms):
            let timer = LoopTimer(loop: responder.loop)
            timer.start(timeoutMillis: ms) { [self] in
                timer.close()
                write()
            }
        case .preciseDelay, .freeze, .capacity:
            responder.schedule(self)
        case .dropAfter(let limit):
            if answered >= limit { close(); return }
            write()
        case .closeAfterEachResponse:
            write()
            close()
        default:
            write()
        }
    }

    func write() {
        guard !closed else { return }
        answered += 1
        let bytes = UnsafeRawBufferPointer(responder.response)
        if stream.isWriting { close(); return }   // a stuck peer; the fixture does not queue
        stream.writeAll(bytes) { [self] error in if error != nil { close() } }
    }

    func close() {
        guard !closed else { return }
        closed = true
        stream.close()
    }
}
