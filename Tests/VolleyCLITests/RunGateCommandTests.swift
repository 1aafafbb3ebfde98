import Foundation
import TestSupport
import Testing

/// `volley run` as a CI gate, against real `volley fixture` processes.
@Suite(.serialized) struct RunGateCommandTests {
    /// A server answering only 500s fails the default gate: exit 1, and the message says all responses were errors.
    @Test func onlyErrorStatusesFail() throws {
        let server = try VolleyServer.fixture("status:500")
        let result = try runVolley(["-t1", "-c2", "-d500ms", server.url])
        #expect(result.code == 1)
        #expect(result.err.contains("no request succeeded"))
        #expect(result.err.contains("error status") && result.err.contains("5xx"))
        // An explicit bound says the same with the measured rate.
        let bounded = try runVolley(["-t1", "-c2", "-d500ms", "--max-error-rate", "1%", server.url])
        #expect(bounded.code == 1)
        #expect(bounded.out.contains("FAIL  run  error_rate <= 1%  (error_rate = 100.00%)"))
    }

    /// A server that never answers: every request times out, exit 1 naming the timeouts.
    @Test func allTimeoutsFail() throws {
        let server = try VolleyServer.fixture("silent")
        let result = try runVolley(["-t1", "-c2", "-d1s", "--timeout", "200ms", server.url])
        #expect(result.code == 1)
        #expect(result.err.contains("no request succeeded") && result.err.contains("timed out"))
    }

    /// A server closing every connection unanswered: exit 1 naming the closed connections.
    @Test func droppedConnectionsFail() throws {
        let server = try VolleyServer.fixture("drop:0")
        let result = try runVolley(["-t1", "-c2", "-d500ms", server.url])
        #expect(result.code == 1)
        #expect(result.err.contains("no request succeeded") && result.err.contains("closed"))
    }

    /// Thresholds pass and fail on a healthy server; the verdict lines are printed and decide the exit code.
    @Test func thresholdsDecideExitCode() throws {
        let server = try VolleyServer.fixture("precise:2000")
        let pass = try runVolley(["-t1", "-c2", "-d500ms", "--threshold", "p50>1ms", "--threshold", "p99 < 1s",
                                  "--max-error-rate", "1%", server.url])
        #expect(pass.code == 0)
        #expect(pass.out.contains("PASS  run  p50>1ms"))
        #expect(pass.out.contains("PASS  run  p99 < 1s"))
        let fail = try runVolley(["-t1", "-c2", "-d500ms", "--threshold", "p99<1ms", server.url])
        #expect(fail.code == 1)
        #expect(fail.out.contains("FAIL  run  p99<1ms"))
    }

    /// The hidden slowdown flag of `serve` (used to test the gate) refuses a value that is not a duration.
    @Test func debugWorkFlagIsValidated() throws {
        let result = try runVolley(["serve", "--port", "0", "--debug-work-per-request", "soon"])
        #expect(result.code == 2)
        #expect(result.err.contains("--debug-work-per-request"))
    }

    /// A malformed threshold or error rate is bad usage (exit 2) before any load is sent.
    @Test(arguments: [(["--threshold", "p99 50ms"], "no comparison"), (["--max-error-rate", "lots"], "max-error-rate")])
    func badGateFlags(flags: [String], mentions: String) throws {
        let result = try runVolley(flags + ["-d200ms", "http://127.0.0.1:1/"])
        #expect(result.code == 2)
        #expect(result.err.contains(mentions))
    }
}
