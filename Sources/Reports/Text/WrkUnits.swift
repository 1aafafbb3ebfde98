// wrk 4.1's unit formatting (src/units.c), reproduced operation for operation so that
// Volley prints the same characters wrk would for the same numbers.
//
//     static char *format_units(long double n, units *m, int p) {
//         long double amt = n, scale;
//         char *unit = m->base;
//         scale = m->scale * 0.85;
//         for (int i = 0; m->units[i+1] && amt >= scale; i++) {
//             amt /= m->scale;
//             unit = m->units[i];
//         }
//         aprintf(&msg, "%.*Lf%s", p, amt, unit);
//     }
//
// Two consequences worth knowing: a value is scaled up once it reaches 85% of the next
// unit (849 µs prints as "849.00us", 850 µs as "0.85ms"), and the last unit of each table
// is never reached because the loop stops when `units[i+1]` is NULL: microseconds go no
// further than "ms" (999999 µs is "1000.00ms"; from 1000000 µs on, `format_time_us`
// switches to the seconds table, which stops at "m"), binary stops at "T", metric at "T".

/// One of wrk's unit tables (`units` in units.c).
struct WrkUnitTable: Sendable {
    /// Factor between consecutive units.
    var scale: Int
    /// Suffix of unscaled values.
    var base: String
    /// Suffixes of the scaled units, smallest first (the C table's NULL terminator is implied).
    var units: [String]

    static let timeMicros = WrkUnitTable(scale: 1000, base: "us", units: ["ms", "s"])
    static let timeSeconds = WrkUnitTable(scale: 60, base: "s", units: ["m", "h"])
    static let binary = WrkUnitTable(scale: 1024, base: "", units: ["K", "M", "G", "T", "P"])
    static let metric = WrkUnitTable(scale: 1000, base: "", units: ["k", "M", "G", "T", "P"])

    /// `format_units(n, m, p)`.
    func format(_ n: CLongDouble, precision: Int) -> String {
        var amount = n
        var unit = base
        // `m->scale * 0.85` is an int times a double: computed in double, then widened.
        let threshold = CLongDouble(Double(scale) * 0.85)
        var i = 0
        while i + 1 < units.count, amount >= threshold {
            amount /= CLongDouble(scale)
            unit = units[i]
            i += 1
        }
        return CFormat.string("%.*\(longDoubleModifier)f", Int32(precision), amount) + unit
    }
}

extension WrkTextPrinter {
    /// wrk's `format_time_us`: a duration in microseconds as "849.00us", "0.85ms",
    /// "1000.00ms" (sic), "1.00s", "1.50m": two decimals, scaled at 85% of the next unit.
    public static func formatTimeMicros(_ micros: Double) -> String {
        formatTimeMicros(CLongDouble(micros))
    }

    /// wrk's `format_time_s`: a duration in seconds with no decimals, "10s", "1m", "2h".
    /// From 51 s on it is printed in minutes ("51s" is "1m"), from 51 min in hours.
    public static func formatTimeSeconds(_ seconds: Double) -> String {
        formatTimeSeconds(CLongDouble(seconds))
    }

    /// wrk's `format_binary`: a byte count with 1024-based units and two decimals,
    /// "870.00", "0.85K", "97.51M" (the caller appends "B").
    public static func formatBinary(_ n: Double) -> String {
        formatBinary(CLongDouble(n))
    }

    /// wrk's `format_metric`: a count with 1000-based units and two decimals, "849.00", "0.85k".
    public static func formatMetric(_ n: Double) -> String {
        formatMetric(CLongDouble(n))
    }

    static func formatTimeMicros(_ micros: CLongDouble) -> String {
        var n = micros
        var table = WrkUnitTable.timeMicros
        if n >= 1_000_000.0 {
            n /= 1_000_000.0
            table = .timeSeconds
        }
        return table.format(n, precision: 2)
    }

    static func formatTimeSeconds(_ seconds: CLongDouble) -> String {
        WrkUnitTable.timeSeconds.format(seconds, precision: 0)
    }

    static func formatBinary(_ n: CLongDouble) -> String {
        WrkUnitTable.binary.format(n, precision: 2)
    }

    static func formatMetric(_ n: CLongDouble) -> String {
        WrkUnitTable.metric.format(n, precision: 2)
    }

    /// wrk's `print_units`: a formatted value right-aligned in a column of `width`
    /// characters, where the unit suffix hangs into a two-character gutter:
    ///
    ///     int len = strlen(msg), pad = 2;
    ///     if (isalpha(msg[len-1])) pad--;
    ///     if (isalpha(msg[len-2])) pad--;
    ///     width -= pad;
    ///     printf("%*.*s%.*s", width, width, msg, pad, "  ");
    ///
    /// The precision `.*` also truncates: a message longer than `width - pad` loses its
    /// tail, exactly as in wrk ("1000.00ms" in the 8-wide Avg column prints as "1000.00m").
    static func column(_ message: String, width: Int) -> String {
        let bytes = Array(message.utf8)
        func isAlpha(_ index: Int) -> Bool {
            guard index >= 0, index < bytes.count else { return false }
            let c = bytes[index]
            return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
        }
        var pad = 2
        if isAlpha(bytes.count - 1) { pad -= 1 }
        if isAlpha(bytes.count - 2) { pad -= 1 }
        let field = width - pad
        let shown = bytes.prefix(max(field, 0))
        let text = String(decoding: shown, as: UTF8.self)
        let leading = String(repeating: " ", count: max(field - shown.count, 0))
        return leading + text + String(repeating: " ", count: pad)
    }
}
