// Helpers the test targets share for the programs they start as child processes: where the
// `volley` executable is, a program run to completion, a `volley` server child ready on its
// port, and their exits. One copy here instead of one per test target.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
    guard waitUntil(seconds: seconds, { !process.isRunning }) else { return nil }
    process.waitUntilExit()
    return process.terminationStatus
}

/// Processes whose environment says `volley bench` `parent` started them (`VOLLEY_PARENT_PID`),
/// still there: a bench must leave none behind.
public func processesStarted(by parent: Int32) -> [Int32] {
    let marker = Data("VOLLEY_PARENT_PID=\(parent)".utf8)
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        return environ.split(separator: 0).contains { Data($0) == marker }
    }
}

/// What a program run to completion did: its exit code and output.
public struct ProgramOutcome: Sendable {
    public var code: Int32
    public var out: String
    public var err: String
}

/// Runs a program to completion, bounded by `timeout` (then SIGTERM, and SIGKILL 2 s later).
/// Output goes to temporary files, so a chatty child never blocks on a full pipe.
public func runProgram(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 30) throws -> ProgramOutcome {
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("volley-test-out-\(UUID().uuidString)")
    let errURL = dir.appendingPathComponent("volley-test-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    if waitForExit(process, seconds: timeout) == nil {
        process.terminate()
        if waitForExit(process, seconds: 2) == nil { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    return ProgramOutcome(code: process.terminationStatus,
                          out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                          err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// Runs the built `volley` with `arguments` to completion (see `runProgram`).
public func runVolley(_ arguments: [String], timeout: TimeInterval = 30) throws -> ProgramOutcome {
    try runProgram(volleyExecutable(), arguments, timeout: timeout)
}

/// A `volley` child that serves (`serve`, `fixture`, `mongod`), ready once it has printed its
/// `listening on URL…` line: the ready line is read, never slept for. SIGKILLed at the end if
/// still running (a child of the test runner may inherit SIGINT/SIGTERM blocked, and must never
/// outlive the test).
public final class VolleyServer {
    public let process = Process()
    /// The ready line, with its line feed (empty if the child ended first).
    public let firstLine: String
    /// The address in the ready line, e.g. `http://127.0.0.1:40123/` or `mongodb://127.0.0.1:40124`.
    public let url: String
    /// Its port, 0 if the ready line did not name one.
    public let port: UInt16
    /// Its standard error, when captured; read it after the exit (or it may fill up).
    public let errors: Pipe?

    /// - Parameters:
    ///   - arguments: the whole command line after `volley`, e.g. `["serve", "--port", "0"]`.
    ///   - cpus: a `taskset -c` CPU list to run it on, or nil for any CPU.
    ///   - captureErrors: keep standard error in `errors` instead of the test's own.
    public init(_ arguments: [String], environment: [String: String] = [:], cpus: String? = nil,
                captureErrors: Bool = true) throws {
        if let cpus {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", cpus, volleyExecutable().path] + arguments
        } else {
            process.executableURL = volleyExecutable()
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        process.standardOutput = out
        errors = captureErrors ? Pipe() : nil
        if let errors { process.standardError = errors }
        try process.run()
        let line = readFirstLine(from: out.fileHandleForReading)
        firstLine = line
        let address = line.range(of: "://").flatMap { scheme in
            line[..<scheme.lowerBound].lastIndex(of: " ").map { line[line.index(after: $0)...] }
        }
        let url = address.map { String($0.prefix { $0 != " " && $0 != "\n" }) } ?? ""
        self.url = url
        let authority = url.split(separator: "/").dropFirst().first ?? ""
        port = authority.split(separator: ":").last.flatMap { UInt16($0) } ?? 0
        guard port != 0 else {
            // No ready line: the child has closed its output, so it is ending (killed if not within
            // 10 s); then say what it said.
            if TestSupport.waitForExit(process, seconds: 10) == nil { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let said = firstLine + (errors.map { String(decoding: $0.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) } ?? "")
            throw NotReady(arguments: arguments, exitCode: process.terminationStatus, output: said)
        }
    }

    /// The child ended (or closed its output) without a ready line naming a port.
    public struct NotReady: Error, CustomStringConvertible {
        public var arguments: [String]
        /// How it ended (killed after 10 s if it had not).
        public var exitCode: Int32
        /// Its standard output and, when captured, standard error.
        public var output: String
        public var description: String { "volley \(arguments.joined(separator: " ")) printed no ready line (exit \(exitCode)): \(output)" }
    }

    /// `volley serve --port 0 ARGUMENTS`, its standard error captured.
    public static func serve(_ arguments: [String], environment: [String: String] = [:], cpus: String? = nil) throws -> VolleyServer {
        try VolleyServer(["serve", "--port", "0"] + arguments, environment: environment, cpus: cpus)
    }

    /// `volley fixture --behaviour BEHAVIOUR --port 0`; its standard error stays the test's.
    public static func fixture(_ behaviour: String = "ok") throws -> VolleyServer {
        try VolleyServer(["fixture", "--behaviour", behaviour, "--port", "0"], captureErrors: false)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ signal: Int32 = SIGTERM) { kill(process.processIdentifier, signal) }

    /// Waits up to `seconds` for the exit; the exit code, or nil if still running.
    public func waitForExit(seconds: Double) -> Int32? {
        TestSupport.waitForExit(process, seconds: seconds)
    }

    /// Everything the child wrote to standard error; call it after the exit.
    public func errorText() -> String {
        guard let errors else { return "" }
        return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
