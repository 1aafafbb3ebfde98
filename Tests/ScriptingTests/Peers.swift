import Foundation
import PeerFixtures

/// What a generator process did: its exit code and output.
struct Outcome {
    var code: Int32
    var out: String
    var err: String
}

/// Runs a program (wrk or volley) to completion (bounded by `timeout`, then SIGTERM and
/// SIGKILL); output goes to files so a chatty child never blocks on a full pipe.
func runProgram(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 30) throws -> Outcome {
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("lua-out-\(UUID().uuidString)")
    let errURL = dir.appendingPathComponent("lua-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        let grace = Date().addingTimeInterval(2)
        while process.isRunning && Date() < grace { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    return Outcome(code: process.terminationStatus,
                   out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                   err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// The `volley` executable built next to the test bundle.
func volleyBinary() -> URL {
    if let path = ProcessInfo.processInfo.environment["VOLLEY_BIN"] { return URL(fileURLWithPath: path) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("volley")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/volley")
}

/// Debian's wrk, the reference the scripts were written for.
let wrkBinary = URL(fileURLWithPath: "/usr/bin/wrk")

/// The example scripts Debian's wrk ships (some releases gzip them).
func exampleScript(_ name: String) throws -> String {
    let dir = "/usr/share/doc/wrk/examples/scripts"
    let plain = "\(dir)/\(name)"
    if FileManager.default.fileExists(atPath: plain) { return plain }
    let gz = plain + ".gz"
    guard FileManager.default.fileExists(atPath: gz) else { throw MissingScript(path: plain) }
    let target = FileManager.default.temporaryDirectory.appendingPathComponent("wrk-example-\(name)").path
    let unzip = try runProgram(URL(fileURLWithPath: "/bin/sh"), ["-c", "zcat '\(gz)' > '\(target)'"])
    guard unzip.code == 0 else { throw MissingScript(path: gz) }
    return target
}

struct MissingScript: Error, CustomStringConvertible {
    let path: String
    var description: String { "wrk example script \(path) is missing (is Debian's wrk installed?)" }
}

/// Writes a script to a temporary file and returns its path.
func temporaryScript(_ text: String, name: String = "script") throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).lua")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// What wrk and Volley each sent to a recording server with the same script and flags.
struct SideBySide {
    var wrk: Outcome
    var wrkRequests: [RecordedRequest]
    var volley: Outcome
    var volleyRequests: [RecordedRequest]
    var url: String

    /// Runs wrk, then Volley, each for `duration` with `flags`, against one recording server.
    static func run(script: String, flags: [String] = ["-t2", "-c4", "-d1s"], path: String = "/",
                    scriptArguments: [String] = []) throws -> SideBySide {
        let server = try RecordingServer()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)\(path)"
        let tail = scriptArguments.isEmpty ? [] : ["--"] + scriptArguments
        let wrk = try runProgram(wrkBinary, flags + ["-s", script, url] + tail)
        let wrkRequests = server.requests
        server.clear()
        let volley = try runProgram(volleyBinary(), flags + ["-s", script, url] + tail)
        return SideBySide(wrk: wrk, wrkRequests: wrkRequests, volley: volley, volleyRequests: server.requests, url: url)
    }
}

extension RecordedRequest {
    /// Header fields as a set of `name: value` lines, for comparing two generators' requests
    /// (wrk's come in a Lua table's order, which is not part of the contract).
    var headerSet: Set<String> { Set(headers.map { "\($0.name): \($0.value)" }) }
}

/// The lines of `text` after the run's report (what `done()` printed): everything after the
/// `Transfer/sec:` line.
func linesAfterReport(_ text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let i = lines.firstIndex(where: { $0.hasPrefix("Transfer/sec:") }) else { return [] }
    return lines[(i + 1)...].filter { !$0.isEmpty }
}

/// The lines of `text` before the run's header (what `init()` printed).
func linesBeforeHeader(_ text: String) -> [String] {
    let lines = text.split(separator: "\n").map(String.init)
    guard let i = lines.firstIndex(where: { $0.hasPrefix("Running ") }) else { return lines }
    return Array(lines[..<i])
}
