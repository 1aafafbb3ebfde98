import Foundation
import Metrics

/// Tells a person how a bench session is going. On a terminal one status line is redrawn
/// every second (variant i of n, phase, elapsed); otherwise plain lines are printed at the
/// start and end of each variant, fit for CI logs.
public final class BenchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let terminal: Bool
    private var label = ""
    private var phaseName = ""
    private var phaseStart = Date()
    private var phaseLength: Double = 0
    private var ticker: Thread?
    private var ticking = false

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
        write((terminal ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    public func variantStarted(_ name: String, index: Int, count: Int) {
        lock.lock()
        label = "[\(index + 1)/\(count)] \(name)"
        lock.unlock()
        if terminal { startTicker() } else { line("\(label): starting") }
    }

    /// A phase of a variant (warm-up, load) began and lasts `nanos`.
    public func phase(_ name: String, nanos: UInt64) {
        lock.lock()
        phaseName = name; phaseStart = Date(); phaseLength = Double(nanos) / 1e9
        lock.unlock()
        if !terminal { line("\(label): \(name) \(Quantity.formatDuration(nanos))") }
        else { redraw() }
    }

    public func variantFinished(_ result: VariantResult) {
        stopTicker()
        let s = result.summary
        line("\(label): \(String(format: "%.0f", s.requestsPerSecond)) req/s, p99 \(Quantity.formatMicros(Threshold.figure(.percentile(99), in: result))), \(s.errors.total) errors")
    }

    public func variantFailed(_ message: String) {
        stopTicker()
        line("\(label): failed: \(message)")
    }

    private func redraw() {
        lock.lock(); defer { lock.unlock() }
        let elapsed = min(Date().timeIntervalSince(phaseStart), phaseLength)
        write("\r\u{1B}[2K\(label)  \(phaseName) \(String(format: "%.0f", elapsed))s/\(Quantity.trim(phaseLength))s")
    }

    private func startTicker() {
        lock.lock()
        ticking = true
        lock.unlock()
        let thread = Thread { [weak self] in
            while let self, self.isTicking {
                self.redraw()
                Thread.sleep(forTimeInterval: 1)
            }
        }
        ticker = thread
        thread.start()
    }

    private var isTicking: Bool { lock.lock(); defer { lock.unlock() }; return ticking }

    private func stopTicker() {
        lock.lock(); ticking = false; lock.unlock()
        ticker = nil
    }
}
