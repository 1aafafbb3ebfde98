import Foundation
import PeerFixtures
import TestSupport

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
    var wrk: ProgramOutcome
    var wrkRequests: [RecordedRequest]
    var volley: ProgramOutcome
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
        let volley = try runProgram(volleyExecutable(), flags + ["-s", script, url] + tail)
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
