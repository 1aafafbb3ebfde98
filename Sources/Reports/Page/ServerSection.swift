import Clocks
import Foundation
import Metrics
import Scenario

/// The server and the generator beside each other: what `/debug/stats` said (loop lag, loop
/// busy time, slow callbacks, database) and what the generator measured of itself (CPU, loop lag).
enum ServerSection {
    struct Lag { var p50: Int64; var p99: Int64; var max: Int64 }

    /// The worst loop's lag over the run, µs, from `loops[].lagMicros` in the server's stats.
    static func loopLag(_ v: VariantResult) -> Lag? {
        guard case .array(let loops)? = v.server?["loops"] else { return nil }
        var worst: Lag?
        for case .object(let loop) in loops {
            guard case .object(let lag)? = loop["lagMicros"], let p99 = integer(lag["p99"]), integer(lag["count"]) ?? 0 > 0 else { continue }
            let candidate = Lag(p50: integer(lag["p50"]) ?? 0, p99: p99, max: integer(lag["max"]) ?? p99)
            if worst == nil || candidate.p99 > worst!.p99 { worst = candidate }
        }
        return worst
    }

    /// Seconds the server's loops spent running callbacks, from `loops[].busySecondsTotal`.
    static func loopBusySeconds(_ v: VariantResult) -> Double? {
        guard case .array(let loops)? = v.server?["loops"] else { return nil }
        var total = 0.0, any = false
        for case .object(let loop) in loops { if let s = number(loop["busySecondsTotal"]) { total += s; any = true } }
        return any ? total : nil
    }

    /// Each slow callback as a mark on the load's time axis: its wall-clock time minus the load's start.
    static func slowCallbackMarks(_ v: VariantResult) -> [LineChart.Mark] {
        guard let start = v.startedAtEpochSeconds else { return [] }
        return ServerStats.slowCallbacks(v).compactMap { entry in
            guard case .string(let at)? = entry["at"], let when = UTCTime.parse(at) else { return nil }
            let seconds = number(entry["seconds"]).map { Quantity.formatMicros($0 * 1e6) } ?? ""
            var what = ""
            if case .string(let w)? = entry["what"] { what = w }
            return LineChart.Mark(x: when - start, label: "slow callback \(seconds) \(what)".trimmingCharacters(in: .whitespaces))
        }
    }

    /// Keys of the server's `perSecond` series (µs) that the report draws.
    static let lagP99Key = "loopLagP99Micros", lagMaxKey = "loopLagMaxMicros", dbWaitKey = "dbWaitMeanMicros"

    /// The server's per-second series `key` from `perSecond` in its stats, on the load's time axis:
    /// server second `n` covers `originUnixSeconds + n` to `+ n + 1` (wall clock), less the load's
    /// start. Seconds that overlap the run by under a quarter (warm-up, the wind-down) are left
    /// out; the others sit at the middle of their overlap with the run.
    static func perSecond(_ v: VariantResult, _ key: String) -> [(x: Double, y: Double)] {
        guard case .object(let series)? = v.server?["perSecond"], case .array(let values)? = series[key],
              let origin = number(series["originUnixSeconds"]), let first = integer(series["firstSecond"]),
              let start = v.startedAtEpochSeconds else { return [] }
        let end = v.seriesElapsedSeconds
        var points: [(x: Double, y: Double)] = []
        for (i, value) in values.enumerated() {
            guard let y = number(value) else { continue }
            let from = origin + Double(first) + Double(i) - start
            let a = max(from, 0), b = end > 0 ? min(from + 1, end) : from + 1
            guard b - a >= 0.25 else { continue }
            points.append(((a + b) / 2, y))
        }
        return points
    }

