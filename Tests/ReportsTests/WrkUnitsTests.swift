import Testing
import Metrics
@testable import Reports

// Expected strings follow wrk 4.1's src/units.c by hand:
//   format_units(n, m, p): scale = m->scale * 0.85 (850 for µs and metric, 870.4 for binary, 51 for s);
//   for (i = 0; m->units[i+1] && amt >= scale; i++) { amt /= m->scale; unit = m->units[i]; }
//   then "%.*Lf%s". format_time_us switches to the seconds table (s, m, h) from 1000000 µs on.
// Because the loop needs units[i+1], µs stop at "ms", seconds at "m", binary and metric at "T".

struct WrkUnitsTests {
    /// format_time_us scales at 850 µs, never reaches "s" below 10⁶ µs, and stops at minutes above.
    @Test(arguments: [
        (0.0, "0.00us"),                 // 0 < 850: base unit
        (849, "849.00us"),               // just under the 0.85 × 1000 threshold
        (850, "0.85ms"),                 // at the threshold: 850 / 1000
        (1234, "1.23ms"),
        (849_999, "850.00ms"),           // 849.999 ms rounds up, but the unit was already chosen
        (999_999, "1000.00ms"),          // i = 1 would need units[2], which is NULL: no "s"
        (1_000_000, "1.00s"),            // ≥ 10⁶: 1.0 in the seconds table, below 51
        (1_730_000, "1.73s"),
        (50_999_999, "51.00s"),          // 50.999999 s < 51, rounds to 51.00
        (51_000_000, "0.85m"),           // 51 s ≥ 0.85 × 60: minutes
        (3_600_000_000, "60.00m"),       // an hour is 60 m: "h" is the last unit, never reached
        (1_000_000_000_000, "16666.67m"),
    ] as [(Double, String)])
    func formatTimeMicros(micros: Double, expected: String) {
        #expect(WrkTextPrinter.formatTimeMicros(micros) == expected)
    }

    /// format_time_s prints whole units with "%.0Lf", which rounds half to even.
    @Test(arguments: [
        (0.0, "0s"), (10, "10s"), (50, "50s"),
        (51, "1m"),      // 51 / 60 = 0.85, printed with no decimals
        (60, "1m"), (90, "2m"),
        (150, "2m"),     // 2.5 m: glibc rounds the exact tie to even
        (3060, "51m"),   // 51 m ≥ 51 but "h" is the last unit: the loop stops at "m"
        (7200, "120m"),
    ] as [(Double, String)])
    func formatTimeSeconds(seconds: Double, expected: String) {
        #expect(WrkTextPrinter.formatTimeSeconds(seconds) == expected)
    }

    /// format_binary scales at 870.4 by 1024 and stops at "T".
    @Test(arguments: [
        (0.0, "0.00"), (870, "870.00"),
        (871, "0.85K"),                      // 871 ≥ 1024 × 0.85 = 870.4; 871 / 1024 = 0.8506
        (1024, "1.00K"),
        (15_473, "15.11K"),                  // 15473 / 1024 = 15.1103
        (102_236_160, "97.50M"),             // 97.5 × 1024²
        (2000 * 1_099_511_627_776.0, "2000.00T"), // 2000 TiB: "P" is the last unit, never reached
    ] as [(Double, String)])
    func formatBinary(n: Double, expected: String) {
        #expect(WrkTextPrinter.formatBinary(n) == expected)
    }

    /// format_metric scales at 850 by 1000 and stops at "T".
    @Test(arguments: [
        (0.0, "0.00"), (7.05, "7.05"), (849, "849.00"),
        (850, "0.85k"),
        (849_999, "850.00k"),                // 849.999 k < 850: stays in k, rounds to 850.00
        (1_000_000, "1.00M"),
        (5e15, "5000.00T"),
    ] as [(Double, String)])
    func formatMetric(n: Double, expected: String) {
        #expect(WrkTextPrinter.formatMetric(n) == expected)
    }

    /// print_units right-aligns in width − pad and hangs 0, 1 or 2 letters of unit into the gutter.
    @Test(arguments: [
        ("849.00us", 8, "849.00us"),   // two letters: pad 0, "%8.8s"
        ("0.85ms", 8, "  0.85ms"),
        ("210.25ms", 10, "  210.25ms"),
        ("1.73s", 9, "   1.73s "),     // one letter: pad 1, "%8.8s" then one space
        ("1.56s", 10, "    1.56s "),
        ("11.21", 8, " 11.21  "),      // no letter: pad 2, "%6.6s" then two spaces
        ("40.00", 9, "  40.00  "),
        ("1.00k", 8, "  1.00k "),
        ("1000.00ms", 8, "1000.00m"),  // "%8.8s" truncates, as in wrk
    ] as [(String, Int, String)])
    func column(message: String, width: Int, expected: String) {
        #expect(WrkTextPrinter.column(message, width: width) == expected)
    }
}
