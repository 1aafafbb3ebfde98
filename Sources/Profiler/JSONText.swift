/// A string as a JSON string literal: the one hand-written JSON escaper, shared by the servers'
/// `/debug/stats` (RefServer) and the flame graphs' data in reports (Reports), which build their
/// JSON as text instead of through an encoder.
public enum JSONText {
    /// `s` in double quotes, with `"` and `\` escaped, and control characters as `\n`, `\r`,
    /// `\t` or `\u00XX` (RFC 8259 §7). Everything else is written as it is (UTF-8).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
