import LoadGen
import Metrics

/// Command-line quantities through the one `Quantity` parser; a refusal is exit 2 with the reason.
/// A bare number is seconds on the command line (`-d 10`, `--duration 10`), as in wrk.
enum QuantityFlag {
    /// A duration of at least `minimum` nanoseconds (more than 0 by default).
    static func duration(_ text: String, flag: String, minimum: UInt64 = 1, examples: String = "10s, 1m, 500ms") throws -> UInt64 {
        let nanos: UInt64
        do { nanos = try Quantity.parseDuration(text, bareNumber: .seconds) } catch {
            throw usageError("invalid \(flag) '\(text)': \(error) (examples: \(examples))")
        }
        guard nanos >= minimum else {
            let least = minimum <= 1 ? "more than 0" : "at least \(Quantity.formatDuration(minimum))"
            throw usageError("invalid \(flag) '\(text)': must be \(least) (examples: \(examples))")
        }
        return nanos
    }

    /// A rate or a ramp `START:END` in requests/sec.
    static func rates(_ text: String, flag: String) throws -> (start: Double, end: Double) {
        do { return try Quantity.parseRate(text) } catch {
            throw usageError("invalid \(flag) '\(text)': \(error) (requests/sec over all connections, e.g. 2000, 10k, or a ramp 1000:20000)")
        }
    }

    /// One rate, not a ramp.
    static func rate(_ text: String, flag: String) throws -> Double {
        let parsed = try rates(text, flag: flag)
        guard parsed.start == parsed.end else { throw usageError("invalid \(flag) '\(text)': one rate, not a ramp") }
        return parsed.start
    }

    /// The `-R` schedule over a run of `durationNanos`.
    static func schedule(_ text: String, durationNanos: UInt64) throws -> RateSchedule {
        let (start, end) = try rates(text, flag: "rate")
        return RateSchedule(startRate: start, endRate: end, durationNanos: durationNanos)
    }

    /// A percentage as a fraction (`5%` → 0.05).
    static func percent(_ text: String, flag: String) throws -> Double {
        do { return try Quantity.parsePercent(text.hasSuffix("%") ? text : text + "%") } catch {
            throw usageError("invalid \(flag) '\(text)': \(error)")
        }
    }

    /// A size in bytes (`512`, `64KiB`, `1MiB`) of at most `maximum`.
    static func size(_ text: String, flag: String, maximum: UInt64) throws -> Int {
        let bytes: UInt64
        do { bytes = try Quantity.parseSize(text) } catch {
            throw usageError("invalid \(flag) '\(text)': \(error) (examples: 1048576, 64KiB, 1MiB)")
        }
        guard bytes <= maximum else { throw usageError("invalid \(flag) '\(text)': at most \(maximum) bytes") }
        return Int(bytes)
    }
}
