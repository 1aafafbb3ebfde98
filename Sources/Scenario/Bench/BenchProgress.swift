import Foundation
import LoadGen
import Metrics

/// Tells a person how a bench session is going. On a terminal one status line is redrawn
/// about every second (variant i of n, phase, elapsed, current requests/sec, errors);
/// otherwise plain lines are printed at the start and end of each phase, and every 10 s in
/// between, fit for CI logs.
public final class BenchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let terminal: Bool
    private var label = ""
    private var phaseName = ""
    private var phaseLength: Double = 0
    private var last = LiveProgress(elapsedNanos: 0)
    private var lastPlainLine: UInt64 = 0

    /// `write` receives text to print as is; `terminal` chooses redrawn status lines.
    public init(terminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.terminal = terminal
        self.write = write
    }

    /// Progress to standard output, redrawn when it is a terminal.
    public static func standardOutput() -> BenchProgress {
        BenchProgress(terminal: isatty(STDOUT_FILENO) == 1) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// Prints a line as it is (clearing a status line first on a terminal).
    public func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        emitLine(text)
    }

    private func emitLine(_ text: String) {
        write((terminal ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    public func variantStarted(_ name: String, index: Int, count: Int) {
        lock.lock(); defer { lock.unlock() }
        label = "[\(index + 1)/\(count)] \(name)"
        if !terminal { emitLine("\(label): starting") }
    }

    /// A phase of a variant (warm-up, load) began and lasts `nanos`.
    public func phase(_ name: String, nanos: UInt64) {
        lock.lock(); defer { lock.unlock() }
        phaseName = name; phaseLength = Double(nanos) / 1e9
        last = LiveProgress(elapsedNanos: 0); lastPlainLine = 0
        if terminal { write("\r\u{1B}[2K\(label)  \(phaseName) 0s/\(Quantity.trim(phaseLength))s") }
        else { emitLine("\(label): \(name) \(Quantity.formatDuration(nanos))") }
    }

    /// The engine's totals so far in the current phase (about once a second).
    public func live(_ now: LiveProgress) {
        lock.lock(); defer { lock.unlock() }
        let seconds = Double(now.elapsedNanos - min(last.elapsedNanos, now.elapsedNanos)) / 1e9
        let rate = seconds > 0 ? Double(now.requests &- min(last.requests, now.requests)) / seconds : 0
        last = now
        let elapsed = String(format: "%.0f", min(Double(now.elapsedNanos) / 1e9, phaseLength))
        let status = "\(phaseName) \(elapsed)s/\(Quantity.trim(phaseLength))s  \(Quantity.formatRate(rate)) req/s  \(now.errors) errors"
        if terminal {
            write("\r\u{1B}[2K\(label)  \(status)")
        } else if now.elapsedNanos >= lastPlainLine + 10_000_000_000 {
            lastPlainLine = now.elapsedNanos
            emitLine("\(label): \(status)")
        }
    }

    public func variantFinished(_ result: VariantResult) {
        line("\(label): \(Self.figures(result))")
    }

    /// A paired bench's variant: the new build's figures beside the baseline's.
    public func variantFinished(_ result: VariantResult, baseline: VariantResult) {
        line("\(label): new \(Self.figures(result)); baseline \(Self.figures(baseline)) (\(result.repeats?.count ?? 1) slot pairs)")
    }

    /// `12345 req/s, p99 1.2ms, 0 errors`.
    static func figures(_ result: VariantResult) -> String {
        let s = result.summary
        return "\(String(format: "%.0f", s.requestsPerSecond)) req/s, p99 \(Quantity.formatMicros(Threshold.figure(.percentile(99), in: result))), \(s.errors.total) errors"
    }

    public func variantFailed(_ message: String) {
        line("\(label): failed: \(message)")
    }
}
