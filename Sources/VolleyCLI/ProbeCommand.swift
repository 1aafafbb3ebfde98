import ArgumentParser
import Foundation
import HTTP1
import LoadGen
import Metrics
import Reports

/// `volley probe`: finds the highest constant rate whose p99 stays under a bound.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Find the highest request rate whose p99 latency stays under a bound (doubling, then bisection).",
        discussion: """
        Each step is a short constant-rate run (-R) with latency corrected for coordinated omission. A step
        passes when its p99 is within the bound, it achieved at least 90% of the asked rate and at most 0.1%
        of its requests failed. Example: volley probe --p99 10ms -t2 -c50 http://127.0.0.1:8080/
        Exit codes: 0 a passing rate was found, 1 no rate met the bound, 2 bad usage or unreachable target, 130/143 SIGINT/SIGTERM.
        """
    )

    @Option(name: .long, help: "The p99 latency bound, e.g. 10ms, 500us.")
    var p99: String

    @OptionGroup var load: LoadFlags<ProbeDefaults>

    @Option(name: .long, help: "Duration of each step, e.g. 3s.")
    var stepDuration: String = "3s"

    @Option(name: .long, help: "First rate tried (requests/sec).")
    var startRate: String = "100"

    @Option(name: .long, help: "Highest rate tried (requests/sec).")
    var maxRate: String = "1M"

    @Option(name: .long, help: "Stop bisecting when the bracket is within this fraction, e.g. 5%.")
    var precision: String = "5%"

    @Argument(help: "Target URL (http:// or https://).")
    var url: String

    func run() throws {
        let bound = try QuantityFlag.duration(p99, flag: "--p99", minimum: 1000, examples: "10ms, 500us")
        let step = try QuantityFlag.duration(stepDuration, flag: "--step-duration", minimum: 100_000_000, examples: "3s")
        let start = try QuantityFlag.rate(startRate, flag: "--start-rate")
        let max = try QuantityFlag.rate(maxRate, flag: "--max-rate")
        guard max >= start else { throw usageError("invalid --max-rate '\(maxRate)' (a rate at least --start-rate)") }
        let percent = try QuantityFlag.percent(precision, flag: "--precision") * 100
        guard percent > 0, percent < 100 else { throw usageError("invalid --precision '\(precision)' (more than 0%, less than 100%, e.g. 5%)") }
        let base = try load.options(url: url, durationNanos: step)
        do { try LoadRunner(options: base).checkReachable() } catch { throw usageError(error.description) }

        let search = ProbeSearch(p99BoundMicros: bound / 1000, startRate: start, maxRate: max,
                                 precision: percent / 100)
        print("Probing \(base.configuration.url) for the highest rate with p99 <= \(Self.time(bound / 1000))")
        print("  \(base.effectiveThreads) threads and \(load.connections) connections, \(stepDuration) steps")
        print(Self.row("asked/s", "achieved/s", "p50", "p99", "errors", "verdict"))
        fflush(nil)
        let signals = ProcessStop()
        defer { signals.finish() }
        let done: ProbeSearch
        do {
            done = try Prober.run(base: base, stepNanos: step, search: search, stop: signals.token) { step in
                print(Self.row(String(format: "%.0f", step.askedRate), String(format: "%.1f", step.achievedRate),
                               Self.time(step.p50Micros), Self.time(step.p99Micros), "\(step.errors)",
                               step.passed ? "ok" : (step.generatorBound ? "FAIL (generator-bound)" : "FAIL")))
                fflush(nil)
            }
        } catch { throw usageError(error.description) }
        if let code = signals.exitCode {
            print("Interrupted: the search stopped after \(done.steps.count) step(s)"
                  + (done.best.map { "; highest passing rate so far \(String(format: "%.0f", $0.askedRate)) req/s" } ?? ""))
            throw CommandExit(code)
        }
        if done.stoppedByGenerator {
            print("Warning: the load generator, not the server, limited a step; use more threads (-t). The search stopped there.")
        }
        guard let best = done.best else {
            print("No rate tried kept p99 <= \(Self.time(bound / 1000)) (lowest tried: \(String(format: "%.0f", done.steps.map(\.askedRate).min() ?? 0)) req/s).")
            throw CommandExit(ExitStatus.failed)
        }
        let capped = done.steps.allSatisfy(\.passed) && best.askedRate >= max
        print("Highest rate with p99 <= \(Self.time(bound / 1000)): \(String(format: "%.0f", best.askedRate)) req/s"
              + " (p99 \(Self.time(best.p99Micros)))" + (capped ? ", the --max-rate; the server may do more" : ""))
    }

    static func time(_ micros: UInt64) -> String { WrkTextPrinter.formatTimeMicros(Double(micros)) }

    static func row(_ a: String, _ b: String, _ c: String, _ d: String, _ e: String, _ f: String) -> String {
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: Swift.max(0, w - s.count)) + s }
        return pad(a, 10) + pad(b, 12) + pad(c, 10) + pad(d, 10) + pad(e, 8) + "  " + f
    }
}

/// `probe`'s defaults for the shared load flags: enough connections for a step to reach a high rate.
enum ProbeDefaults: LoadFlagDefaults {
    static let connections = 50
}
