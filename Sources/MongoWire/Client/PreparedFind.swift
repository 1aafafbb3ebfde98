/// A `find` with `limit: 1, singleBatch: true` (a driver's `find_one`), encoded once as a
/// whole OP_MSG. Sending it copies the template and patches two places: the requestID and,
/// when the filter is `{key: <int32>}`, that value. Nothing is encoded per request.
public final class PreparedFind: Sendable {
    /// The OP_MSG bytes (requestID 0, parameter 0).
    let template: [UInt8]
    /// Offset of the int32 filter value in `template`, or nil for an empty filter.
    let parameterOffset: Int?
    public let namespace: String

    /// `find_one` in `database.collection` with filter `{}` (no `key`) or `{key: <int32>}`.
    public init(database: String, collection: String, int32Key key: String? = nil) {
        namespace = database + "." + collection
        let marker: Int32 = 0x5EED_F11D
        var filter = BSONDocument()
        if let key { filter.append(key, .int32(marker)) }
        let body: BSONDocument = [
            "find": .string(collection), "filter": .document(filter),
            "limit": .int64(1), "singleBatch": .bool(true), "$db": .string(database),
        ]
        let bytes = WireEncoder.request(requestID: 0, body: body)
        template = bytes
        if key != nil {
            let needle = withUnsafeBytes(of: marker.littleEndian) { Array($0) }
            parameterOffset = (0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == needle }
        } else {
            parameterOffset = nil
        }
    }

    var byteCount: Int { template.count }

    /// Writes the message for `requestID` and `parameter` to `out` (at least `byteCount` bytes).
    @inline(__always)
    func write(requestID: Int32, parameter: Int32, to out: UnsafeMutableRawPointer) {
        template.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        out.storeBytes(of: requestID.littleEndian, toByteOffset: 4, as: Int32.self)
        if let parameterOffset { out.storeBytes(of: parameter.littleEndian, toByteOffset: parameterOffset, as: Int32.self) }
    }
}

/// What a server reply to a command says, read without decoding it.
enum ReplyReader {
    /// The kind-0 body of an OP_MSG reply to `requestID` (checksum verified when present).
    static func body(_ message: UnsafeRawBufferPointer, requestID: Int32) throws(WireError) -> BSONView {
        guard message.count >= MessageHeader.size + 5 + 5 else { throw WireError("reply shorter than an OP_MSG") }
        let responseTo = WireDecoder.load(message, 8), opCode = WireDecoder.load(message, 12)
        guard responseTo == requestID else { throw WireError("reply to request \(responseTo), expected \(requestID)") }
        guard opCode == OpCode.msg.rawValue else { throw WireError("reply opCode \(opCode), expected OP_MSG") }
        let flags = UInt32(bitPattern: WireDecoder.load(message, MessageHeader.size))
        guard flags & 0xFFFF & ~OpMsgFlags.checksumPresent == 0 else { throw WireError("reply sets flag bits 0x\(String(flags, radix: 16))") }
        var end = message.count
        if flags & OpMsgFlags.checksumPresent != 0 {
            end -= 4
            let stated = UInt32(bitPattern: WireDecoder.load(message, end))
            guard stated == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: message[0..<end])) else { throw WireError("reply checksum mismatch") }
        }
        let start = MessageHeader.size + 4
        guard message[start] == 0 else { throw WireError("reply's first section is not a body") }
        guard start + 5 <= end else { throw WireError("reply body truncated") }
        let length = Int(WireDecoder.load(message, start + 1))
        guard length >= 5, start + 1 + length == end else { throw WireError("reply body length \(length) disagrees with the message") }
        return try BSONView(UnsafeRawBufferPointer(rebasing: message[(start + 1)..<end]))
    }

    /// Throws `.server` when the reply says `ok: 0` (with its errmsg), `.malformed` when it has no `ok`.
    static func checkOK(_ body: BSONView) throws(MongoClientError) {
        let ok: BSONView.Element?
        do { ok = try body.element("ok") } catch { throw .malformedReply(error.reason) }
        guard let ok, let value = ok.integer ?? (ok.type == 0x08 ? Int64(ok.value[0]) : nil) else {
            throw .malformedReply("reply has no numeric 'ok'")
        }
        if value == 1 { return }
        let message = (try? body.element("errmsg"))??.utf8.map { String(decoding: $0, as: UTF8.self) } ?? "command failed"
        let code = (try? body.element("code"))??.integer ?? 0
        throw .server(code: Int(code), message: message)
    }

    /// The first document of `cursor.firstBatch`, or nil when the batch is empty.
    static func firstDocument(_ body: BSONView) throws(MongoClientError) -> BSONView? {
        do {
            guard let cursor = try body.element("cursor")?.document,
                  let batch = try cursor.element("firstBatch"), batch.type == 0x04, let array = batch.document
            else { throw MongoClientError.malformedReply("reply has no cursor.firstBatch array") }
            guard let first = try array.first() else { return nil }
            guard let document = first.document, first.type == 0x03 else { throw MongoClientError.malformedReply("firstBatch holds a non-document") }
            return document
        } catch let error as WireError {
            throw .malformedReply(error.reason)
        } catch let error as MongoClientError {
            throw error
        } catch {
            throw .malformedReply("\(error)")
        }
    }
}
