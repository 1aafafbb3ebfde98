@testable import HTTP1
import Testing

/// A chunked body and what decoding it must give.
struct ChunkedVector: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    /// The decoded data, or nil when an error is expected.
    var body: String?
    /// Bytes at the end of `text` that belong to the next message.
    var after: String = ""
    var error: HTTPParseError? = nil
    var strict = true
    var maxBodyBytes = Int.max
    var maxTrailerBytes = ChunkedBodyDecoder.defaultMaxTrailerBytes
    var testDescription: String { name }
}

func decodes(_ name: String, _ text: String, _ body: String, after: String = "", strict: Bool = true) -> ChunkedVector {
    ChunkedVector(name: name, text: text + after, body: body, after: after, strict: strict)
}

func fails(_ name: String, _ text: String, _ error: HTTPParseError, strict: Bool = true, maxBody: Int = .max,
           maxTrailer: Int = ChunkedBodyDecoder.defaultMaxTrailerBytes) -> ChunkedVector {
    ChunkedVector(name: name, text: text, body: nil, error: error, strict: strict, maxBodyBytes: maxBody,
                  maxTrailerBytes: maxTrailer)
}

let chunkedVectors: [ChunkedVector] = [
    decodes("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
    decodes("empty body", "0\r\n\r\n", ""),
    decodes("extensions, with BWS before the semicolon", "5;a=b\r\nhello\r\n6 ;x;y=\"q r\"\r\n world\r\n0;end\r\n\r\n",
            "hello world"),
    decodes("extensions: BWS around ; and =, quoted-pair, token values", "1; a = b ;c\r\nx\r\n1;q=\"x\\\"y;z\"\r\ny\r\n0\r\n\r\n", "xy"),
    decodes("lenient: extension ended by bare LF", "1;a=\"b\"\nx\n0\n\n", "x", strict: false),
    decodes("hex sizes any case, leading zeros", "A\r\n0123456789\r\nb\r\n0123456789a\r\n0005\r\nhello\r\n0\r\n\r\n",
            "01234567890123456789ahello"),
    decodes("trailers", "3\r\nabc\r\n0\r\nX-Sum: 1\r\nY:\r\n\r\n", "abc"),
    decodes("data that looks like framing", "7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n", "0\r\n\r\n\r\n"),
    decodes("the next request is left alone", "2\r\nok\r\n0\r\n\r\n", "ok", after: "GET / HTTP/1.1\r\n"),
    decodes("16 hex digits", "0000000000000002\r\nok\r\n0\r\n\r\n", "ok"),
    decodes("lenient: bare LF everywhere", "5\nhello\n0\nX: 1\n\n", "hello", strict: false),
    decodes("lenient: whitespace after the size", "5 \r\nhello\r\n0\t\r\n\r\n", "hello", strict: false),
    decodes("lenient: obs-fold in trailers", "0\r\nX: 1\r\n 2\r\n\r\n", "", strict: false),

    fails("0x5", "0x5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("not hex", "g\r\n", .invalidChunkSize),
    fails("negative", "-1\r\n", .invalidChunkSize),
    fails("empty size", "\r\nhello\r\n", .invalidChunkSize),
    fails("17 hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("overflow", "8000000000000000\r\n", .invalidChunkSize),
    fails("space before size", " 5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("space after size", "5 \r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("two numbers", "5 5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("bare LF after size", "5\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("bare CR after size", "5\rhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("control character in an extension", "5;a\u{01}\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("data longer than its size", "5\r\nhelloXX\r\n0\r\n\r\n", .invalidChunkTerminator),
    fails("data ended by bare LF", "5\r\nhello\n0\r\n\r\n", .invalidChunkTerminator),
    fails("data ended by CR without LF", "5\r\nhello\rX", .invalidChunkTerminator),
    fails("bad trailer name", "0\r\nBad Trailer: 1\r\n\r\n", .invalidHeader),
    fails("trailer ended by bare LF", "0\r\nX: 1\n\r\n", .invalidHeader),
    fails("body ended by bare LF", "0\r\n\n", .invalidHeader),
    fails("obs-fold in trailers", "0\r\nX: 1\r\n 2\r\n\r\n", .invalidHeader),
    fails("NUL in a trailer value", "0\r\nX: a\0b\r\n\r\n", .invalidHeader),
    fails("body over the limit, told at the size line", "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", .bodyTooLarge, maxBody: 8),
    fails("trailers over the limit", "0\r\nX-Long: 0123456789\r\n\r\n", .headerTooLarge, maxTrailer: 16),
    fails("extension without a name", "2;\r\nok\r\n0\r\n\r\n", .invalidChunkSize),
    fails("unterminated quoted extension value", "5;a=\"abc;b=\"def; ghi\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("extension with = but no value", "5;a=\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("two words in an extension name", "5;a b\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("non-token extension name", "5;a@b\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("text after a quoted extension value", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("quoted extension value cut by CR LF", "5;a=\"b\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("lenient: extension without a name", "2;\nok\n0\n\n", .invalidChunkSize, strict: false),
    fails("extension ended by bare LF", "5;a\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    fails("a request where the last chunk's empty line belongs", "0\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", .invalidHeader),
    fails("lenient still refuses garbage", "5\r\nhelloX", .invalidChunkTerminator, strict: false),
]

/// Each chunked vector decodes to the same data, end offset or error whole, byte by byte and split anywhere.
@Test(arguments: chunkedVectors)
func chunkedVector(_ vector: ChunkedVector) {
    let bytes = Array(vector.text.utf8)
    let expectedEnd = bytes.count - vector.after.utf8.count
    for cut in cuts(of: bytes.count) {
        var decoder = ChunkedBodyDecoder(maxBodyBytes: vector.maxBodyBytes, maxTrailerBytes: vector.maxTrailerBytes,
                                         strict: vector.strict)
        var data: [UInt8] = []
        var end: Int? = nil
        var error: HTTPParseError? = nil
        forEachRead(of: bytes, lengths: cut.lengths) { read, base in
            var offset = 0
            while offset < read.count {
                switch decoder.decode(UnsafeRawBufferPointer(rebasing: read[offset...])) {
                case .data(let span):
                    #expect(!span.isEmpty)
                    data += read[(offset + span.lowerBound)..<(offset + span.upperBound)]
                    offset += span.upperBound
                case .needMore:
                    return true
                case .done(let consumed):
                    end = base + offset + consumed
                    return false
                case .error(let e):
                    error = e
                    return false
                }
            }
            return true
        }
        if let body = vector.body {
            #expect(String(decoding: data, as: UTF8.self) == body && end == expectedEnd && error == nil,
                    "\(cut.name): data \(data.count) bytes, end \(end.map(String.init) ?? "none"), error \(error.map { "\($0)" } ?? "none")")
            #expect(decoder.isDone && decoder.bodyBytes == body.utf8.count, "\(cut.name)")
        } else {
            #expect(error == vector.error && end == nil, "\(cut.name)")
        }
        if error != vector.error { return }
    }
}

/// A done decoder keeps answering done without consuming, a failed one its error; reset starts over.
@Test func decoderAfterTheEnd() {
    var decoder = ChunkedBodyDecoder()
    #expect(Array("0\r\n\r\n".utf8).withUnsafeBytes { decoder.decode($0) } == .done(consumed: 5))
    #expect(Array("GET".utf8).withUnsafeBytes { decoder.decode($0) } == .done(consumed: 0))
    decoder.reset()
    #expect(!decoder.isDone && !decoder.inProgress)
    #expect(Array("z".utf8).withUnsafeBytes { decoder.decode($0) } == .error(.invalidChunkSize))
    #expect(Array("0\r\n\r\n".utf8).withUnsafeBytes { decoder.decode($0) } == .error(.invalidChunkSize))
}
