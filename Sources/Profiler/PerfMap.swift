import Foundation

/// `/tmp/perf-PID.map`, where JITs name the code they generate (Node `--perf-basic-prof`,
/// Python 3.12+ `-X perf`, the JVM with perf-map-agent): one `START SIZE name` line per
/// function, addresses in hex.
public struct PerfMap: Sendable {
    struct Entry { var start: UInt; var end: UInt; var name: String }
    private var entries: [Entry]

    /// Parses map text; malformed lines are skipped.
    public init(text: String) {
        var entries: [Entry] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let start = UInt(parts[0].replacingOccurrences(of: "0x", with: ""), radix: 16),
                  let size = UInt(parts[1].replacingOccurrences(of: "0x", with: ""), radix: 16) else { continue }
            entries.append(Entry(start: start, end: start &+ size, name: String(parts[2])))
        }
        self.entries = entries.sorted { $0.start < $1.start }
    }

    /// The map of process `pid`, or nil when it has none.
    public static func load(pid: Int32) -> PerfMap? {
        guard let text = try? String(contentsOfFile: "/tmp/perf-\(pid).map", encoding: .utf8) else { return nil }
        return PerfMap(text: text)
    }

    /// The function containing `address`, if the map names one (the last written entry wins).
    public func name(for address: UInt) -> String? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].start <= address { low = mid + 1 } else { high = mid }
        }
        var i = low - 1
        while i >= 0 {
            if entries[i].start <= address && address < entries[i].end { return entries[i].name }
            if entries[i].start + (1 << 24) < address { break }
            i -= 1
        }
        return nil
    }
}
