import Clocks
import Foundation
import Histogram

/// A segment result file as read for merging: where it came from and what it holds.
public struct SegmentFile: Sendable {
    public var path: String
    public var report: RunReport

    public init(path: String, report: RunReport) {
        self.path = path; self.report = report
    }
}

/// Why segment files cannot be merged into one result. Each case names the file at fault.
public enum MergeError: Error, Equatable, CustomStringConvertible {
    case noFiles
    /// A variant of the file has no `segment` record (not written with `--segment`).
    case notASegment(path: String, variant: String)
    /// The file's variants disagree about which segment it is.
    case inconsistentSegment(path: String)
    /// The file is of another run: a different segment count, variants, configuration or start instant.
    case differentRun(path: String, reference: String, what: String)
    /// Two files hold the same segment.
    case duplicateIndex(index: Int, count: Int, paths: [String])
    /// Segments of the run are missing (a pod that died writes nothing).
    case missing(indexes: [Int], count: Int, present: [String])
    /// The segment was interrupted before its duration was over.
    case incomplete(path: String, index: Int, elapsedSeconds: Double, plannedSeconds: Double)
    /// A histogram of the file cannot be decoded.
    case badHistogram(path: String, variant: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .noFiles:
            return "no segment files to merge"
        case .notASegment(let path, let variant):
            return "\(path): variant `\(variant)` is not a segment result (run it with --segment i/N or JOB_COMPLETION_INDEX)"
        case .inconsistentSegment(let path):
            return "\(path): its variants carry different segment ids"
        case .differentRun(let path, let reference, let what):
            return "\(path): not the same run as \(reference): \(what)"
        case .duplicateIndex(let index, let count, let paths):
            return "segment \(index)/\(count) is given twice: \(paths.joined(separator: " and "))"
        case .missing(let indexes, let count, let present):
            let names = indexes.map { "\($0)/\(count)" }.joined(separator: ", ")
            return "segment\(indexes.count == 1 ? "" : "s") \(names) missing (a pod that died writes no result); got \(present.count) of \(count): \(present.joined(separator: ", "))"
        case .incomplete(let path, let index, let elapsed, let planned):
            return "\(path): segment \(index) was interrupted after \(String(format: "%.3f", elapsed)) s of \(String(format: "%g", planned)) s; it does not cover the run"
        case .badHistogram(let path, let variant, let field, let reason):
            return "\(path): variant `\(variant)`: \(field): \(reason)"
        }
    }
}

