import Foundation

/// Counts the HTTP requests in the bytes a script builds (wrk pipelines by concatenating
/// requests), checking each is complete; says where it is not.
enum RequestCounter {
    static func count(_ bytes: UnsafeRawBufferPointer) -> Result<Int, ScriptError> {
        var offset = 0
        var count = 0
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while offset < bytes.count {
            // The request line.
            guard let lineEnd = find(lf, in: bytes, from: offset) else { return .failure(incomplete(count)) }
            let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<lineEnd]), as: UTF8.self)
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count == 3, !words[0].isEmpty, !words[1].isEmpty, words[2].hasPrefix("HTTP/1.") else {
                return .failure(.invalidRequest("request \(count + 1) starts with `\(line.trimmingCharacters(in: ["\r"]))`, not `METHOD target HTTP/1.1`"))
            }
            // Header lines up to the empty line; Content-Length says how much body follows.
            var cursor = lineEnd + 1
            var length = 0
            while true {
                guard let end = find(lf, in: bytes, from: cursor) else { return .failure(incomplete(count)) }
                var stop = end
                if stop > cursor && bytes[stop - 1] == cr { stop -= 1 }
                if stop == cursor { cursor = end + 1; break }
                let field = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[cursor..<stop]), as: UTF8.self)
                if let colon = field.firstIndex(of: ":"), field[..<colon].lowercased() == "content-length" {
                    guard let n = Int(field[field.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])), n >= 0 else {
                        return .failure(.invalidRequest("request \(count + 1) has `\(field)`"))
                    }
                    length = n
                }
                cursor = end + 1
            }
            guard cursor + length <= bytes.count else {
                return .failure(.invalidRequest("request \(count + 1) announces \(length) body bytes; \(bytes.count - cursor) follow"))
            }
            offset = cursor + length
            count += 1
        }
        return count == 0 ? .failure(.invalidRequest("the request is empty")) : .success(count)
    }

    private static func incomplete(_ count: Int) -> ScriptError {
        .invalidRequest("request \(count + 1) is incomplete (its head does not end with an empty line)")
    }

    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var i = start
        while i < bytes.count { if bytes[i] == byte { return i }; i += 1 }
        return nil
    }
}
