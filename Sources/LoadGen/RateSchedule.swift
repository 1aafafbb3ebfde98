/// When each request of a constant-throughput run is due: a constant rate, or a rate that
/// rises (or falls) linearly from `startRate` to `endRate` over the run.
///
/// Requests are numbered 0, 1, 2… over the whole run, all connections together: request n
/// is due when the cumulative asked count `A(t) = r0·t + (r1 − r0)·t²/(2D)` reaches n (so
/// request 0 is due at the start). Connection j of C takes requests j, j + C, j + 2C…, which
/// interleaves the connections evenly and makes the total exactly the asked rate however the
/// connections are spread over threads, and also when the rate is below the connection count.
/// Past the planned duration the rate stays at `endRate`.
public struct RateSchedule: Sendable, Equatable {
    /// Asked requests/sec at the start of the run.
    public let startRate: Double
    /// Asked requests/sec at the end of the run (equal to `startRate` for a constant rate).
    public let endRate: Double
    /// Planned duration of the run, in nanoseconds.
    public let durationNanos: UInt64

    /// A constant rate or a linear ramp; rates must be positive.
    public init(startRate: Double, endRate: Double? = nil, durationNanos: UInt64) {
        precondition(startRate > 0 && (endRate ?? startRate) > 0 && durationNanos > 0)
        self.startRate = startRate
        self.endRate = endRate ?? startRate
        self.durationNanos = durationNanos
    }

    private var seconds: Double { Double(durationNanos) / 1e9 }
    /// Half the rate's slope, per second squared: A(t) = startRate·t + halfSlope·t².
    private var halfSlope: Double { (endRate - startRate) / (2 * seconds) }

    /// Requests asked by `t` seconds after the start (fractional; A(t) above).
    public func cumulative(atSeconds t: Double) -> Double {
        let d = seconds
        if t <= d { return startRate * t + halfSlope * t * t }
        return startRate * d + halfSlope * d * d + endRate * (t - d)
    }

    /// How long after the start (ns) request number `n` is due.
    @inline(__always)
    public func offsetNanos(ofRequest n: UInt64) -> UInt64 {
        let x = Double(n)
        let total = cumulative(atSeconds: seconds)
        let t: Double
        if x <= total {
            // The positive root of halfSlope·t² + startRate·t − x = 0, in the form that stays
            // exact when the slope is 0 or tiny (no cancellation).
            let disc = startRate * startRate + 4 * halfSlope * x
            t = 2 * x / (startRate + disc.squareRoot())
        } else {
            t = seconds + (x - total) / endRate
        }
        return UInt64((t * 1e9).rounded())
    }

    /// Requests due at or before `offsetNanos` after the start (request 0 is due at 0).
    public func requestsDue(byOffsetNanos offset: UInt64) -> UInt64 {
        UInt64(cumulative(atSeconds: Double(offset) / 1e9).rounded(.down)) + 1
    }

    /// The asked rate (requests/sec) `t` seconds after the start.
    public func rate(atSeconds t: Double) -> Double {
        t >= seconds ? endRate : startRate + (endRate - startRate) * t / seconds
    }

    /// Whether the rate is the same all through the run.
    public var isConstant: Bool { startRate == endRate }
}
