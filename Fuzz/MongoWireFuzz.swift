// libFuzzer harness for the mongod wire decoder (framing, OP_QUERY/OP_MSG, BSON), built by
// scripts/fuzz.sh together with Sources/MongoWire/{Wire,BSON}. Besides crashes and memory
// errors it checks: the framer cuts the same messages whether the stream arrives whole or
// in pieces, and every document that decodes re-encodes to bytes that decode to the same
// bytes again.

#if canImport(Glibc)
import Glibc
#endif

func check(_ condition: Bool, _ message: String) {
    if !condition {
        fputs("fuzz property violated: \(message)\n", stderr)
        abort()
    }
}

/// A decoded document re-encodes to bytes that decode and re-encode to the same bytes
/// (bytes, not documents, are compared: NaN is not equal to itself).
func checkRoundTrip(_ document: BSONDocument) {
    let encoded = BSONEncoder.encode(document)
    guard let again = try? BSONDecoder.decode(encoded) else {
        check(false, "re-encoded document does not decode")
        return
    }
    check(BSONEncoder.encode(again) == encoded, "BSON round trip changed the bytes")
}

/// What a stream decodes to: each message's length and decode outcome, then the framing outcome.
func decodeStream(_ bytes: UnsafeRawBufferPointer, pieceSize: Int) -> [String] {
    var framer = MessageFramer()
    var outcomes: [String] = []
    var offset = 0
    do {
        while offset < bytes.count {
            let end = min(bytes.count, offset + pieceSize)
            try framer.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { (message: UnsafeRawBufferPointer) throws(WireError) in
                do {
                    let request = try WireDecoder.decode(message)
                    checkRoundTrip(request.command)
                    outcomes.append("message \(message.count) ok")
                } catch {
                    outcomes.append("message \(message.count) \(error)")
                }
            }
            offset = end
        }
        outcomes.append("buffered \(framer.bufferedCount)")
    } catch {
        outcomes.append("framing \(error)")
    }
    return outcomes
}

func succeeded<T>(_ result: Result<T, WireError>) -> Bool {
    if case .success = result { return true }
    return false
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard size > 0 else { return 0 }
    let whole = decodeStream(bytes, pieceSize: size)
    let split = decodeStream(bytes, pieceSize: Int(bytes[0] % 13) + 1)
    check(whole == split, "whole \(whole) vs split \(split)")
    // A standalone BSON document must not crash the decoder either.
    let decoded = try? BSONDecoder.decode(bytes)
    if let decoded { checkRoundTrip(decoded) }
    // The client's zero-copy reader walks the same bytes the way it reads a find reply,
    // never past them; a document the decoder accepts it reads without an error.
    if let view = try? BSONView(bytes) {
        let ok = Result { () throws(WireError) in try view.element("ok") }
        let batch = Result { () throws(WireError) in try view.element("cursor")?.document?.element("firstBatch")?.document?.first() }
        let missing = Result { () throws(WireError) in try view.element("no such key") }
        if decoded != nil {
            check(succeeded(ok) && succeeded(batch) && succeeded(missing), "BSONView refused a valid document")
            if case .success(let element?) = ok, let value = decoded?["ok"] {
                check(element.type == value.typeByte, "BSONView and the decoder disagree on 'ok'")
            }
        }
    }
    return 0
}
