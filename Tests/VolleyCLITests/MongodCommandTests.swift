import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(1))) struct MongodCommandTests {
    /// `volley mongod --port 0 --seed --latency 500us` (sub-millisecond) prints its URI, serves pymongo the seeded data, and exits 0 on SIGTERM.
    @Test func servesSeedAndStopsOnSignal() throws {
        let process = Process()
        process.executableURL = volleyBinary()
        process.arguments = ["mongod", "--port", "0", "--seed", "--latency", "500us"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        var line = Data()
        while !line.contains(10) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.hasPrefix("listening on mongodb://127.0.0.1:"))
        let port = try #require(text.split(separator: ":").last.flatMap { Int($0) })

        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", """
            import sys, pymongo
            c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), serverSelectionTimeoutMS=3000)
            print(c.test.greetings.find_one()["pycon"], c.hello_world.world.count_documents({}), c.hello_world.world.find_one({"_id": 7})["id"])
            """, String(port)]
        let answer = Pipe()
        python.standardOutput = answer
        try python.run()
        defer { if python.isRunning { kill(python.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(20)
        while python.isRunning, Date() < deadline { usleep(10_000) }
        let printed = String(decoding: answer.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "Hello, Pycon! 10000 7")

        kill(process.processIdentifier, SIGTERM)
        let stopBy = Date().addingTimeInterval(5)
        while process.isRunning, Date() < stopBy { usleep(10_000) }
        #expect(!process.isRunning)
        if !process.isRunning { #expect(process.terminationStatus == 0) }
    }

    /// Bad --latency and a non-loopback host are usage errors (exit 2).
    @Test(arguments: [["mongod", "--latency", "11s"], ["mongod", "--latency", "soon"], ["mongod", "--host", "10.1.2.3"]])
    func rejectsBadOptions(_ arguments: [String]) throws {
        let result = try runVolley(arguments, timeout: 10)
        #expect(result.code == 2)
        #expect(result.err.contains("volley:"))
    }
}
