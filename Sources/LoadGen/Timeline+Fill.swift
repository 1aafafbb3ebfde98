import Metrics

extension Timeline {
    /// Adds the merged per-slice latency figures and, for constant-rate runs, how many requests
    /// the schedule asked for in each slice; drops slices past the end of the run.
    mutating func fill(_ figures: [IntervalCollector.Interval], schedule: RateSchedule?, elapsedNanos: UInt64) {
        let sliceNanos = UInt64(sliceMillis) * 1_000_000
        let count = Int((elapsedNanos + sliceNanos - 1) / max(sliceNanos, 1))
        while slices.count < count { slices.append(TimeSlice(slice: slices.count)) }
        if slices.count > count { slices.removeLast(slices.count - count) }
        for f in figures where f.count > 0 && f.second < slices.count {
            slices[f.second].p50Micros = f.p50Micros
            slices[f.second].p99Micros = f.p99Micros
            slices[f.second].maxMicros = f.maxMicros
        }
        guard let schedule else { return }
        // Request 0 is due at 0, so the due count at an offset is one more than the requests before it.
        var before: UInt64 = 0
        for i in slices.indices {
            let end = min(UInt64(i + 1) * sliceNanos, elapsedNanos)
            let due = end == 0 ? 0 : schedule.requestsDue(byOffsetNanos: end - 1)
            slices[i].askedRequests = due - min(before, due)
            before = due
        }
    }
}
