import Synchronization
import TLS
import UVKit

/// Ways a server can break HTTP on purpose, to check that a generator counts the right
/// error, ends on time and keeps its memory bounded.
public enum Misbehaviour: String, Sendable, CaseIterable {
    /// Sends half a response, then resets the connection (RST).
    case resetMidResponse = "reset"
    /// Answers with a status line that is not HTTP.
    case garbageStatusLine = "garbage"
    /// Announces a 100-byte body, sends 10 bytes, closes.
    case truncatedBody = "truncated"
    /// A chunked body that never ends: a chunk every millisecond.
    case endlessChunked = "endless"
    /// A 100 MB body (Content-Length), sent as fast as the client reads.
    case hugeBody = "huge"
    /// A valid response, one byte every 100 ms.
    case trickle = "trickle"
    /// Accepts, reads the request, never answers.
    case neverAnswer = "silent"
    /// Closes each connection right after accepting it.
    case closeOnAccept = "close-on-accept"
}

/// A loopback server where only some connections misbehave: connection k (in accept
/// order, from 0) misbehaves when k % `every` == 0; the others answer `200 OK` with
/// keep-alive, so a test can see that healthy connections keep working beside bad ones.
/// Own loop, own thread; stops when asked.
public final class HostileServer: @unchecked Sendable {
    public let port: UInt16
    private let loop: EventLoop
    private let thread: OSThread?
    private let stopWakeup: LoopWakeup
    private let state: HostileState

    /// Starts on a free loopback port; `every` = 1 makes every connection misbehave. With
    /// `tls`, every connection speaks TLS first and misbehaves inside the session.
    public init(_ misbehaviour: Misbehaviour, every: Int = 1, tls: TLSServerConfiguration? = nil) throws {
        precondition(every >= 1)
        let loop = try EventLoop(readBufferSize: 64 * 1024)
        let listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
        let context = try tls.map { configuration throws -> TLSContext in try TLSContext(server: configuration) }
        let state = HostileState(misbehaviour: misbehaviour, every: every, loop: loop, tls: context)
        listener.onAccept { stream in state.accept(stream) }
        self.port = listener.localPort
        self.loop = loop
        self.state = state
        self.stopWakeup = LoopWakeup(loop: loop) { loop.closeAllHandles() }
        let box = ThreadHandover(loop)
        self.thread = OSThread(name: "hostile") { box.value.run(); box.value.closeAllHandles(); box.value.drain() }
    }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { state.accepted.load(ordering: .relaxed) }
    /// Bytes of body (or trickle) written to misbehaving connections so far.
    public var hostileBytesWritten: Int { state.hostileBytes.load(ordering: .relaxed) }

    /// Stops the server and waits for its thread.
    public func stop() {
        stopWakeup.send()
        thread?.join()
    }

    deinit { stop() }
}

/// Static byte strings, allocated once and kept for the life of the process (writes may
/// still be queued in libuv when a server stops).
private enum Payload {
    nonisolated(unsafe) static let ok = bytes("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!")
    nonisolated(unsafe) static let halfResponse = bytes("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Ty")
    nonisolated(unsafe) static let garbage = bytes("HTCPCP/1.0 418 I'm a teapot\r\n\r\n")
    nonisolated(unsafe) static let truncated = bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    nonisolated(unsafe) static let chunkedHead = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    nonisolated(unsafe) static let chunk = bytes("400\r\n" + String(repeating: "c", count: 1024) + "\r\n")
    nonisolated(unsafe) static let hugeHead = bytes("HTTP/1.1 200 OK\r\nContent-Length: \(hugeBodyBytes)\r\n\r\n")
    nonisolated(unsafe) static let block: UnsafeRawBufferPointer = {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
        return UnsafeRawBufferPointer(memory)
    }()
    static let hugeBodyBytes = 100_000_000

    static func bytes(_ text: String) -> UnsafeRawBufferPointer {
        let array = Array(text.utf8)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: array.count, alignment: 1)
        memory.copyBytes(from: array)
        return UnsafeRawBufferPointer(memory)
    }
}

private final class HostileState: @unchecked Sendable {
    let misbehaviour: Misbehaviour
    let every: Int
    let loop: EventLoop
    let accepted = Atomic<Int>(0)
    let hostileBytes = Atomic<Int>(0)
    let tls: TLSContext?

    init(misbehaviour: Misbehaviour, every: Int, loop: EventLoop, tls: TLSContext?) {
        self.misbehaviour = misbehaviour
        self.every = every
        self.loop = loop
        self.tls = tls
    }

    func accept(_ tcp: TCPStream) {
        let stream: any FixtureStream
        if let tls {
            guard let session = try? TLSStream(tcp: tcp, context: tls) else { tcp.close(); return }
            stream = session
        } else {
            stream = tcp
        }
        let index = accepted.add(1, ordering: .relaxed).oldValue
        if index % every != 0 {
            HealthyConnection(stream: stream).start()
        } else if misbehaviour == .closeOnAccept {
            stream.closeNow()
        } else {
            HostileConnection(stream: stream, state: self).start()
        }
    }
}

