#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C `long double` as Swift can hold it. wrk computes its figures in `long double`
/// (80-bit x87 on x86_64), and rounding at the second decimal depends on it, so the
/// printers reproduce that width where Swift has it and fall back to `Double` elsewhere.
#if arch(x86_64) || arch(i386)
typealias CLongDouble = Float80
/// The printf length modifier that matches `CLongDouble`.
let longDoubleModifier = "L"
#else
typealias CLongDouble = Double
let longDoubleModifier = ""
#endif

/// C `printf`-style formatting through the C library's own `vsnprintf`, so that widths,
/// precisions and rounding are exactly those of the C programs whose output we reproduce
/// (Foundation's `String(format:)` is a reimplementation and does not accept `%Lf`).
enum CFormat {
    /// Formats `arguments` with the C format string `format`.
    static func string(_ format: String, _ arguments: any CVarArg...) -> String {
        string(format, arguments: arguments)
    }

    /// Formats `arguments` with the C format string `format`.
    static func string(_ format: String, arguments: [any CVarArg]) -> String {
        var capacity = 128
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = withVaList(arguments) { list in
                format.withCString { vsnprintf(&buffer, capacity, $0, list) }
            }
            precondition(written >= 0, "invalid C format string: \(format)")
            if Int(written) < capacity {
                return String(decoding: buffer[0..<Int(written)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(written) + 1
        }
    }
}
