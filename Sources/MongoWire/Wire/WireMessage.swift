/// The opcodes `volley mongod` understands (others are malformed input).
public enum OpCode: Int32, Sendable {
    case reply = 1
    case query = 2004
    case compressed = 2012
    case msg = 2013
}

/// Why a message cannot be served; the connection that sent it is closed.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "malformed message: \(reason)" }
}

/// The standard 16-byte header every wire message starts with.
public struct MessageHeader: Sendable, Equatable {
    public var messageLength: Int32
    public var requestID: Int32
    public var responseTo: Int32
    public var opCode: Int32

    static let size = 16
}

/// A request decoded from one message.
public struct WireRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Legacy OP_QUERY, used by drivers only for the first handshake on `admin.$cmd`.
        case query(fullCollectionName: String, flags: Int32, numberToSkip: Int32, numberToReturn: Int32)
        /// OP_MSG with its flag bits.
        case msg(flags: UInt32)
    }

    public var header: MessageHeader
    public var kind: Kind
    /// The command: the kind-0 body with kind-1 document sequences added as arrays under
    /// their identifiers, or the OP_QUERY query with any `$query` wrapper removed.
    public var command: BSONDocument

    /// OP_MSG bit 1: the client wants no reply.
    public var moreToCome: Bool {
        if case .msg(let flags) = kind { return flags & OpMsgFlags.moreToCome != 0 }
        return false
    }

    /// The database the command runs in: `$db`, or the part of `admin.$cmd` before the dot.
    public var database: String {
        switch kind {
        case .query(let name, _, _, _): return String(name.prefix { $0 != "." })
        case .msg: return command["$db"]?.stringValue ?? "admin"
        }
    }
}

/// OP_MSG flag bits (the OP_MSG specification).
public enum OpMsgFlags {
    public static let checksumPresent: UInt32 = 1 << 0
    public static let moreToCome: UInt32 = 1 << 1
    public static let exhaustAllowed: UInt32 = 1 << 16
    /// Bits 0-15 are "required": a receiver must refuse a bit it does not know.
    static let knownRequired: UInt32 = checksumPresent | moreToCome
}

/// Decodes one complete message (header included).
public enum WireDecoder {
    /// Decodes `bytes`, which hold exactly one message as the framer cut it.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> WireRequest {
        guard bytes.count >= MessageHeader.size else { throw WireError("shorter than a header") }
        let header = MessageHeader(
            messageLength: load(bytes, 0), requestID: load(bytes, 4),
            responseTo: load(bytes, 8), opCode: load(bytes, 12))
        guard Int(header.messageLength) == bytes.count else { throw WireError("length field disagrees with the frame") }
        switch OpCode(rawValue: header.opCode) {
        case .query: return try decodeQuery(bytes, header)
        case .msg: return try decodeMsg(bytes, header)
        case .compressed: throw WireError("OP_COMPRESSED is not supported (no compressors were offered)")
        default: throw WireError("unsupported opCode \(header.opCode)")
        }
    }

    @inline(__always)
    static func load(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    static func decodeQuery(_ bytes: UnsafeRawBufferPointer, _ header: MessageHeader) throws(WireError) -> WireRequest {
        var offset = MessageHeader.size
        guard bytes.count >= offset + 4 else { throw WireError("OP_QUERY truncated") }
        let flags = load(bytes, offset)
        offset += 4
        var end = offset
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        guard end < bytes.count,
              let name = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
        else { throw WireError("OP_QUERY collection name unterminated") }
        offset = end + 1
        guard bytes.count >= offset + 8 else { throw WireError("OP_QUERY truncated") }
        let skip = load(bytes, offset), limit = load(bytes, offset + 4)
        offset += 8
        var query = try document(bytes, at: &offset)
        // An optional returnFieldsSelector may follow; commands ignore it, but it must be a document.
        if offset < bytes.count { _ = try document(bytes, at: &offset) }
        guard offset == bytes.count else { throw WireError("OP_QUERY has trailing bytes") }
        guard name.hasSuffix(".$cmd") else { throw WireError("OP_QUERY is only served on <db>.$cmd (legacy find is not supported)") }
        // Drivers wrap the command when they send a read preference: {$query: {...}, $readPreference: ...}.
        if let inner = (query["$query"] ?? query["query"])?.documentValue, query.keys.first?.hasPrefix("$") == true || query.keys.first == "query" {
            query = inner
        }
        return WireRequest(header: header, kind: .query(fullCollectionName: name, flags: flags, numberToSkip: skip, numberToReturn: limit), command: query)
    }

    static func decodeMsg(_ bytes: UnsafeRawBufferPointer, _ header: MessageHeader) throws(WireError) -> WireRequest {
        guard bytes.count >= MessageHeader.size + 5 else { throw WireError("OP_MSG truncated") }
        let flags = UInt32(bitPattern: load(bytes, MessageHeader.size))
        let unknownRequired = flags & 0xFFFF & ~OpMsgFlags.knownRequired
        guard unknownRequired == 0 else { throw WireError("OP_MSG sets unknown required flag bits 0x\(String(unknownRequired, radix: 16))") }
        var end = bytes.count
        if flags & OpMsgFlags.checksumPresent != 0 {
            end -= 4
            guard end > MessageHeader.size + 4 else { throw WireError("OP_MSG too short for its checksum") }
            let stated = UInt32(bitPattern: load(bytes, end))
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<end]))
            guard stated == computed else { throw WireError("OP_MSG checksum mismatch") }
        }
        var offset = MessageHeader.size + 4
        var body: BSONDocument?
        var sequences: [(String, [BSONValue])] = []
        while offset < end {
            let kind = bytes[offset]
            offset += 1
            switch kind {
            case 0:
                guard body == nil else { throw WireError("OP_MSG has two kind-0 sections") }
                body = try document(UnsafeRawBufferPointer(rebasing: bytes[0..<end]), at: &offset)
            case 1:
                guard offset + 4 <= end else { throw WireError("document sequence truncated") }
                let size = Int(load(bytes, offset))
                let sectionEnd = offset + size
                guard size >= 5, sectionEnd <= end else { throw WireError("document sequence size \(size) out of bounds") }
                var cursor = offset + 4
                var nameEnd = cursor
                while nameEnd < sectionEnd, bytes[nameEnd] != 0 { nameEnd += 1 }
                guard nameEnd < sectionEnd,
                      let identifier = String(validating: UnsafeRawBufferPointer(rebasing: bytes[cursor..<nameEnd]), as: UTF8.self)
                else { throw WireError("document sequence identifier unterminated") }
                cursor = nameEnd + 1
                var documents: [BSONValue] = []
                let section = UnsafeRawBufferPointer(rebasing: bytes[0..<sectionEnd])
                while cursor < sectionEnd {
                    documents.append(.document(try document(section, at: &cursor)))
                }
                sequences.append((identifier, documents))
                offset = sectionEnd
            default:
                throw WireError("OP_MSG section kind \(kind)")
            }
        }
        guard var command = body else { throw WireError("OP_MSG without a body section") }
        for (identifier, documents) in sequences {
            guard command[identifier] == nil else { throw WireError("document sequence '\(identifier)' repeats a body field") }
            command.append(identifier, .array(documents))
        }
        return WireRequest(header: header, kind: .msg(flags: flags), command: command)
    }

    static func document(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) throws(WireError) -> BSONDocument {
        do {
            let length = try BSONDecoder.documentLength(bytes, at: offset)
            let document = try BSONDecoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
            offset += length
            return document
        } catch {
            throw WireError(error.description)
        }
    }
}