    static func render(_ report: RunReport) -> String {
        var rows: [[String]] = []
        for v in report.variants {
            // The server's figures come from the same run as the series (the median repeat).
            let elapsed = max(v.seriesElapsedSeconds, 1e-9)
            let lag = loopLag(v)
            let busy = loopBusySeconds(v)
            var model = v.server == nil ? "-" : "reported"
            if case .string(let m)? = v.server?["model"] { model = m }
            let threads = v.generator?.threads ?? []
            let genCPU = threads.isEmpty ? "-" : String(format: "%.0f%%", threads.reduce(0) { $0 + $1.cpuPercent })
            let genPeak = threads.isEmpty ? "-" : String(format: "%.0f%%", threads.map(\.demandPercent).max() ?? 0)
            rows.append([
                v.name, model,
                lag.map { "\(Quantity.formatMicros(Double($0.p50))) / \(Quantity.formatMicros(Double($0.p99))) / \(Quantity.formatMicros(Double($0.max)))" } ?? "-",
                busy.map { String(format: "%.0f%%", 100 * $0 / elapsed) } ?? "-",
                ServerStats.slowCallbackCount(v).map(String.init) ?? "-",
                database(v),
                v.serverCPUSeconds.map { String(format: "%.0f%%", 100 * $0 / elapsed) } ?? "-",
                v.serverCPUMicrosPerRequest.map { String(format: "%.1fus", $0) } ?? "-",
                genCPU, genPeak,
                v.generator.map { "\(Quantity.formatMicros(Double($0.loopLag.p99Micros)))" } ?? "-",
                v.generator?.cpuMicrosPerRequest.map { String(format: "%.1fus", $0) } ?? "-",
            ])
        }
        guard report.variants.contains(where: { $0.server != nil || $0.generator != nil }) else { return "" }
        var out = "<h2>Server and generator</h2>\n"
        out += HTMLPage.table(["variant", "server", "server loop lag p50 / p99 / max", "server loop busy", "slow callbacks", "database",
                               "server CPU", "server CPU/req", "generator CPU", "busiest generator thread", "generator loop lag p99", "generator CPU/req"],
                              rows, numeric: [2, 3, 4, 6, 7, 8, 9, 10, 11])
        out += "<p class=\"meta\">Server loop busy: time the server's event loops spent in callbacks over the run (100% is one loop never idle). "
            + "Server CPU: the server's processes (with their children) over the run, from /proc (100% is one core). "
            + "Generator CPU: the load threads' CPU over the run, summed; the CPU/req figures count the generator's whole process.</p>\n"
        out += slowCallbackTables(report)
        return out
    }

    /// The database figures the server reported, as short text (a wait time first when there is one).
    static func database(_ v: VariantResult) -> String {
        guard case .object(let db)? = v.server?["database"] else { return "-" }
        let keys = db.keys.sorted { ($0.lowercased().contains("wait") ? 0 : 1, $0) < ($1.lowercased().contains("wait") ? 0 : 1, $1) }
        return keys.map { "\($0) \(ServerStats.text(db[$0]!))" }.joined(separator: ", ")
    }

    static func slowCallbackTables(_ report: RunReport) -> String {
        var out = ""
        for v in report.variants {
            let entries = ServerStats.slowCallbacks(v)
            guard !entries.isEmpty else { continue }
            let keys = Array(Set(entries.flatMap(\.keys))).sorted()
            out += "<details><summary>Slow callbacks: \(HTML.escape(v.name)) (\(ServerStats.slowCallbackCount(v) ?? entries.count))</summary>\n"
            out += HTMLPage.table(keys, entries.prefix(50).map { e in keys.map { e[$0].map(ServerStats.text) ?? "" } }, numeric: [])
            if entries.count > 50 { out += "<p class=\"meta\">The first 50 of \(entries.count) are shown.</p>\n" }
            out += "</details>\n"
        }
        return out
    }

    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .integer(let n)?: return Int64(n)
        case .double(let d)?: return Int64(d)
        default: return nil
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let n)?: return Double(n)
        case .double(let d)?: return d
        default: return nil
        }
    }
}
