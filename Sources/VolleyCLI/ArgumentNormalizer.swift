/// Rewrites wrk-style arguments into what swift-argument-parser accepts, so that
/// `volley -t12 -c400 -d10s URL` works exactly like the wrk command line.
public enum ArgumentNormalizer {
    /// Short options that take a value and may be written with it attached (`-t12`, `-HAccept: */*`).
    public static let valueShortOptions: Set<Character> = ["t", "c", "d", "H", "m", "p", "R", "s"]

    /// Splits `-t12` into `-t 12`; leaves everything after `--` and every other argument alone.
    public static func normalize(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var passThrough = false
        for argument in arguments {
            if passThrough || argument == "--" {
                passThrough = true
                result.append(argument)
                continue
            }
            let chars = Array(argument)
            if chars.count > 2, chars[0] == "-", chars[1] != "-", valueShortOptions.contains(chars[1]) {
                result.append("-" + String(chars[1]))
                var value = String(chars[2...])
                if value.hasPrefix("=") { value.removeFirst() }
                result.append(value)
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
