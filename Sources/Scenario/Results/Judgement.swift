/// Turns a change and its interval into a verdict, against a tolerance (the allowed worsening).
/// With `worse` the change oriented so that positive is worse (−change for req/s):
/// - regression: the interval is wholly above 0 and `worse` exceeds the tolerance;
/// - improvement: the interval is wholly below 0 and −`worse` exceeds the tolerance;
/// - no change: the interval lies within ±tolerance;
/// - inconclusive: anything else (the interval reaches past the tolerance without settling it).
/// A significant change smaller than the tolerance whose interval stays inside it is "no change":
/// the gate judges against what the project allows, not against zero.
public enum Judgement {
    /// The fewest repeats per side that can show a change: with one, run-to-run noise is unknown.
    public static let minimumRepeats = 3

    /// Beyond this many repeats (or slot pairs) a change is reported as not worth settling.
    public static let repeatLimit = 100
    public static let pairLimit = 10_000

    public static func judge(_ e: ChangeEstimate, tolerance t: Double, higherIsBetter: Bool,
                             repeats: Int, limit: Int = repeatLimit) -> (verdict: FigureDelta.Verdict, repeatsNeeded: Int?) {
        let worse = higherIsBetter ? -e.change : e.change
        let low = higherIsBetter ? -e.high : e.low, high = higherIsBetter ? -e.low : e.high
        if low > 0 && worse > t { return (.regression, nil) }
        if high < 0 && -worse > t { return (.improvement, nil) }
        if low >= -t && high <= t { return (.noChange, nil) }
        // How much narrower the interval must get: its half-width on the unsettled side against
        // the room there is; the width shrinks about as 1/sqrt(repeats).
        var ratio = 0.0
        if worse > t { ratio = (worse - low) / worse }
        else if worse < -t { ratio = (high - worse) / -worse }
        else {
            if high > t { ratio = max(ratio, (high - worse) / (t - worse)) }
            if low < -t { ratio = max(ratio, (worse - low) / (t + worse)) }
        }
        let needed = Double(max(repeats, 1)) * ratio * ratio
        return (.inconclusive, needed.isFinite && needed <= Double(limit) ? max(repeats + 1, minimumRepeats, Int(needed.rounded(.up))) : nil)
    }
}
