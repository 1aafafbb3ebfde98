/// Text made safe for XML, SVG and HTML content and attribute values: the one escaper that the
/// flame graphs (Profiler) and the reports (Reports) share.
public enum XMLText {
    /// `&`, `<`, `>`, both quotes as entities; control characters XML forbids as spaces.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters other than tab and line ends are not allowed in XML 1.0.
                if let ascii = ch.asciiValue, ascii < 0x20, ascii != 0x09, ascii != 0x0A, ascii != 0x0D { out += " " } else { out.append(ch) }
            }
        }
        return out
    }
}
