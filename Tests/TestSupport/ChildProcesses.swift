// Helpers the test targets share for the `volley` executable they start as a child process:
// where it is, its ready line, and its exit. One copy here instead of one per test target.

import Foundation

/// The `volley` executable built next to the test bundle (or `VOLLEY_BIN`).
public func volleyExecutable() -> URL {
    if let path = ProcessInfo.processInfo.environment["VOLLEY_BIN"] { return URL(fileURLWithPath: path) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("volley")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/volley")
}

/// Reads until the first line feed (a child's ready line) or end of file; returns what was read.
/// Blocks on the pipe: the ready line, not a sleep, is the synchronisation.
public func readFirstLine(from handle: FileHandle) -> String {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        line.append(chunk)
    }
    return String(decoding: line, as: UTF8.self)
}

/// Waits up to `seconds` for `process` to end; its exit code, or nil if it is still running.
public func waitForExit(_ process: Process, seconds: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { return nil }
    process.waitUntilExit()
    return process.terminationStatus
}
