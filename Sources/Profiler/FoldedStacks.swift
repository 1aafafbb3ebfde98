/// Folded stacks, the input of Brendan Gregg's flamegraph.pl and of speedscope's importer:
/// one line per distinct stack, frames root first joined by `;`, a space, the sample count.
public enum FoldedStacks {
    /// Renders the profile merged over threads, lines sorted by stack.
    public static func render(_ profile: NamedProfile) -> String {
        var text = ""
        for (frames, count) in profile.mergedAcrossThreads {
            text += frames.map(sanitize).joined(separator: ";")
            text += " \(count)\n"
        }
        return text
    }

    /// Parses folded text back into stacks; nil if a line is malformed (no count, empty stack).
    public static func parse(_ text: String) -> [(frames: [String], count: Int)]? {
        var stacks: [(frames: [String], count: Int)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            // The count follows the last space: frame names may contain spaces themselves.
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]), count >= 0 else {
                return nil
            }
            let frames = line[..<space].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard !frames.isEmpty, !frames.contains(where: \.isEmpty) else { return nil }
            stacks.append((frames, count))
        }
        return stacks
    }

    /// `;` separates frames and a newline ends a line, so neither may appear inside a name.
    static func sanitize(_ name: String) -> String {
        guard name.contains(where: { $0 == ";" || $0 == "\n" || $0 == "\r" }) else { return name }
        return String(name.map { $0 == ";" ? ":" : ($0 == "\n" || $0 == "\r") ? " " : $0 })
    }
}