/// Encodes replies.
public enum WireEncoder {
    /// An OP_MSG reply: flags 0, one kind-0 section.
    public static func msg(requestID: Int32, responseTo: Int32, body: BSONDocument) -> [UInt8] {
        var out = header(requestID: requestID, responseTo: responseTo, opCode: .msg)
        BSONEncoder.appendInt32(0, to: &out)
        out.append(0)
        BSONEncoder.append(body, to: &out)
        BSONEncoder.patchLength(at: 0, in: &out)
        return out
    }

    /// An OP_REPLY carrying one document (the answer to an OP_QUERY command).
    public static func reply(requestID: Int32, responseTo: Int32, document: BSONDocument) -> [UInt8] {
        var out = header(requestID: requestID, responseTo: responseTo, opCode: .reply)
        BSONEncoder.appendInt32(8, to: &out)   // responseFlags: AwaitCapable, as mongod sets it
        BSONEncoder.appendInt64(0, to: &out)   // cursorID
        BSONEncoder.appendInt32(0, to: &out)   // startingFrom
        BSONEncoder.appendInt32(1, to: &out)   // numberReturned
        BSONEncoder.append(document, to: &out)
        BSONEncoder.patchLength(at: 0, in: &out)
        return out
    }

    /// A request (for tests and clients): OP_MSG with one body and optional document sequences.
    public static func request(requestID: Int32, body: BSONDocument, sequences: [(String, [BSONDocument])] = [], checksum: Bool = false) -> [UInt8] {
        var out = header(requestID: requestID, responseTo: 0, opCode: .msg)
        BSONEncoder.appendInt32(Int32(bitPattern: checksum ? OpMsgFlags.checksumPresent : 0), to: &out)
        out.append(0)
        BSONEncoder.append(body, to: &out)
        for (identifier, documents) in sequences {
            out.append(1)
            let start = out.count
            BSONEncoder.appendInt32(0, to: &out)
            BSONEncoder.appendCString(identifier, to: &out)
            for document in documents { BSONEncoder.append(document, to: &out) }
            BSONEncoder.patchLength(at: start, in: &out)
        }
        if checksum {
            BSONEncoder.appendInt32(0, to: &out)
            BSONEncoder.patchLength(at: 0, in: &out)
            let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<$0.count - 4])) }
            out.removeLast(4)
            BSONEncoder.appendInt32(Int32(bitPattern: crc), to: &out)
        }
        BSONEncoder.patchLength(at: 0, in: &out)
        return out
    }

    /// A legacy OP_QUERY command (for tests): `fullCollectionName` such as `admin.$cmd`.
    public static func query(requestID: Int32, fullCollectionName: String, command: BSONDocument) -> [UInt8] {
        var out = header(requestID: requestID, responseTo: 0, opCode: .query)
        BSONEncoder.appendInt32(0, to: &out)
        BSONEncoder.appendCString(fullCollectionName, to: &out)
        BSONEncoder.appendInt32(0, to: &out)
        BSONEncoder.appendInt32(-1, to: &out)
        BSONEncoder.append(command, to: &out)
        BSONEncoder.patchLength(at: 0, in: &out)
        return out
    }

    static func header(requestID: Int32, responseTo: Int32, opCode: OpCode) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        BSONEncoder.appendInt32(0, to: &out)
        BSONEncoder.appendInt32(requestID, to: &out)
        BSONEncoder.appendInt32(responseTo, to: &out)
        BSONEncoder.appendInt32(opCode.rawValue, to: &out)
        return out
    }
}
