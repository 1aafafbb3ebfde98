import HTTP1

/// One request, read whole (head and body), ready to be answered.
public struct ServerRequest: Sendable, Equatable {
    public var route: Route
    public var method: RequestMethod
    public var version: HTTPVersion
    /// Whether the client lets the connection serve another request after this one.
    public var keepAlive: Bool
    public var parameters: RouteParameters
    /// Body bytes received (after chunked decoding).
    public var bodyBytes: Int
    /// CRC-32 of the body.
    public var bodyCRC32: UInt32

    public init(route: Route, method: RequestMethod = .get, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
                parameters: RouteParameters = RouteParameters(), bodyBytes: Int = 0, bodyCRC32: UInt32 = 0) {
        self.route = route; self.method = method; self.version = version; self.keepAlive = keepAlive
        self.parameters = parameters; self.bodyBytes = bodyBytes; self.bodyCRC32 = bodyCRC32
    }

    /// Whether the response carries no body (HEAD).
    public var isHead: Bool { method == .head }
}

/// What the connection's owner does next.
public enum ServerAction: Sendable, Equatable {
    /// Nothing to do until more bytes arrive.
    case needMore
    /// Write `HTTP/1.1 100 Continue` and call `next()` again (the client waits for it).
    case sendContinue
    /// Answer this request; then call `responseSent(keepAlive:)` and `next()` again. Pipelined
    /// requests wait in the buffer, so answers go out in order.
    case request(ServerRequest)
    /// Answer with `status` and `Connection: close`, then close: the framing is not trusted.
    case reject(status: Int, reason: String)
    /// Close without a word (the peer ended, or the last response said close).
    case close
}

/// Where a connection is, for the timeouts: idle (keep-alive timeout), in a head
/// (header timeout), in a body, answering (no timeout), or finished.
public enum ConnectionPhase: Sendable, Equatable {
    case idle, readingHead, readingBody, responding, closed
}

/// The HTTP/1.1 server side of one connection as a pure state machine, shared by the sync
/// and async servers: bytes and EOF go in, actions come out; no sockets, no clocks. Bodies
/// are consumed as they arrive (counted and checksummed, never stored), so the buffer holds
/// at most one head plus whatever the client pipelined behind it.
public struct ServerConnectionMachine {
    enum State: Equatable { case head, body(remaining: Int), chunked, responding, closed }

    /// Larger bodies are refused with 413.
    public let maxBodyBytes: Int
    var heads: RequestHeadParser
    var chunked: ChunkedBodyDecoder
    var state: State = .head
    var pending = ServerRequest(route: .notFound)
    var sawEOF = false
    let input: InputBuffer
    /// When set, `lastTarget` keeps each request's target as text (for the access log only).
    public var recordTargets = false
    /// The target of the last request (only with `recordTargets`).
    public private(set) var lastTarget = ""

    /// A machine at the start of a connection, with the head limits (414/431) and the body limit (413).
    public init(limits: RequestLimits = RequestLimits(), maxBodyBytes: Int = 1 << 20, bufferCapacity: Int = 4096) {
        self.maxBodyBytes = maxBodyBytes
        heads = RequestHeadParser(limits: limits)
        chunked = ChunkedBodyDecoder(maxBodyBytes: maxBodyBytes)
        input = InputBuffer(capacity: bufferCapacity)
    }

    /// Starts over for a new connection, keeping the buffer's memory.
    public mutating func reset() {
        heads.reset()
        state = .head
        sawEOF = false
        input.removeAll()
    }

    /// Bytes received and not yet consumed.
    public var bufferedBytes: Int { input.count }

    /// Where the connection is, for the timeouts.
    public var phase: ConnectionPhase {
        switch state {
        case .head: input.isEmpty ? .idle : .readingHead
        case .body, .chunked: .readingBody
        case .responding: .responding
        case .closed: .closed
        }
    }

    /// Adds received bytes (copied).
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) { input.append(bytes) }

    /// Space to read into directly (the sync server's `read`); then `didReceive(n)`.
    public mutating func receiveSpace(minimum: Int = 16 * 1024) -> UnsafeMutableRawBufferPointer { input.reserve(minimum) }
    public mutating func didReceive(_ count: Int) { input.didWrite(count) }

    /// Whether the peer has closed its side.
    public var peerClosed: Bool { sawEOF }

    /// The peer closed its side: what is buffered is still served, a partial message is dropped.
    public mutating func receiveEOF() { sawEOF = true }

    /// The response to the last `.request` is written; `keepAlive` says whether it promised more.
    public mutating func responseSent(keepAlive: Bool) {
        guard state == .responding else { return }
        state = keepAlive ? .head : .closed
    }

    /// Refuses to go on (shutdown, a timeout): the next `next()` says `.close`.
    public mutating func markClosed() { state = .closed }

    /// The next thing to do; call until `.needMore`, `.close` or `.reject`.
    public mutating func next() -> ServerAction {
        while true {
            switch state {
            case .closed:
                return .close
            case .responding:
                return .needMore
            case .head:
                if input.isEmpty { return sawEOF ? closing() : .needMore }
                let bytes = input.unread
                switch heads.parse(bytes) {
                case .incomplete:
                    return sawEOF ? closing() : .needMore
                case .reject(let status, let reason):
                    state = .closed
                    return .reject(status: status, reason: reason.description)
                case .complete(let head, let headerBytes):
                    let route = Route.classify(bytes, head.path)
                    pending = ServerRequest(route: route, method: head.method, version: head.version,
                                            keepAlive: head.keepAlive,
                                            parameters: RouteParameters.read(route, head, bytes))
                    if recordTargets { lastTarget = String(decoding: bytes[head.target], as: UTF8.self) }
                    input.consume(headerBytes)
                    switch head.body {
                    case .none:
                        state = .responding
                        return .request(pending)
                    case .contentLength(let length):
                        if length > maxBodyBytes { return tooLarge() }
                        state = .body(remaining: length)
                    case .chunked:
                        chunked = ChunkedBodyDecoder(maxBodyBytes: maxBodyBytes)
                        state = .chunked
                    }
                    if head.expectContinue { return .sendContinue }
                }
            case .body(let remaining):
                let take = min(remaining, input.count)
                if take > 0 {
                    let bytes = input.unread
                    pending.bodyCRC32 = crc32Update(pending.bodyCRC32, UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
                    pending.bodyBytes &+= take
                    input.consume(take)
                }
                if take == remaining {
                    state = .responding
                    return .request(pending)
                }
                state = .body(remaining: remaining &- take)
                return sawEOF ? closing() : .needMore
            case .chunked:
                let bytes = input.unread
                switch chunked.decode(bytes) {
                case .data(let range):
                    pending.bodyCRC32 = crc32Update(pending.bodyCRC32, UnsafeRawBufferPointer(rebasing: bytes[range]))
                    pending.bodyBytes &+= range.count
                    input.consume(range.upperBound)
                case .needMore:
                    input.consume(bytes.count)
                    return sawEOF ? closing() : .needMore
                case .done(let consumed):
                    input.consume(consumed)
                    state = .responding
                    return .request(pending)
                case .error(.bodyTooLarge):
                    return tooLarge()
                case .error(let error):
                    state = .closed
                    return .reject(status: 400, reason: "invalid chunked body: \(error)")
                }
            }
        }
    }

    mutating func closing() -> ServerAction {
        state = .closed
        return .close
    }

    mutating func tooLarge() -> ServerAction {
        state = .closed
        return .reject(status: 413, reason: "request body larger than \(maxBodyBytes) bytes")
    }
}
