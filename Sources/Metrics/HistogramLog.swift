import Foundation
import Histogram

/// An HdrHistogram interval log (`.hlog`), the text HdrHistogram's `HistogramLogWriter`
/// writes and `HistogramLogProcessor` and the plotters read:
///
/// ```
/// #[Histogram log format version 1.3]
/// #[StartTime: 1795461204.000 (seconds since epoch), Mon Nov 23 19:13:24 UTC 2026]
/// #[BaseTime: 1795461204.000 (seconds since epoch)]
/// "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
/// 0.000,1.000,2.105,HISTFAAAAC…
/// ```
///
/// Timestamps are seconds after the start; histogram values are microseconds, and the
/// interval maximum is printed in milliseconds (a unit ratio of 1000).
public enum HistogramLog {
    /// The header lines, for a log starting at `startTime` (seconds since the epoch).
    public static func header(startTime: Double, comment: String? = nil) -> String {
        var out = ""
        if let comment { out += "#[\(comment)]\n" }
        out += "#[Histogram log format version 1.3]\n"
        out += String(format: "#[StartTime: %.3f (seconds since epoch), %@]\n", startTime, humanDate(startTime))
        out += String(format: "#[BaseTime: %.3f (seconds since epoch)]\n", startTime)
        out += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
        return out
    }

    /// One interval line.
    public static func line(start: Double, length: Double, histogram: Histogram<UInt64>, maxValueUnitRatio: Double = 1000) -> String {
        let encoded = Data(HistogramCodec.encodeCompressed(histogram)).base64EncodedString()
        // Java's getMaxValue(): the highest value equivalent to the recorded maximum.
        let max = histogram.maxRecorded == 0 ? 0 : histogram.highestEquivalentForValue(histogram.maxRecorded)
        return String(format: "%.3f,%.3f,%.3f,", start, length, Double(max) / maxValueUnitRatio) + encoded + "\n"
    }

    /// One interval of a log read back.
    public struct Interval: Sendable {
        public var start: Double
        public var length: Double
        public var max: Double
        public var histogram: Histogram<UInt64>
    }

    /// Parses the interval lines of a log (comments and the legend are skipped).
    public static func parse(_ text: String) throws -> [Interval] {
        var out: [Interval] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("\"") {
            let fields = line.split(separator: ",")
            guard fields.count == 4, let start = Double(fields[0]), let length = Double(fields[1]),
                  let max = Double(fields[2]) else { throw HistogramCodec.DecodeError.badLayout("bad line: \(line)") }
            out.append(Interval(start: start, length: length, max: max,
                                histogram: try HistogramCodec.decode(base64: String(fields[3]))))
        }
        return out
    }

    private static func humanDate(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %d %H:%M:%S UTC %Y", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes an interval log as a run goes, one line per second (a small buffered write from
/// whichever load thread completes the second). Thread-safe through its caller's lock.
public final class HistogramLogWriter: @unchecked Sendable {
    private let handle: FileHandle
    public let path: String

    /// Creates (or with `overwrite`, truncates) the file and writes the header.
    public init(path: String, startTime: Double, overwrite: Bool, comment: String? = nil) throws {
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ResultFileError.alreadyExists(path: path)
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ResultFileError.writeFailed(path: path, reason: "cannot create the file")
        }
        self.handle = handle
        self.path = path
        try? handle.write(contentsOf: Data(HistogramLog.header(startTime: startTime, comment: comment).utf8))
    }

    /// Writes the log to an open handle (`OutputTarget.openStream`: a file, or standard output for `-`).
    public init(handle: FileHandle, path: String, startTime: Double, comment: String? = nil) {
        self.handle = handle
        self.path = path
        try? handle.write(contentsOf: Data(HistogramLog.header(startTime: startTime, comment: comment).utf8))
    }

    /// Appends one interval.
    public func write(start: Double, length: Double, histogram: Histogram<UInt64>) {
        // `try?`: a reader that went away (`--hlog - | head`) must not crash the run; the rest still gets written.
        try? handle.write(contentsOf: Data(HistogramLog.line(start: start, length: length, histogram: histogram).utf8))
    }

    public func close() { try? handle.close() }
}
