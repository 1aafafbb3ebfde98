// libFuzzer harnesses for the HTTP1 parsers, built outside SwiftPM by scripts/fuzz.sh with
// `-sanitize=fuzzer,address` (libFuzzer brings its own main). One binary holds every
// target; VOLLEY_FUZZ_TARGET picks one. Besides crashes and memory errors, each harness
// checks a differential property: the same bytes fed whole and fed in pieces (split at
// points derived from the input) must give the same outcome, and every reported range
// must lie inside the input.

#if canImport(Glibc)
import Glibc
#endif

enum FuzzTarget: String {
    case responseParser = "response"
    case requestHead = "request"
    case chunked = "chunked"
}

let target: FuzzTarget = {
    guard let name = getenv("VOLLEY_FUZZ_TARGET").map({ String(cString: $0) }), let t = FuzzTarget(rawValue: name) else {
        fputs("set VOLLEY_FUZZ_TARGET to response, request or chunked\n", stderr)
        exit(2)
    }
    return t
}()

func check(_ condition: Bool, _ message: String) {
    if !condition {
        fputs("fuzz property violated: \(message)\n", stderr)
        abort()
    }
}

/// Chunk sizes for the piecewise feed: derived from the first byte so the fuzzer explores splits.
func pieces(_ count: Int, seed: UInt8) -> [Int] {
    var sizes: [Int] = []
    var left = count
    var s = Int(seed) | 1
    while left > 0 {
        let n = min(left, s % 7 + 1)
        sizes.append(n)
        left -= n
        s = (s &* 31 &+ 17) & 0xFF
    }
    return sizes
}

// MARK: - ResponseParser

/// Feeds `bytes` in the given pieces; returns every response end (absolute offsets) and the final step.
func parseResponses(_ bytes: UnsafeRawBufferPointer, pieces: [Int]) -> (ends: [Int], status: [Int], last: String) {
    var parser = ResponseParser()
    var ends: [Int] = []
    var statuses: [Int] = []
    var offset = 0
    for size in pieces {
        var chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size])
        var base = offset
        offset += size
        while !chunk.isEmpty {
            switch parser.parse(chunk) {
            case .needMore:
                chunk = UnsafeRawBufferPointer(rebasing: chunk[chunk.count...])
            case .complete(let consumed):
                check(consumed > 0 && consumed <= chunk.count, "consumed \(consumed) of \(chunk.count)")
                ends.append(base + consumed)
                statuses.append(parser.status)
                base += consumed
                chunk = UnsafeRawBufferPointer(rebasing: chunk[consumed...])
            case .error(let error):
                return (ends, statuses, "error \(error)")
            }
        }
    }
    switch parser.finish() {
    case .complete: return (ends, statuses, "closed-complete \(parser.status)")
    case .needMore: return (ends, statuses, "needMore")
    case .error(let error): return (ends, statuses, "finish-error \(error)")
    }
}

func fuzzResponse(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    let whole = parseResponses(bytes, pieces: [bytes.count])
    let split = parseResponses(bytes, pieces: pieces(bytes.count, seed: bytes[0]))
    check(whole.ends == split.ends, "response ends differ: \(whole.ends) vs \(split.ends)")
    check(whole.status == split.status, "statuses differ: \(whole.status) vs \(split.status)")
    check(whole.last == split.last, "response outcome differs: \(whole.last) vs \(split.last)")
}

// MARK: - RequestHeadParser

/// Parses the first request head, growing the visible buffer by `pieces` as a server's reads would.
func parseHead(_ bytes: UnsafeRawBufferPointer, pieces: [Int]) -> String {
    var parser = RequestHeadParser()
    var visible = 0
    for size in pieces {
        visible += size
        let buffer = UnsafeRawBufferPointer(rebasing: bytes[0..<visible])
        switch parser.parse(buffer) {
        case .incomplete:
            continue
        case .complete(let head, let headerBytes):
            check(headerBytes <= visible, "head of \(headerBytes) in \(visible) bytes")
            for range in [head.target, head.path] + [head.query, head.host].compactMap({ $0 }) {
                check(range.lowerBound >= 0 && range.upperBound <= headerBytes, "range \(range) outside head \(headerBytes)")
            }
            return "complete \(headerBytes) \(head.method) \(head.version) \(head.body) \(head.keepAlive) \(head.headerCount)"
        case .reject(let status, let reason):
            check([400, 413, 414, 417, 431, 501, 505].contains(status), "status \(status)")
            return "reject \(status) \(reason)"
        }
    }
    return "incomplete"
}

func fuzzRequestHead(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    let whole = parseHead(bytes, pieces: [bytes.count])
    let split = parseHead(bytes, pieces: pieces(bytes.count, seed: bytes[0]))
    check(whole == split, "request head differs: \(whole) vs \(split)")
}

// MARK: - ChunkedBodyDecoder

func decodeChunked(_ bytes: UnsafeRawBufferPointer, pieces: [Int]) -> (data: Int, last: String) {
    var decoder = ChunkedBodyDecoder()
    var data = 0
    var offset = 0
    for size in pieces {
        var chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size])
        var base = offset
        offset += size
        while !chunk.isEmpty {
            switch decoder.decode(chunk) {
            case .data(let range):
                check(range.lowerBound >= 0 && range.upperBound <= chunk.count && !range.isEmpty, "data \(range) of \(chunk.count)")
                data += range.count
                base += range.upperBound
                chunk = UnsafeRawBufferPointer(rebasing: chunk[range.upperBound...])
            case .needMore:
                chunk = UnsafeRawBufferPointer(rebasing: chunk[chunk.count...])
            case .done(let consumed):
                check(consumed > 0 && consumed <= chunk.count, "done \(consumed) of \(chunk.count)")
                check(data == decoder.bodyBytes, "counted \(data), decoder says \(decoder.bodyBytes)")
                return (data, "done \(base + consumed)")
            case .error(let error):
                return (data, "error \(error)")
            }
        }
    }
    return (data, "needMore")
}

func fuzzChunked(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    let whole = decodeChunked(bytes, pieces: [bytes.count])
    let split = decodeChunked(bytes, pieces: pieces(bytes.count, seed: bytes[0]))
    check(whole.last == split.last, "chunked outcome differs: \(whole.last) vs \(split.last)")
    if !whole.last.hasPrefix("error") { check(whole.data == split.data, "chunked data \(whole.data) vs \(split.data)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch target {
    case .responseParser: fuzzResponse(bytes)
    case .requestHead: fuzzRequestHead(bytes)
    case .chunked: fuzzChunked(bytes)
    }
    return 0
}
