import Foundation
import TestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(1))) struct MongodCommandTests {
    /// `volley mongod --port 0 --seed --latency 500us` (sub-millisecond) prints its URI, serves pymongo the seeded data, and exits 0 on SIGTERM.
    @Test func servesSeedAndStopsOnSignal() throws {
        let server = try VolleyServer(["mongod", "--port", "0", "--seed", "--latency", "500us"], captureErrors: false)
        let text = server.firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
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
        _ = waitForExit(python, seconds: 20)
        let printed = String(decoding: answer.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "Hello, Pycon! 10000 7")

        server.signal(SIGTERM)
        let code = server.waitForExit(seconds: 5)
        #expect(code != nil)
        if let code { #expect(code == 0) }
    }

    /// Bad --latency and a non-loopback host are usage errors (exit 2).
    @Test(arguments: [["mongod", "--latency", "11s"], ["mongod", "--latency", "soon"], ["mongod", "--host", "10.1.2.3"]])
    func rejectsBadOptions(_ arguments: [String]) throws {
        let result = try runVolley(arguments, timeout: 10)
        #expect(result.code == 2)
        #expect(result.err.contains("volley:"))
    }
}
