import MongoWire
import UVKit

/// A mongod stand-in on the test's own loop: it answers `hello` properly, and every `find`
/// with `{_id: N, randomNumber: 99}` passed through `reply`, which may spoil or cut it.
final class HostileMongod {
    enum Action {
        case send([UInt8])
        /// Sends these bytes, then closes the connection.
        case truncateAndClose([UInt8])
    }

    let listener: TCPListener
    let port: UInt16
    private var streams: [TCPStream] = []
    private var finds = 0
    private var timers: [LoopTimer] = []

    /// `reply(findNumber, goodReplyBytes)` decides what the n-th find (from 1) gets.
    init(loop: EventLoop, maxWireVersion: Int32 = 17, latencyMillis: UInt64 = 0,
         onCommand: @escaping (BSONDocument) -> Void = { _ in },
         reply: @escaping (Int, [UInt8]) -> Action) throws {
        listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
        port = listener.localPort
        listener.onAccept { [unowned self] stream in
            streams.append(stream)
            var framer = MessageFramer()
            stream.onRead = { [unowned self] bytes in
                try? framer.feed(bytes) { message throws(WireError) in
                    let request = try WireDecoder.decode(message)
                    onCommand(request.command)
                    let id = request.header.requestID
                    if request.command.keys.first == "hello" {
                        let body: BSONDocument = ["helloOk": .bool(true), "isWritablePrimary": .bool(true),
                                                  "minWireVersion": .int32(0), "maxWireVersion": .int32(maxWireVersion), "ok": .double(1)]
                        let bytes = WireEncoder.msg(requestID: 1, responseTo: id, body: body)
                        bytes.withUnsafeBytes { _ = stream.tryWrite($0) }
                        return
                    }
                    finds += 1
                    let wanted = request.command["filter"]?.documentValue?["_id"] ?? .int32(0)
                    let document: BSONDocument = ["_id": wanted, "randomNumber": .int32(99)]
                    let body: BSONDocument = ["cursor": .document(["firstBatch": .array([.document(document)]), "id": .int64(0),
                                                                   "ns": .string("hello_world.world")]), "ok": .double(1)]
                    let action = reply(finds, WireEncoder.msg(requestID: 2, responseTo: id, body: body))
                    let deliver = {
                        switch action {
                        case .send(let bytes): bytes.withUnsafeBytes { _ = stream.tryWrite($0) }
                        case .truncateAndClose(let bytes): bytes.withUnsafeBytes { _ = stream.tryWrite($0) }; stream.close()
                        }
                    }
                    if latencyMillis == 0 { deliver(); return }
                    let timer = LoopTimer(loop: loop)
                    self.timers.append(timer)
                    timer.start(timeoutMillis: latencyMillis) { deliver(); timer.close() }
                }
            }
            stream.onReadEnd = { _ in stream.close() }
            stream.startReading()
        }
    }

    func close() {
        listener.close()
        for stream in streams { stream.close() }
        for timer in timers { timer.close() }
    }
}
