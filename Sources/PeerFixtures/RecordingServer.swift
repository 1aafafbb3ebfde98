import Synchronization
import UVKit

/// One request as a `RecordingServer` received it.
public struct RecordedRequest: Sendable, Equatable {
    public var method: String
    public var target: String
    /// Header fields in the order received, values trimmed.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The value of the first header called `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func == (a: RecordedRequest, b: RecordedRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.body == b.body
            && a.headers.map { "\($0.name): \($0.value)" } == b.headers.map { "\($0.name): \($0.value)" }
    }
}

/// A loopback HTTP/1.1 server that records every request it gets (method, target, headers,
/// Content-Length body) and answers each with `200 OK`, an `X-Token` header and the body `ok`,
/// keep-alive, pipelining included. Tests point two generators at it in turn and compare what
/// each sent. It keeps at most `limit` requests (it counts the rest).
public final class RecordingServer: @unchecked Sendable {
    public let port: UInt16
    /// The token every response carries in `X-Token`.
    public static let token = "volley-token-42"
    private let loop: EventLoop
    private let thread: OSThread?
    private let stopWakeup: LoopWakeup
    private let store: Store

    final class Store: Sendable {
        let requests = Mutex<[RecordedRequest]>([])
        let total = Atomic<Int>(0)
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    public init(limit: Int = 1_000_000) throws {
        let loop = try EventLoop(readBufferSize: 64 * 1024)
        let listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
        let store = Store(limit: limit)
        listener.onAccept { stream in RecordingConnection(stream: stream, store: store).start() }
        self.port = listener.localPort
        self.loop = loop
        self.store = store
        self.stopWakeup = LoopWakeup(loop: loop) { loop.closeAllHandles() }
        let box = ThreadHandover(loop)
        self.thread = OSThread(name: "recording") { box.value.run(); box.value.closeAllHandles(); box.value.drain() }
    }

    /// The requests kept so far, in arrival order.
    public var requests: [RecordedRequest] { store.requests.withLock { $0 } }
    /// Every request received, kept or not.
    public var requestCount: Int { store.total.load(ordering: .relaxed) }

    /// Forgets the requests recorded so far (between two generators' runs).
    public func clear() {
        store.requests.withLock { $0.removeAll() }
        store.total.store(0, ordering: .relaxed)
    }

    public func stop() {
        stopWakeup.send()
        thread?.join()
    }

    deinit { stop() }
}

/// One accepted connection: splits requests, records them, answers in order.
private final class RecordingConnection {
    static let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nX-Token: \(RecordingServer.token)\r\n\r\nok".utf8)
    let stream: TCPStream
    let store: RecordingServer.Store
    var input: [UInt8] = []
    var output: [UInt8] = []
    var writing: UnsafeMutableRawBufferPointer?
    var closed = false

    init(stream: TCPStream, store: RecordingServer.Store) {
        self.stream = stream
        self.store = store
    }

    func start() {
        stream.setNoDelay()
        stream.onRead = { [self] bytes in received(bytes) }
        stream.onReadEnd = { [self] _ in close() }
        _ = stream.startReading()
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        input.append(contentsOf: bytes)
        var start = 0
        while let request = nextRequest(from: &start) {
            store.total.add(1, ordering: .relaxed)
            store.requests.withLock { if $0.count < store.limit { $0.append(request) } }
            output.append(contentsOf: Self.answer)
        }
        input.removeFirst(start)
        flush()
    }

    /// Parses one complete request at `start`, moving `start` past it; nil if incomplete.
    func nextRequest(from start: inout Int) -> RecordedRequest? {
        guard let headEnd = find([13, 10, 13, 10], from: start) else { return nil }
        let head = String(decoding: input[start..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        var headers: [(name: String, value: String)] = []
        var length = 0
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingSpaces
            headers.append((name, value))
            if name.lowercased() == "content-length" { length = Int(value) ?? 0 }
        }
        let bodyStart = headEnd + 4
        guard input.count >= bodyStart + length else { return nil }
        start = bodyStart + length
        return RecordedRequest(method: requestLine.first ?? "", target: requestLine.count > 1 ? requestLine[1] : "",
                               headers: headers, body: Array(input[bodyStart..<(bodyStart + length)]))
    }

    func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard input.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= input.count {
            if input[i] == needle[0] && input[i + 1] == needle[1] && input[i + 2] == needle[2] && input[i + 3] == needle[3] { return i }
            i += 1
        }
        return nil
    }

    func flush() {
        guard !closed, writing == nil, !output.isEmpty else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: output.count, alignment: 1)
        buffer.copyBytes(from: output)
        output.removeAll(keepingCapacity: true)
        writing = buffer
        stream.writeAll(UnsafeRawBufferPointer(buffer)) { [self] error in
            buffer.deallocate()
            writing = nil
            if error != nil { close() } else { flush() }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        stream.close()
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
