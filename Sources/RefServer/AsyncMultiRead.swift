import MongoBackend
import UVKit

/// `/multi` in the async model, one libuv work item per read (libmongoc never runs on the
/// loop). `seq` issues the next read from the previous one's completion, so N reads cost N
/// round trips and N trips through the queue, as consecutive `await`s do; `gather` issues all
/// N at once and answers when the last completes, as `asyncio.gather` does, bounded by the
/// work queue's threads. Loop-thread only, except the slots each work item fills.
final class AsyncMultiRead {
    private let loop: EventLoop
    private let backend: any DatabaseBackend
    private let slots: ReadSlots
    private var ids: XorShift64
    private let gather: Bool
    private var issued = 0
    private var completed = 0
    private var failure: Response?
    private let finish: (Response) -> Void

    /// Starts the reads of `request`; `finish` runs on the loop thread with the answer.
    init(_ request: DatabaseRequest, backend: any DatabaseBackend, loop: EventLoop, finish: @escaping (Response) -> Void) {
        self.loop = loop
        self.backend = backend
        slots = ReadSlots(count: request.count)
        ids = request.ids
        gather = request.gather
        self.finish = finish
        if gather {
            while issued < slots.count { issue() }
        } else {
            issue()
        }
    }

    private func issue() {
        let index = issued
        issued += 1
        let id = ids.nextWorldID()
        let slots = self.slots, backend = self.backend
        // The completion keeps this object alive until the last read is back.
        loop.queueWork({ slots.store(backend.worldRow(id: id), at: index) }, completion: { self.readDone(index) })
    }

    private func readDone(_ index: Int) {
        completed += 1
        if failure == nil, case .failed(let response) = slots[index] { failure = response }
        if gather {
            if completed == slots.count { answer() }
        } else if failure != nil || issued == slots.count {
            answer()
        } else {
            issue()
        }
    }

    private func answer() {
        if let failure { finish(failure); return }
        finish(DatabaseAnswer.rows(slots.rows(), for: .multi))
    }
}

/// One result slot per read; each work item writes only its own, and the loop reads them
/// after the completion (libuv's hand-over orders the two).
final class ReadSlots: @unchecked Sendable {
    let count: Int
    private let base: UnsafeMutablePointer<DatabaseRead>

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: .failed(Response(status: 500, body: .fixed("read did not run\n"))), count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func store(_ read: DatabaseRead, at index: Int) { base[index] = read }
    subscript(index: Int) -> DatabaseRead { base[index] }

    func rows() -> [WorldRow] {
        var rows: [WorldRow] = []
        rows.reserveCapacity(count)
        for k in 0..<count { if case .row(let row) = base[k] { rows.append(row) } }
        return rows
    }
}
