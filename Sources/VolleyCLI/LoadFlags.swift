import ArgumentParser
import Foundation
import HTTP1
import LoadGen

/// The defaults that differ between the commands sharing `LoadFlags`.
protocol LoadFlagDefaults {
    /// `-c`'s default: `run` keeps wrk's 10, `probe` starts with more so a step can reach a high rate.
    static var connections: Int { get }
}

/// The load flags `run` and `probe` share, declared once: threads, connections, headers, the
/// request timeout and the https flags, turned into validated engine options in one place.
/// Each command adds its own duration (`-d`, `--step-duration`) and request (`-m`, `--body`, `-p`, `-R`).
struct LoadFlags<Defaults: LoadFlagDefaults>: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: "Number of threads (event loops) to use.")
    var threads: Int = 2

    @Option(name: [.customShort("c"), .long], help: "Connections to keep open, spread over the threads.")
    var connections: Int = Defaults.connections

    @Option(name: [.customShort("H"), .long], help: "Add a header to the request ('Name: value'); repeatable.")
    var header: [String] = []

    @Option(name: .long, help: "Count a request as timed out after this long, e.g. 2s.")
    var timeout: String = "2s"

    @OptionGroup(title: "https")
    var tls: TLSFlags

    /// The request a command sends, beyond the shared flags (`run`'s `-m`, `--body`, `--body-file`, `-p`, `-R`).
    struct Request {
        var method = "GET"
        var body: String? = nil
        var bodyFile: String? = nil
        var pipeline = 1
        var rate: RateSchedule? = nil
    }

    /// Validated engine options for `url` over `durationNanos`; every mistake is exit 2 with a plain message.
    func options(url: String, durationNanos: UInt64, request: Request = Request()) throws -> LoadOptions {
        let timeoutNanos = try QuantityFlag.duration(timeout, flag: "timeout", examples: "2s, 500ms")
        let target: HTTPURL
        do { target = try HTTPURL(parsing: url) } catch { throw usageError("invalid URL '\(url)': \(error)") }
        var parsedHeaders: [(name: String, value: String)] = []
        for line in header {
            guard let colon = line.firstIndex(of: ":") else {
                throw usageError("invalid header '\(line)' (expected 'Name: value')")
            }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw usageError("invalid header '\(line)': empty name") }
            parsedHeaders.append((name, value))
        }
        if request.body != nil && request.bodyFile != nil { throw usageError("use --body or --body-file, not both") }
        var bodyBytes: [UInt8] = []
        if let body = request.body { bodyBytes = Array(body.utf8) }
        if let bodyFile = request.bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                throw usageError("cannot read body file '\(bodyFile)'")
            }
            bodyBytes = Array(data)
        }
        let methodName = request.method.uppercased()
        guard !methodName.isEmpty, methodName.allSatisfy({ $0.isLetter || $0 == "-" }) else {
            throw usageError("invalid method '\(request.method)'")
        }
        var options = LoadOptions(url: target, threads: threads, connections: connections, durationNanos: durationNanos,
                                  timeoutNanos: timeoutNanos, pipeline: request.pipeline, method: methodName,
                                  headers: parsedHeaders, body: bodyBytes, rate: request.rate)
        options.tls = tls.configuration
        do { try options.validate() } catch { throw usageError(error.description) }
        return options
    }
}
