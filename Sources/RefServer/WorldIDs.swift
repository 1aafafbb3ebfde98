/// A xorshift64 generator for World ids. Each serving thread (sync) and each loop thread
/// (async) owns one: no locks, no shared state. Its seeds are fixed per thread index, so a
/// run is reproducible and thread 0 of either model draws the same ids.
public struct XorShift64: Sendable, Equatable {
    public private(set) var state: UInt64

    /// A zero seed would stay zero; it is replaced by a constant.
    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    /// The generator of thread `index`: distinct, well-mixed seeds.
    public init(thread index: Int) { self.init(mixing: UInt64(truncatingIfNeeded: index) &+ 1) }

    /// A generator seeded with splitmix64 of `value`, so that generators made from
    /// consecutive draws of another one do not share their sequences.
    public init(mixing value: UInt64) {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        self.init(seed: z ^ (z >> 31))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        var x = state
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        state = x
        return x
    }

    /// A World id, 1...10000 (TechEmpower's table).
    @inline(__always)
    public mutating func nextWorldID() -> Int32 { Int32(truncatingIfNeeded: next() % 10_000) &+ 1 }
}
