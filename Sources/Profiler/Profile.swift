/// Raw samples as the sampler captured them: instruction addresses, counted per distinct stack.
/// Cheap to keep and to subtract (for a time window); `symbolized()` turns it into names.
public struct Profile: Sendable {
    /// One distinct stack on one thread.
    public struct Stack: Hashable, Sendable {
        /// Kernel thread id of the sampled thread.
        public var thread: Int32
        /// Addresses, leaf first: `frames[0]` is the interrupted instruction, the rest are return addresses.
        public var frames: [UInt]

        public init(thread: Int32, frames: [UInt]) {
            self.thread = thread
            self.frames = frames
        }
    }

    /// Samples per sampled thread's CPU-second.
    public var hz: Int
    /// Wall-clock span the profile covers, in nanoseconds (monotonic clock).
    public var durationNanos: UInt64
    /// How many sampling periods each stack accounts for (a signal delayed to the kernel's next
    /// tick stands for every period it covers, so counts follow CPU time even above the tick rate).
    public var counts: [Stack: Int]
    /// Thread names by kernel thread id (as `pthread_setname_np` set them; may be empty).
    public var threadNames: [Int32: String]
    /// Samples lost because a thread's ring was full when its signal came.
    public var dropped: UInt64
    /// Samples whose stack was deeper than the sampler keeps (cut at the root end).
    public var truncated: UInt64
    /// Time spent inside the signal handler, summed over threads (the sampler's own cost).
    public var handlerNanos: UInt64

    public init(hz: Int, durationNanos: UInt64 = 0, counts: [Stack: Int] = [:], threadNames: [Int32: String] = [:],
                dropped: UInt64 = 0, truncated: UInt64 = 0, handlerNanos: UInt64 = 0) {
        self.hz = hz
        self.durationNanos = durationNanos
        self.counts = counts
        self.threadNames = threadNames
        self.dropped = dropped
        self.truncated = truncated
        self.handlerNanos = handlerNanos
    }

    /// Total number of samples.
    public var sampleCount: Int { counts.values.reduce(0, +) }

    /// The samples in `self` that are not in `earlier` (a profile taken later from the same run).
    public func subtracting(_ earlier: Profile) -> Profile {
        var result = self
        for (stack, count) in earlier.counts {
            guard let now = result.counts[stack] else { continue }
            result.counts[stack] = now > count ? now - count : nil
        }
        result.durationNanos = durationNanos &- earlier.durationNanos
        result.dropped = dropped &- earlier.dropped
        result.truncated = truncated &- earlier.truncated
        result.handlerNanos = handlerNanos &- earlier.handlerNanos
        return result
    }

    /// Resolves every address to a name (cached per address across calls).
    public func symbolized(symbolizer: some SymbolNaming = Symbolizer.shared) -> NamedProfile {
        var unique = Set<UInt>()
        for stack in counts.keys {
            for (index, address) in stack.frames.enumerated() { unique.insert(Symbolizer.lookupAddress(address, isReturnAddress: index > 0)) }
        }
        let names = symbolizer.names(for: Array(unique))
        var stacks: [NamedProfile.Stack] = []
        stacks.reserveCapacity(counts.count)
        for (stack, count) in counts {
            let frames = stack.frames.enumerated().reversed().map { index, address in
                names[Symbolizer.lookupAddress(address, isReturnAddress: index > 0)] ?? "?"
            }
            let threadName = threadNames[stack.thread].flatMap { $0.isEmpty ? nil : $0 } ?? "thread"
            stacks.append(.init(thread: "\(threadName) (\(stack.thread))", frames: frames, count: count))
        }
        stacks.sort { $0.thread != $1.thread ? $0.thread < $1.thread : $0.frames.lexicographicallyPrecedes($1.frames) }
        return NamedProfile(hz: hz, durationNanos: durationNanos, stacks: stacks, dropped: dropped, truncated: truncated)
    }
}

/// A profile with names: what the folded, speedscope and SVG writers read.
public struct NamedProfile: Sendable {
    /// One distinct named stack on one thread.
    public struct Stack: Sendable, Equatable {
        /// `name (tid)` of the sampled thread.
        public var thread: String
        /// Function names, root first.
        public var frames: [String]
        /// Samples with exactly this stack.
        public var count: Int

        public init(thread: String, frames: [String], count: Int) {
            self.thread = thread
            self.frames = frames
            self.count = count
        }
    }

    public var hz: Int
    public var durationNanos: UInt64
    /// Stacks sorted by thread, then by frames.
    public var stacks: [Stack]
    public var dropped: UInt64
    public var truncated: UInt64

    public init(hz: Int, durationNanos: UInt64 = 0, stacks: [Stack], dropped: UInt64 = 0, truncated: UInt64 = 0) {
        self.hz = hz
        self.durationNanos = durationNanos
        self.stacks = stacks
        self.dropped = dropped
        self.truncated = truncated
    }

    /// Total number of samples.
    public var sampleCount: Int { stacks.reduce(0) { $0 + $1.count } }

    /// Stacks merged over threads (same frames, counts added), sorted by frames.
    public var mergedAcrossThreads: [(frames: [String], count: Int)] {
        var merged: [[String]: Int] = [:]
        for stack in stacks { merged[stack.frames, default: 0] += stack.count }
        return merged.map { ($0.key, $0.value) }.sorted { $0.frames.lexicographicallyPrecedes($1.frames) }
    }
}
