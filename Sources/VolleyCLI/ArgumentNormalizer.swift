/// Rewrites wrk-style arguments into what swift-argument-parser accepts, so that
/// `volley -t12 -c400 -d10s URL` works exactly like the wrk command line.
public enum ArgumentNormalizer {
    /// Short options that take a value and may be written with it attached (`-t12`, `-HAccept: */*`).
    public static let valueShortOptions: Set<Character> = ["t", "c", "d", "H", "m", "p", "R", "s"]

    /// Numeric short options whose value, when it looks negative (`-d-1s`, `-c -2`), is passed as
    /// `--long=value`: otherwise the parser takes `-1s` for an option and says "Missing value"
    /// instead of why the number is wrong.
    static let longNames: [Character: String] = ["t": "threads", "c": "connections", "d": "duration", "p": "pipeline", "R": "rate"]

    /// Splits `-t12` into `-t 12`; leaves everything after `--` and every other argument alone.
    public static func normalize(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var passThrough = false
        var pendingLong: String?
        for argument in arguments {
            if let long = pendingLong {
                pendingLong = nil
                if looksNegative(argument) { result[result.count - 1] = "--\(long)=\(argument)"; continue }
            }
            if passThrough || argument == "--" {
                passThrough = true
                result.append(argument)
                continue
            }
            let chars = Array(argument)
            if chars.count > 2, chars[0] == "-", chars[1] != "-", valueShortOptions.contains(chars[1]) {
                var value = String(chars[2...])
                if value.hasPrefix("=") { value.removeFirst() }
                if let long = longNames[chars[1]], looksNegative(value) {
                    result.append("--\(long)=\(value)")
                } else {
                    result.append("-" + String(chars[1]))
                    result.append(value)
                }
            } else {
                result.append(argument)
                if chars.count == 2, chars[0] == "-" { pendingLong = longNames[chars[1]] }
            }
        }
        return result
    }

    /// `-1`, `-1s`, `-0.5`: a minus sign and a digit.
    static func looksNegative(_ value: String) -> Bool {
        let chars = Array(value)
        return chars.count >= 2 && chars[0] == "-" && (chars[1].isNumber || chars[1] == ".")
    }
}