private final class HealthyConnection {
    let stream: any FixtureStream
    var counter = HeadCounter()
    init(stream: any FixtureStream) { self.stream = stream }

    func start() {
        stream.onRead = { [self] bytes in
            for _ in 0..<counter.count(bytes) {
                if stream.isWriting { stream.closeNow(); return }
                stream.writeAll(Payload.ok) { [stream] error in if error != nil { stream.closeNow() } }
            }
        }
        stream.onReadEnd = { [stream] _ in stream.closeNow() }
        stream.beginReading()
    }
}

private final class HostileConnection {
    let stream: any FixtureStream
    let state: HostileState
    var counter = HeadCounter()
    var timer: LoopTimer?
    var closed = false
    /// Progress through a long answer: bytes of the body (or response) sent so far.
    var sent = 0
    var answering = false

    init(stream: any FixtureStream, state: HostileState) {
        self.stream = stream
        self.state = state
    }

    func start() {
        stream.onRead = { [self] bytes in
            if counter.count(bytes) > 0 && !answering { answer() }
        }
        stream.onReadEnd = { [self] _ in close() }
        stream.beginReading()
    }

    func close() {
        guard !closed else { return }
        closed = true
        timer?.close()
        timer = nil
        stream.closeNow()
    }

    private func answer() {
        answering = true
        switch state.misbehaviour {
        case .resetMidResponse:
            _ = stream.tryWrite(Payload.halfResponse)
            closed = true
            stream.closeWithReset()
        case .garbageStatusLine:
            stream.writeAll(Payload.garbage) { [self] _ in answering = false }
        case .truncatedBody:
            stream.writeAll(Payload.truncated) { [self] _ in close() }
        case .endlessChunked:
            stream.writeAll(Payload.chunkedHead) { _ in }
            every(milliseconds: 1) { [self] in
                if !stream.isWriting { send(Payload.chunk) }
            }
        case .hugeBody:
            stream.writeAll(Payload.hugeHead) { [self] error in if error == nil { pumpHugeBody() } else { close() } }
        case .trickle:
            every(milliseconds: 100) { [self] in
                guard sent < Payload.ok.count else {
                    // One whole response went out; wait for the next request.
                    timer?.close(); timer = nil; sent = 0; answering = false
                    return
                }
                if !stream.isWriting { send(UnsafeRawBufferPointer(rebasing: Payload.ok[sent..<sent + 1])); sent += 1 }
            }
        case .neverAnswer, .closeOnAccept:
            return
        }
    }

    private func every(milliseconds: UInt64, _ body: @escaping () -> Void) {
        let timer = LoopTimer(loop: state.loop)
        self.timer = timer
        timer.start(timeoutMillis: milliseconds, repeatMillis: milliseconds, body)
    }

    private func send(_ bytes: UnsafeRawBufferPointer) {
        state.hostileBytes.add(bytes.count, ordering: .relaxed)
        stream.writeAll(bytes) { [self] error in if error != nil { close() } }
    }

    /// Writes the 100 MB body as fast as the socket takes it: immediate writes while they
    /// go through, one queued write (whose completion resumes the pump) when the socket is full.
    private func pumpHugeBody() {
        while !closed && sent < Payload.hugeBodyBytes {
            let chunk = UnsafeRawBufferPointer(rebasing: Payload.block[0..<min(Payload.block.count, Payload.hugeBodyBytes - sent)])
            switch stream.tryWrite(chunk) {
            case .success(let n) where n == chunk.count:
                sent += n
                state.hostileBytes.add(n, ordering: .relaxed)
            case .success(let n):
                sent += chunk.count
                state.hostileBytes.add(chunk.count, ordering: .relaxed)
                stream.write(UnsafeRawBufferPointer(rebasing: chunk[n...])) { [self] error in
                    if error != nil { close() } else { pumpHugeBody() }
                }
                return
            case .failure:
                close()
                return
            }
        }
        // The whole body went out: ready for the next request on this connection.
        sent = 0
        answering = false
    }
}

/// What the fixture's connections need of a stream, plain TCP or TLS over it.
protocol FixtureStream: AnyObject {
    var onRead: ((UnsafeRawBufferPointer) -> Void)? { get set }
    var onReadEnd: ((UVError?) -> Void)? { get set }
    var isWriting: Bool { get }
    func tryWrite(_ bytes: UnsafeRawBufferPointer) -> Result<Int, UVError>
    func write(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void)
    func writeAll(_ bytes: UnsafeRawBufferPointer, _ completion: @escaping (UVError?) -> Void)
    func closeWithReset()
    func beginReading()
    func closeNow()
}

extension TCPStream: FixtureStream {
    func beginReading() { _ = startReading() }
    func closeNow() { close() }
}

extension TLSStream: FixtureStream {
    func beginReading() { start() }
    func closeNow() { close() }
}
