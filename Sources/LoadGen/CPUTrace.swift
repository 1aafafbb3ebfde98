import Metrics

/// Cumulative CPU readings taken over a run (`CPUSampler`), and what they say about any stretch of
/// it. A reading is rarely exactly on a slice boundary (the timer fires a little late, the last
/// one comes after the threads are joined), so the CPU used by a boundary is interpolated linearly
/// between the readings either side of it: a slice's figure never borrows more than the CPU of
/// the moments around its edges.
struct CPUTrace {
    struct Reading: Equatable {
        /// Time since the load started, ns.
        var offsetNanos: UInt64
        /// The generator's process, every thread, since the process started (`getrusage`).
        var userMicros: UInt64
        var systemMicros: UInt64
        /// The server's processes since watching began (`ProcessTreeCPU`); nil when none is watched.
        var serverNanos: UInt64?

        var generatorNanos: Double { Double(userMicros &+ systemMicros) * 1000 }
    }

    var readings: [Reading] = []

    /// The cumulative `value` at `offset` ns, interpolated between the readings around it (held at
    /// the first or last reading beyond them); nil when no reading has the value.
    func value(at offset: Double, _ value: (Reading) -> Double?) -> Double? {
        guard let first = readings.first, let firstValue = value(first) else { return nil }
        if offset <= Double(first.offsetNanos) { return firstValue }
        // The first reading at or after `offset`.
        var low = 0, high = readings.count
        while low < high {
            let mid = (low + high) / 2
            if Double(readings[mid].offsetNanos) < offset { low = mid + 1 } else { high = mid }
        }
        guard low < readings.count else { return value(readings[readings.count - 1]) }
        let after = readings[low], before = readings[low - 1]
        guard let a = value(before), let b = value(after) else { return nil }
        let span = Double(after.offsetNanos) - Double(before.offsetNanos)
        return span <= 0 ? b : a + (b - a) * (offset - Double(before.offsetNanos)) / span
    }

    /// CPU used from `start` to `end` (ns after the load started), percent of one core, rounded to 0.1.
    func percent(from start: UInt64, to end: UInt64, _ value: (Reading) -> Double?) -> Double? {
        guard end > start, let a = self.value(at: Double(start), value), let b = self.value(at: Double(end), value) else { return nil }
        return (max(0, b - a) / Double(end - start) * 1000).rounded() / 10
    }

    static func generator(_ r: Reading) -> Double? { r.generatorNanos }
    static func server(_ r: Reading) -> Double? { r.serverNanos.map { Double($0) } }

    /// Writes the CPU of each timeline slice and each second of `m`, and the run's totals, for the
    /// `elapsedNanoseconds` the load lasted. `serverProcesses` is how many processes the server's figure adds up.
    func fill(_ m: inout LoadMeasurement, serverProcesses: Int?) {
        let elapsed = m.elapsedNanoseconds
        guard elapsed > 0, readings.count >= 2 else { return }
        if var timeline = m.timeline {
            let slice = UInt64(timeline.sliceMillis) * 1_000_000
            for i in timeline.slices.indices {
                let start = UInt64(timeline.slices[i].slice) * slice, end = min(start + slice, elapsed)
                timeline.slices[i].generatorCpuPercent = percent(from: start, to: end, Self.generator)
                timeline.slices[i].serverCpuPercent = percent(from: start, to: end, Self.server)
            }
            m.timeline = timeline
        }
        for i in m.perSecond.indices {
            let start = UInt64(m.perSecond[i].second) * 1_000_000_000, end = min(start + 1_000_000_000, elapsed)
            m.perSecond[i].generatorCpuPercent = percent(from: start, to: end, Self.generator)
            m.perSecond[i].serverCpuPercent = percent(from: start, to: end, Self.server)
        }
        func used(_ value: (Reading) -> Double?) -> Double? {
            guard let a = self.value(at: 0, value), let b = self.value(at: Double(elapsed), value) else { return nil }
            return max(0, b - a)
        }
        // User and system are interpolated apart, in µs, to split the total as getrusage does.
        let user = used { Double($0.userMicros) } ?? 0, system = used { Double($0.systemMicros) } ?? 0
        m.cpu = ProcessCPU(generatorUserSeconds: user / 1e6, generatorSystemSeconds: system / 1e6,
                           serverSeconds: used(Self.server).map { $0 / 1e9 }, serverProcesses: serverProcesses)
    }
}
