/// One request path of a mixed load and its share of the requests.
public struct WeightedRequestPath: Sendable, Equatable {
    /// The request target (path and query), e.g. `/fetch?id=3`; it replaces the URL's own.
    public var path: String
    /// Relative weight; must be positive.
    public var weight: Double

    public init(path: String, weight: Double = 1) { self.path = path; self.weight = weight }
}

/// Chooses the path of each request batch in proportion to the weights: a xorshift64* draw
/// against a cumulative table scaled to 2^32. No allocation, lock or String work per pick;
/// each worker thread owns one picker.
public struct PathPicker: Sendable {
    /// Cumulative upper bounds in [0, 2^32]: index i is chosen when the draw is below bound i.
    private let bounds: [UInt64]
    private var state: UInt64

    /// - Parameters:
    ///   - weights: one positive weight per path.
    ///   - seed: any value (0 is replaced); the same seed gives the same sequence.
    public init(weights: [Double], seed: UInt64) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 > 0 && $0.isFinite })
        let total = weights.reduce(0, +)
        var running = 0.0
        var bounds: [UInt64] = []
        for w in weights {
            running += w
            bounds.append(UInt64((running / total * 4_294_967_296).rounded()))
        }
        bounds[bounds.count - 1] = 4_294_967_296   // rounding never leaves a gap at the top
        self.bounds = bounds
        self.state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// Number of paths.
    public var count: Int { bounds.count }

    /// The index of the next path.
    @inline(__always)
    public mutating func next() -> Int {
        if bounds.count == 1 { return 0 }
        // xorshift64* (Vigna): the high 32 bits of the product are well mixed.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let draw = (state &* 0x2545_F491_4F6C_DD1D) >> 32
        var i = 0
        while i < bounds.count - 1 && draw >= bounds[i] { i += 1 }
        return i
    }
}
