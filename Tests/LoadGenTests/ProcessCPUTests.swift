import Foundation
import Metrics
import Testing
@testable import LoadGen

/// A real stat line's shape (proc(5)): pid, (name), state, ppid … utime stime … starttime …
private func statLine(pid: Int = 1234, name: String, parent: Int = 1, user: Int = 250, system: Int = 40, start: Int = 987_654) -> String {
    "\(pid) (\(name)) S \(parent) 1234 1234 0 -1 4194560 1181 0 0 0 \(user) \(system) 0 0 20 0 3 0 \(start) 23531520 1512 "
        + "18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
}

private func parse(_ text: String) -> ProcessStat? {
    Array(text.utf8).withUnsafeBytes { ProcessStat.parse($0) }
}

@Suite struct ProcessStatTests {
    /// Command names with spaces and parentheses do not shift the fields after them: they are
    /// counted from the last `)` of the line.
    @Test(arguments: ["volley", "my (odd) app", "a) S 9 (b", "(", ")", "x y z", "))"])
    func nameMayHoldAnything(name: String) throws {
        let stat = try #require(parse(statLine(pid: 4321, name: name, parent: 77, user: 1500, system: 321, start: 424_242)))
        #expect(stat == ProcessStat(pid: 4321, parent: 77, userTicks: 1500, systemTicks: 321, startTicks: 424_242))
        #expect(stat.cpuTicks == 1821)
    }

    /// Every line cut short before the start time is ended (its separator read) is refused, byte by byte:
    /// a short read never passes for a line with different figures.
    @Test func truncatedLinesAreRefused() throws {
        let text = statLine(name: "my (odd) app")
        let bytes = Array(text.utf8)
        let field = try #require(text.range(of: " 987654 "))
        let startEnds = text.utf8.distance(from: text.startIndex, to: field.upperBound)
        for length in 0..<bytes.count {
            let stat = bytes[0..<length].withUnsafeBytes { ProcessStat.parse($0) }
            if length < startEnds {
                #expect(stat == nil, "prefix of \(length) bytes parsed")
            } else {
                #expect(stat?.startTicks == 987_654, "prefix of \(length) bytes")
            }
        }
    }

    /// Lines that are not stat lines: no name in parentheses, no pid, a figure that is not a number.
    @Test(arguments: [
        "",
        "1234 volley S 1 2 3\n",
        "(volley) S 1\n",
        "12a4 (volley) S 1\n",
        statLine(name: "v").replacingOccurrences(of: " 250 40 ", with: " 2x0 40 "),
        statLine(name: "v").replacingOccurrences(of: " 250 40 ", with: " 250 -40 "),
        "99999999999 (v) S 1\n",
    ])
    func notAStatLine(text: String) {
        #expect(parse(text) == nil)
    }

    /// This test process's own stat file parses to its pid and parent.
    @Test func ownStatFile() throws {
        let data = try #require(FileManager.default.contents(atPath: "/proc/self/stat"))
        let stat = try #require(data.withUnsafeBytes { ProcessStat.parse($0) })
        #expect(stat.pid == getpid())
        #expect(stat.parent == getppid())
        #expect(stat.startTicks > 0)
    }
}

