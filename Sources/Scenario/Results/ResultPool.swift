import Foundation
import Metrics

/// Several result files of the same scenario pooled as repeats of one measurement: what
/// `volley compare` does with a folder. Lets CI alternate whole runs of the base and the
/// change (bench base, bench change, bench base, …), so a slow drift of a shared machine hits
/// both sides alike, and still compare them as two multi-repeat results.
public enum ResultPool {
    /// The result files of a folder (`*.json`, not recursive), oldest name first.
    public static func files(in directory: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw ResultFileError.unreadable(path: directory, reason: "cannot list the folder: \(error.localizedDescription)")
        }
        let paths = names.filter { $0.hasSuffix(".json") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
        guard !paths.isEmpty else { throw ResultFileError.unreadable(path: directory, reason: "no .json result file in the folder") }
        return paths
    }

    /// Loads a result file, or pools every result file of a folder.
    public static func load(_ path: String) throws -> RunReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return try RunReport.load(from: path)
        }
        return pool(try files(in: path).map { try RunReport.load(from: $0) })
    }

    /// The first report, with each of its variants replaced by the repeats of that variant in
    /// every report merged; variants missing from the first report are added in order seen.
    public static func pool(_ reports: [RunReport]) -> RunReport {
        guard var pooled = reports.first else { preconditionFailure("pooling no reports") }
        if reports.count == 1 { return pooled }
        var order: [String] = []
        var repeats: [String: [VariantResult]] = [:]
        for report in reports {
            for variant in report.variants {
                if repeats[variant.name] == nil { order.append(variant.name) }
                repeats[variant.name, default: []] += variant.repeats ?? [variant]
            }
        }
        pooled.variants = order.map { RepeatMerge.merge(repeats[$0]!) }
        pooled.notes = (pooled.notes ?? []) + ["pooled from \(reports.count) result files"]
        return pooled
    }
}
