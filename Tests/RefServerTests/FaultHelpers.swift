// Helpers for the server fault tests: idle and slowloris peers in bulk, the server's own
// counters and memory, the file-descriptor limit.

import Foundation
@testable import RefServer
import Synchronization
import TestSupport

/// Raises the soft limit on open files to the hard limit (children inherit it); the new soft limit.
@discardableResult
func raiseOpenFileLimit() -> UInt64 {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return UInt64(limit.rlim_cur)
}

/// Opens `count` plain connections to 127.0.0.1:port that send nothing; their descriptors.
func openIdleConnections(_ count: Int, port: UInt16) -> [Int32] {
    var fds: [Int32] = []
    fds.reserveCapacity(count)
    for _ in 0..<count {
        guard let fd = connectToLoopback(port: port) else { break }
        fds.append(fd)
    }
    return fds
}

/// Closes descriptors; with `reset`, with SO_LINGER 0 so the peer sees a reset, not a FIN.
func closeAll(_ fds: [Int32], reset: Bool = false) {
    for fd in fds {
        if reset {
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        }
        close(fd)
    }
}

/// Slowloris peers: each connection sends a request head one byte every `everyMillis`,
/// never finishing it, from one thread, until stopped (or `maxMillis`, so it always ends).
final class Slowloris: @unchecked Sendable {
    let fds: [Int32]
    private let stopFlag = Atomic<Bool>(false)
    private let done = Atomic<Bool>(false)
    /// Bytes sent over all connections.
    let sent = Atomic<Int>(0)

    init(count: Int, port: UInt16, everyMillis: Int = 50, maxMillis: Int = 15_000) {
        fds = openIdleConnections(count, port: port)
        let fds = fds
        // A head that never ends: a request line, then one long field trickling in.
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8)
        let thread = Thread { [self] in
            var position = 0
            var alive = Array(repeating: true, count: fds.count)
            let deadline = Date().addingTimeInterval(Double(maxMillis) / 1000)
            while !stopFlag.load(ordering: .relaxed) && Date() < deadline && alive.contains(true) {
                var byte = position < head.count ? head[position] : UInt8(ascii: "z")
                for (k, fd) in fds.enumerated() where alive[k] {
                    if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) == 1 { sent.add(1, ordering: .relaxed) } else { alive[k] = false }
                }
                position += 1
                // The drip interval is the behaviour under test (a byte every `everyMillis`), not a wait.
                usleep(UInt32(everyMillis * 1000))
            }
            done.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Stops the dripping and closes the connections.
    func stop() {
        stopFlag.store(true, ordering: .relaxed)
        waitUntil(seconds: 2, pollEvery: 0.005) { done.load(ordering: .acquiring) }
        closeAll(fds)
    }

    deinit { if !done.load(ordering: .acquiring) { stop() } }
}

/// The server's `/debug/stats` as JSON, or nil.
func debugStats(port: UInt16) -> [String: Any]? {
    guard let client = try? TestClient(port: port) else { return nil }
    client.send(get("/debug/stats"))
    guard let response = client.readResponse() else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(body(response.bytes)))) as? [String: Any]
}

/// `openConnections` from the server's /debug/stats (the asking connection included), or nil.
func openConnections(port: UInt16) -> Int? {
    debugStats(port: port)?["openConnections"] as? Int
}

/// Polls until `openConnections` (the asking connection included) equals `expected`; the last value seen.
func waitForOpenConnections(port: UInt16, _ expected: Int, seconds: Double = 4) -> Int? {
    waitFor(expected, seconds: seconds) { openConnections(port: port) }
}

/// A field of /proc/PID/status in KiB (VmHWM: peak resident set; VmRSS: now).
func procStatusKiB(_ pid: Int32, _ field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
    return nil
}

/// A new connection to 127.0.0.1:port that has sent `bytes` (as far as the socket took them
/// without blocking); its descriptor.
func connectAndSend(_ bytes: [UInt8], port: UInt16) -> Int32? {
    guard let fd = openIdleConnections(1, port: port).first else { return nil }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if n <= 0 { break }
        offset += n
    }
    return fd
}

/// Restricts the calling thread (and threads it creates later) to one CPU. Glibc declares
/// sched_setaffinity only under _GNU_SOURCE, so it is looked up at run time.
func pinCurrentThread(toCPU cpu: Int) {
    typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else { return }
    let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
    var mask = [UInt64](repeating: 0, count: 16)   // cpu_set_t: 1,024 bits
    mask[cpu / 64] = 1 << UInt64(cpu % 64)
    _ = mask.withUnsafeBytes { setAffinity(0, $0.count, $0.baseAddress!) }
}

/// Idle connections held by a bash child (`/dev/tcp`), not by the test process: Foundation's
/// `Process.run` (swift-corelibs-foundation before PR #5472) over-reads a `dirent` while it
/// walks /proc/self/fd, and thousands of open descriptors in the test process make that (an
/// ASan report, rarely a crash) likely for any test spawning a child at the same time.
final class IdleHolder {
    let process = Process()
    private let input = Pipe()
    /// Connections the child opened.
    let count: Int

    init(_ count: Int, port: UInt16) throws {
        let script = """
            k=0
            for ((i = 0; i < $2; i++)); do exec {fd}<>/dev/tcp/127.0.0.1/$1 || break; k=$((k + 1)); done
            echo "ready $k"
            read -r _
            """
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, "idle-holder", String(port), String(count)]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = readFirstLine(from: output.fileHandleForReading)
        self.count = Int(text.split(separator: " ").last?.prefix { $0.isNumber } ?? "") ?? 0
    }

    /// Closes every connection (the child reads its end of input and exits).
    func stop() {
        try? input.fileHandleForWriting.close()
        if waitForExit(process, seconds: 3) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}
