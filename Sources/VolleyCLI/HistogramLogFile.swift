import Foundation
import LoadGen
import Metrics

/// `--hlog FILE`: the interval log of a run, fed by the engine's per-second histograms.
final class HistogramLogFile: Sendable {
    private let writer: HistogramLogWriter

    init(target: OutputTarget, overwrite: Bool) throws {
        writer = HistogramLogWriter(handle: try target.openStream(overwrite: overwrite), path: target.argument,
                                    startTime: Date().timeIntervalSince1970,
                                    comment: "Logged with volley \(VolleyVersion.string); values in microseconds")
    }

    /// The engine's sink: one line per finished second.
    var sink: IntervalCollector.Sink {
        let writer = self.writer
        return { second, length, histogram in writer.write(start: Double(second), length: length, histogram: histogram) }
    }

    func close() { writer.close() }
}