/// Merges the result files of the N segments of one run into the result one generator doing the
/// whole run would have written: histograms added bucket by bucket (so every percentile is the
/// percentile of the added histograms, not an average of percentiles), counters summed, and the
/// per-second series aligned on the wall clock. Pure: no files, no sockets.
public enum RunMerge {
    /// The merged report, or why the files are not the complete set of one run's segments.
    public static func merge(_ files: [SegmentFile], createdAt: Date = Date(), command: [String]? = nil) throws(MergeError) -> RunReport {
        guard let first = files.first else { throw .noFiles }
        let ids = try files.map { file throws(MergeError) in try segmentID(file) }
        let reference = ids[0]
        for (file, id) in zip(files, ids) {
            try checkSameRun(file, as: first, id: id, referenceID: reference)
        }
        // Every index once.
        var byIndex: [Int: String] = [:]
        for (file, id) in zip(files, ids) {
            if let other = byIndex[id.index] { throw .duplicateIndex(index: id.index, count: id.count, paths: [other, file.path]) }
            byIndex[id.index] = file.path
        }
        let missing = (0..<reference.count).filter { byIndex[$0] == nil }
        if !missing.isEmpty { throw .missing(indexes: missing, count: reference.count, present: files.map(\.path)) }
        for file in files {
            for variant in file.report.variants where variant.segment?.completed == false {
                throw .incomplete(path: file.path, index: variant.segment!.index,
                                  elapsedSeconds: Double(variant.segment!.elapsedMicros) / 1e6,
                                  plannedSeconds: variant.configuration.durationSeconds)
            }
        }
        let ordered = zip(files, ids).sorted { $0.1.index < $1.1.index }.map(\.0)

        var variants: [VariantResult] = []
        for (v, variant) in first.report.variants.enumerated() {
            variants.append(try mergeVariant(ordered.map { ($0.path, $0.report.variants[v]) }, name: variant.name))
        }
        var notes = first.report.notes ?? []
        let hosts = Array(Set(ordered.map(\.report.host.hostname))).sorted()
        notes.append("merged from \(ordered.count) segments: " + ordered.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", "))
        if hosts.count > 1 { notes.append("generator hosts: \(hosts.joined(separator: ", ")) (host below is segment 0's)") }
        return RunReport(tool: first.report.tool, host: first.report.host, createdAt: UTCTime.format(createdAt),
                         command: command, scenario: first.report.scenario, variants: variants, notes: notes)
    }

    private struct SegmentID: Equatable {
        var index: Int
        var count: Int
        var startAt: UInt64?
    }

    private static func segmentID(_ file: SegmentFile) throws(MergeError) -> SegmentID {
        var id: SegmentID?
        for variant in file.report.variants {
            guard let s = variant.segment else { throw .notASegment(path: file.path, variant: variant.name) }
            let this = SegmentID(index: s.index, count: s.count, startAt: s.startAtEpochMillis)
            if let id, id != this { throw .inconsistentSegment(path: file.path) }
            id = this
        }
        guard let id else { throw .notASegment(path: file.path, variant: "(none)") }
        return id
    }

    private static func checkSameRun(_ file: SegmentFile, as first: SegmentFile, id: SegmentID, referenceID: SegmentID) throws(MergeError) {
        func differ(_ what: String) -> MergeError { .differentRun(path: file.path, reference: first.path, what: what) }
        if id.count != referenceID.count { throw differ("it is one of \(id.count) segments, not \(referenceID.count)") }
        if file.report.scenario != first.report.scenario { throw differ("another scenario") }
        let names = file.report.variants.map(\.name), referenceNames = first.report.variants.map(\.name)
        if names != referenceNames { throw differ("variants \(names) instead of \(referenceNames)") }
        for (mine, theirs) in zip(file.report.variants, first.report.variants) {
            // Threads are each generator's own choice (and fewer when it has fewer connections).
            var a = mine.configuration, b = theirs.configuration
            a.threads = 0; b.threads = 0
            if a != b { throw differ("variant `\(mine.name)` has another configuration (\(difference(a, b)))") }
        }
        if id.startAt != referenceID.startAt { throw differ("another --start-at instant") }
    }

    /// The first field two configurations differ in, for the message.
    private static func difference(_ a: RunConfiguration, _ b: RunConfiguration) -> String {
        let pairs: [(String, String, String)] = [
            ("url", a.url, b.url), ("method", a.method, b.method), ("connections", "\(a.connections)", "\(b.connections)"),
            ("duration", "\(a.durationSeconds)s", "\(b.durationSeconds)s"), ("timeout", "\(a.timeoutSeconds)s", "\(b.timeoutSeconds)s"),
            ("pipeline", "\(a.pipeline)", "\(b.pipeline)"), ("headers", "\(a.headers)", "\(b.headers)"),
            ("body", "\(a.bodyBytes) bytes", "\(b.bodyBytes) bytes"),
            ("rate", a.rate.map { "\($0)" } ?? "none", b.rate.map { "\($0)" } ?? "none"),
            ("rate end", a.rateEnd.map { "\($0)" } ?? "none", b.rateEnd.map { "\($0)" } ?? "none"),
        ]
        return pairs.first { $0.1 != $0.2 }.map { "\($0.0) \($0.1) instead of \($0.2)" } ?? "fields differ"
    }

    /// One variant from every segment (in index order) into one.
    private static func mergeVariant(_ parts: [(path: String, variant: VariantResult)], name: String) throws(MergeError) -> VariantResult {
        let records = parts.map { $0.variant.segment! }
        let origin = records.map(\.startEpochMicros).min()!
        var merged = LoadMeasurement()
        // Each merged second's encoded histograms; decoded and added one second at a time, so a
        // long run never holds more than one second's histogram decoded.
        var seconds: [Int: [(path: String, histogram: PortableHistogram)]] = [:]
        var endMicros: UInt64 = 0
        var threadNumber = 0
        var notes: [String] = []
        var profiles: [String] = []
        for (path, variant) in parts {
            let s = variant.segment!
            func decode(_ h: PortableHistogram, _ field: String) throws(MergeError) -> Histogram<UInt64> {
                do { return try h.decode() } catch {
                    throw .badHistogram(path: path, variant: name, field: field, reason: "\(error)")
                }
            }
            let offsetMicros = s.startEpochMicros - origin
            // A slice covering [offset + k, offset + k + 1) s goes to the merged second holding its middle.
            let shift = Int((offsetMicros + 500_000) / 1_000_000)
            endMicros = max(endMicros, offsetMicros + s.elapsedMicros)
            var m = LoadMeasurement(elapsedNanoseconds: 0)
            let summary = variant.summary
            m.requests = summary.requests
            m.bytesRead = summary.bytesRead
            m.bytesWritten = summary.bytesWritten
            m.errors = summary.errors
            m.reconnects = summary.reconnects
            let c = summary.statusClasses
            m.statusClasses = [c.other, c.informational, c.success, c.redirection, c.clientError, c.serverError]
            m.latency = try decode(s.latency, "segment.latency")
            m.requestRate = try decode(s.requestRate, "segment.requestRate")
            if let h = s.uncorrectedLatency { m.uncorrectedLatency = try decode(h, "segment.uncorrectedLatency") }
            if let h = s.scheduleLag { m.scheduleLag = try decode(h, "segment.scheduleLag") }
            if let h = s.loopLag { m.loopLag = try decode(h, "segment.loopLag") }
            m.askedRequests = s.askedRequests
            for var thread in variant.generator?.threads ?? [] {
                thread.thread = threadNumber
                threadNumber += 1
                m.threads.append(thread)
            }
            m.perSecond = variant.perSecond.map { SecondSlice(second: $0.second + shift, requests: $0.requests, errors: $0.errors) }
            merged.merge(m)
            for interval in s.intervals where interval.latency.totalCount > 0 {
                seconds[interval.second + shift, default: []].append((path, interval.latency))
            }
            if let late = s.lateSeconds {
                notes.append("segment \(s.index) started \(String(format: "%.3f", late)) s after --start-at and ran its whole duration from then")
            }
            for note in variant.notes ?? [] where !notes.contains(note) { notes.append(note) }
            for profile in variant.profiles ?? [] where !profiles.contains(profile) { profiles.append(profile) }
        }
        merged.elapsedNanoseconds = endMicros * 1000
        for (second, parts) in seconds.sorted(by: { $0.key < $1.key }) {
            var h = LoadMeasurement.makeLatencyHistogram()
            h.autoResize = true
            for part in parts {
                do { h.add(try part.histogram.decode()) } catch {
                    throw .badHistogram(path: part.path, variant: name, field: "segment.intervals", reason: "\(error)")
                }
            }
            while merged.perSecond.count <= second { merged.perSecond.append(SecondSlice(second: merged.perSecond.count)) }
            merged.perSecond[second].p50Micros = h.valueAtPercentile(50)
            merged.perSecond[second].p99Micros = h.valueAtPercentile(99)
            merged.perSecond[second].maxMicros = h.maxRecorded
        }
        var configuration = parts[0].variant.configuration
        configuration.threads = parts.reduce(0) { $0 + $1.variant.configuration.threads }
        var result = VariantResult(name: name, configuration: configuration, measurement: merged)
        notes.insert("\(parts.count) segments; threads is their sum", at: 0)
        result.notes = notes
        if !profiles.isEmpty { result.profiles = profiles }
        return result
    }
}
