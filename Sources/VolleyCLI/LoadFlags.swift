import Foundation
import HTTP1
import LoadGen

/// The load flags `run` and `probe` share (target, threads, connections, timeout, headers,
/// method, body), turned into validated engine options in one place, so `probe` builds its
/// base load from its own flags instead of re-parsing a `run` command line.
struct LoadFlags {
    var url: String
    var threads: Int
    var connections: Int
    var durationNanos: UInt64
    var timeout: String = "2s"
    var headers: [String] = []
    var method: String = "GET"
    var body: String? = nil
    var bodyFile: String? = nil
    var pipeline: Int = 1
    var rate: RateSchedule? = nil

    /// Every mistake is exit 2 with a plain message.
    func options() throws -> LoadOptions {
        let timeoutNanos = try QuantityFlag.duration(timeout, flag: "timeout", examples: "2s, 500ms")
        let target: HTTPURL
        do { target = try HTTPURL(parsing: url) } catch { throw usageError("invalid URL '\(url)': \(error)") }
        var parsedHeaders: [(name: String, value: String)] = []
        for line in headers {
            guard let colon = line.firstIndex(of: ":") else {
                throw usageError("invalid header '\(line)' (expected 'Name: value')")
            }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw usageError("invalid header '\(line)': empty name") }
            parsedHeaders.append((name, value))
        }
        if body != nil && bodyFile != nil { throw usageError("use --body or --body-file, not both") }
        var bodyBytes: [UInt8] = []
        if let body { bodyBytes = Array(body.utf8) }
        if let bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                throw usageError("cannot read body file '\(bodyFile)'")
            }
            bodyBytes = Array(data)
        }
        let methodName = method.uppercased()
        guard !methodName.isEmpty, methodName.allSatisfy({ $0.isLetter || $0 == "-" }) else {
            throw usageError("invalid method '\(method)'")
        }
        let options = LoadOptions(url: target, threads: threads, connections: connections, durationNanos: durationNanos,
                                  timeoutNanos: timeoutNanos, pipeline: pipeline, method: methodName,
                                  headers: parsedHeaders, body: bodyBytes, rate: rate)
        do { try options.validate() } catch { throw usageError(error.description) }
        return options
    }
}
