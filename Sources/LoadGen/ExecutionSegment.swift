/// One of N execution segments of a run spread over N generator processes (the pods of a
/// Kubernetes Indexed Job, or N local processes): segment `index` of `count`.
///
/// The run is defined once, for all segments together (`-c` connections, `-R` requests/sec),
/// and each segment does its share. Connections are numbered 0..<C over the whole run, and
/// global connection `g` belongs to segment `g mod N`, so segment i opens ⌊C/N⌋ or ⌈C/N⌉ of
/// them (the first `C mod N` segments one more). With `-R` the single-machine schedule gives
/// request n to connection `n mod C` (see `RateSchedule`); a segment keeps its connections'
/// global numbers, so it sends exactly the requests of that schedule that fall to it: the union
/// of all segments is the single-machine schedule, no request is sent twice, and when N divides
/// C consecutive requests go to consecutive segments (request n to segment n mod N), so the
/// pods take turns instead of firing in phase. This is k6's execution-segment idea applied to
/// Volley's connection striping.
public struct ExecutionSegment: Sendable, Equatable, CustomStringConvertible {
    /// 0-based index of this segment (`JOB_COMPLETION_INDEX` in an Indexed Job).
    public let index: Int
    /// Number of segments of the run.
    public let count: Int

    /// The most segments a run may be split into.
    public static let maximumCount = 10_000

    /// Segment `index` of `count`; nil unless 0 <= index < count <= `maximumCount`.
    public init?(index: Int, count: Int) {
        guard count >= 1, count <= Self.maximumCount, index >= 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `i/N` (e.g. `0/4`); nil for anything else or an out-of-range index.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
              let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    /// `i/N`, the form `--segment` takes.
    public var description: String { "\(index)/\(count)" }

    /// How many of the run's `total` connections this segment opens.
    public func connectionCount(ofTotal total: Int) -> Int {
        total / count + (index < total % count ? 1 : 0)
    }

    /// The global number of this segment's `local`-th connection (0-based).
    @inline(__always)
    public func globalConnection(local: Int) -> Int { index + local * count }

    /// Whether global connection `connection` belongs to this segment.
    public func owns(connection: Int) -> Bool { connection % count == index }

    /// Whether request `n` of the single-machine schedule over `connections` connections is sent by this segment.
    public func owns(request n: UInt64, connections: Int) -> Bool {
        owns(connection: Int(n % UInt64(connections)))
    }

    /// How many of the schedule's first `due` requests (numbers 0..<due) fall to this segment,
    /// for a run of `connections` connections: what this segment was asked to send.
    public func requests(amongFirst due: UInt64, connections: Int) -> UInt64 {
        let c = UInt64(connections)
        let fullRounds = due / c
        let rest = Int(due % c)
        // Global connections below `rest` that are this segment's: index, index + N, … < rest.
        let inRest = rest > index ? (rest - index - 1) / count + 1 : 0
        return fullRounds * UInt64(connectionCount(ofTotal: connections)) + UInt64(inRest)
    }
}
