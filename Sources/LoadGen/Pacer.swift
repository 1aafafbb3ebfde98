import Clocks
import UVKit

/// Sends paced requests on time: one thread's connections that wait for their next slot sit
/// in a binary min-heap keyed by due time, and one `PreciseTimer` (a timerfd, nanosecond
/// resolution) is armed for the earliest. The heap's storage is reserved for every
/// connection of the thread up front, so nothing allocates per request; the timer is
/// re-armed only when the earliest due time changes.
final class Pacer {
    private struct Entry {
        var due: UInt64
        var connection: Int32
    }

    private var heap: [Entry] = []
    private var timer: PreciseTimer!
    private let onDue: (_ connection: Int, _ now: UInt64) -> Void

    /// `onDue` runs on the loop's thread when a connection's slot has come.
    init(loop: EventLoop, capacity: Int, onDue: @escaping (_ connection: Int, _ now: UInt64) -> Void) throws(UVError) {
        self.onDue = onDue
        heap.reserveCapacity(capacity)
        // Created on the worker's own thread: let the kernel wake it within 1 µs, not 50.
        setThreadTimerSlack(nanoseconds: 1000)
        timer = try PreciseTimer(loop: loop) { [unowned self] in self.fire() }
    }

    /// Queues `connection` for its slot at `due` (monotonic ns).
    @inline(__always)
    func add(connection: Int, due: UInt64) {
        heap.append(Entry(due: due, connection: Int32(truncatingIfNeeded: connection)))
        siftUp(heap.count - 1)
        if timer.armedAt == 0 || due < timer.armedAt { timer.arm(at: due) }
    }

    private func fire() {
        var now = MonotonicClock.nanoseconds()
        while let top = heap.first, top.due <= now {
            removeTop()
            onDue(Int(top.connection), now)
            now = MonotonicClock.nanoseconds()
        }
        if let top = heap.first, timer.armedAt != top.due { timer.arm(at: top.due) }
    }

    @inline(__always)
    private func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    @inline(__always)
    private func siftUp(_ start: Int) {
        var i = start
        let item = heap[i]
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].due <= item.due { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = item
    }

    @inline(__always)
    private func siftDown(_ start: Int) {
        var i = start
        let item = heap[i]
        let count = heap.count
        while true {
            var child = 2 * i + 1
            if child >= count { break }
            if child + 1 < count && heap[child + 1].due < heap[child].due { child += 1 }
            if item.due <= heap[child].due { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = item
    }
}
