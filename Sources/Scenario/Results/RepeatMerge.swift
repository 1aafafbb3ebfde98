import Metrics

/// Folds the repeats of one variant (`volley bench --repeat N`) into one result: latency
/// histograms and counters are added up (so p99 is the p99 of every request of every repeat,
/// and req/s is all requests over all measured time); what cannot be added (per-second
/// slices, thread statistics, server figures) comes from the median repeat by req/s. Every
/// repeat is kept whole in `repeats`, which is what `volley compare` judges spread from.
public enum RepeatMerge {
    public static func merge(_ repeats: [VariantResult]) -> VariantResult {
        precondition(!repeats.isEmpty, "merging no repeats")
        if repeats.count == 1 { return repeats[0] }
        let byRate = repeats.sorted { $0.summary.requestsPerSecond < $1.summary.requestsPerSecond }
        var merged = byRate[byRate.count / 2]
        var histogram = LoadMeasurement.makeLatencyHistogram()
        var summary = repeats[0].summary
        for (i, r) in repeats.enumerated() {
            if let h = try? r.latencyHistogram.decode() { histogram.add(h) }
            guard i > 0 else { continue }
            let s = r.summary
            summary.requests += s.requests; summary.bytesRead += s.bytesRead; summary.bytesWritten += s.bytesWritten
            summary.elapsedSeconds += s.elapsedSeconds; summary.errors.add(s.errors); summary.reconnects += s.reconnects
            summary.statusClasses.other += s.statusClasses.other
            summary.statusClasses.informational += s.statusClasses.informational
            summary.statusClasses.success += s.statusClasses.success
            summary.statusClasses.redirection += s.statusClasses.redirection
            summary.statusClasses.clientError += s.statusClasses.clientError
            summary.statusClasses.serverError += s.statusClasses.serverError
        }
        let seconds = summary.elapsedSeconds
        summary.requestsPerSecond = seconds > 0 ? Double(summary.requests) / seconds : 0
        summary.bytesPerSecond = seconds > 0 ? Double(summary.bytesRead) / seconds : 0
        merged.summary = summary
        merged.latency = LatencyStats(histogram)
        merged.latencyHistogram = EncodedHistogram(histogram)
        merged.repeats = repeats.map { var r = $0; r.repeats = nil; return r }
        merged.notes = (merged.notes ?? []) + ["\(repeats.count) repeats merged (interleaved with the other variants); per-second figures from the median repeat"]
        return merged
    }
}