@Suite struct CPUTraceTests {
    /// Readings on the slice boundaries give each slice's CPU exactly; readings off them are
    /// interpolated, and the last, partial slice is divided by its true length.
    @Test func slicesFromReadings() {
        // Generator: 50 ms of CPU in each 100 ms (50%); server: a whole core until 150 ms, then idle.
        let trace = CPUTrace(readings: [
            .init(offsetNanos: 0, userMicros: 1_000_000, systemMicros: 0, serverNanos: 0),
            .init(offsetNanos: 100_000_000, userMicros: 1_040_000, systemMicros: 10_000, serverNanos: 100_000_000),
            .init(offsetNanos: 150_000_000, userMicros: 1_060_000, systemMicros: 15_000, serverNanos: 150_000_000),
            .init(offsetNanos: 250_000_000, userMicros: 1_100_000, systemMicros: 25_000, serverNanos: 150_000_000),
            .init(offsetNanos: 310_000_000, userMicros: 1_130_000, systemMicros: 25_000, serverNanos: 150_000_000),
        ])
        var m = LoadMeasurement(elapsedNanoseconds: 250_000_000)
        m.requests = 1000
        m.timeline = Timeline(sliceMillis: 100, slices: (0..<3).map { TimeSlice(slice: $0) })
        m.perSecond = [SecondSlice(second: 0)]
        trace.fill(&m, serverProcesses: 2)
        #expect(m.timeline?.slices.map(\.generatorCpuPercent) == [50, 50, 50])
        #expect(m.timeline?.slices.map(\.serverCpuPercent) == [100, 50, 0])
        #expect(m.perSecond[0].generatorCpuPercent == 50)
        #expect(m.perSecond[0].serverCpuPercent == 60)
        #expect(m.cpu == ProcessCPU(generatorUserSeconds: 0.1, generatorSystemSeconds: 0.025, serverSeconds: 0.15, serverProcesses: 2))
    }

    /// Without a watched server there is no server figure, and the totals reach the result as the generator's CPU per request.
    @Test func generatorOnlyReachesTheResult() throws {
        let trace = CPUTrace(readings: [
            .init(offsetNanos: 0, userMicros: 0, systemMicros: 0, serverNanos: nil),
            .init(offsetNanos: 1_000_000_000, userMicros: 300_000, systemMicros: 100_000, serverNanos: nil),
        ])
        var m = LoadMeasurement(elapsedNanoseconds: 1_000_000_000)
        m.requests = 4000
        m.perSecond = [SecondSlice(second: 0, requests: 4000)]
        m.loopLag = LoadMeasurement.makeLatencyHistogram()
        trace.fill(&m, serverProcesses: nil)
        #expect(m.perSecond[0].generatorCpuPercent == 40 && m.perSecond[0].serverCpuPercent == nil)
        let result = VariantResult(name: "run", configuration: RunConfiguration(url: "http://127.0.0.1/", threads: 1, connections: 1, durationSeconds: 1),
                                   measurement: m)
        #expect(result.server == nil)
        let generator = try #require(result.generator)
        #expect(abs((generator.cpuMicrosPerRequest ?? 0) - 100) < 1e-9)
        #expect(generator.userSeconds == 0.3 && generator.systemSeconds == 0.1)
    }
}

/// The processes whose parent is `parent`, from /proc.
private func children(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        return data.withUnsafeBytes { ProcessStat.parse($0) }?.parent == parent
    }
}

@Suite(.serialized) struct ProcessTreeCPUTests {
    /// The CPU of a process's descendants counts: a shell whose child spins is seen using CPU, and
    /// a pid that does not exist cannot be watched.
    @Test(.timeLimit(.minutes(1))) func descendantsCount() throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The child counts to a bound (a few seconds of CPU at most), so it ends by itself whatever happens to the test.
        shell.arguments = ["-c", "sh -c 'i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done' & wait"]
        try shell.run()
        var spinner: [Int32] = []
        defer {
            for pid in spinner { kill(pid, SIGKILL) }
            kill(shell.processIdentifier, SIGKILL)
            shell.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(10)
        while spinner.isEmpty && Date() < deadline {
            spinner = children(of: shell.processIdentifier)
            if spinner.isEmpty { usleep(5_000) }
        }
        try #require(!spinner.isEmpty, "the shell started no child")
        let watched = try #require(ProcessTreeCPU(root: shell.processIdentifier))
        #expect(watched.processCount == 2)
        // 30 ms of CPU is three clock ticks; the spinning child gets there in well under a second.
        var used: UInt64 = 0
        while Date() < deadline && used < 30_000_000 {
            usleep(10_000)
            used = watched.cpuNanos()
        }
        #expect(used >= 30_000_000, "the tree used \(used) ns")
        #expect(ProcessTreeCPU(root: Int32.max) == nil)
    }
}
