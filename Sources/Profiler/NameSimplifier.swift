/// Shortens the Swift runtime's full demangled names to what a flame graph needs, the way
/// `swift demangle --simplified` reads: argument lists keep their labels only, closure and
/// accessor type signatures and return types go.
///
///     closure #1 (Swift.Int) -> () in LoadGen.Worker.run(limit: Swift.Int) -> ()
///     → closure #1 in LoadGen.Worker.run(limit:)
enum NameSimplifier {
    static func simplify(_ name: String) -> String {
        let chars = Array(name)
        var out: [Character] = []
        out.reserveCapacity(chars.count)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "(" {
                let close = matching(chars, from: i)
                let inner = String(chars[(i + 1)..<close])
                if inner.hasPrefix("extension in ") {
                    out.append(contentsOf: chars[i...close])          // `(extension in Swift):` names a module
                } else if let last = out.last, isNameCharacter(last) {
                    out.append(contentsOf: "(" + labels(inner) + ")")  // an argument list: keep the labels
                } else {
                    while out.last == " " { out.removeLast() }       // a type signature: drop it
                }
                i = close + 1
                i = skipReturnType(chars, from: i)
                continue
            }
            if c == " ", i + 2 < chars.count, chars[i + 1] == ":", chars[i + 2] == " " {
                // `X.getter : Type`: the accessor's type goes up to the next ` in `.
                i = skipToIn(chars, from: i)
                continue
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    /// Index of the bracket that closes the one at `start` (or the last index if unbalanced).
    private static func matching(_ chars: [Character], from start: Int) -> Int {
        var depth = 0
        var i = start
        while i < chars.count {
            switch chars[i] {
            case "(", "<", "[": depth += 1
            case ")", ">", "]":
                // `->` is an arrow, not a closing bracket.
                if chars[i] == ">" && i > 0 && chars[i - 1] == "-" { break }
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return chars.count - 1
    }

    /// Skips ` async`, ` throws` and ` -> Type` after an argument list or a signature.
    private static func skipReturnType(_ chars: [Character], from start: Int) -> Int {
        var i = start
        for word in [" async", " throws", " rethrows"] where hasPrefix(chars, at: i, word) { i += word.count }
        if hasPrefix(chars, at: i, " -> ") { return skipToIn(chars, from: i) }
        return i
    }

    /// The index of the next ` in ` outside brackets, or the end.
    private static func skipToIn(_ chars: [Character], from start: Int) -> Int {
        var depth = 0
        var i = start
        while i < chars.count {
            let c = chars[i]
            if c == "(" || c == "[" || (c == "<") { depth += 1 }
            if c == ")" || c == "]" || (c == ">" && !(i > 0 && chars[i - 1] == "-")) { depth -= 1 }
            if depth == 0 && hasPrefix(chars, at: i, " in ") { return i }
            i += 1
        }
        return chars.count
    }

    /// `a: Int, _: String, Double` → `a:_:_:`.
    private static func labels(_ arguments: String) -> String {
        let chars = Array(arguments)
        guard !chars.isEmpty else { return "" }
        var result = ""
        var depth = 0
        var start = 0
        func label(_ part: ArraySlice<Character>) -> String {
            let text = String(part).trimmingLeadingSpaces
            // A label is an identifier followed by `: ` before any bracket.
            guard let colon = text.firstIndex(of: ":") else { return "_:" }
            let candidate = text[..<colon]
            return !candidate.isEmpty && candidate.allSatisfy(isNameCharacter) ? candidate + ":" : "_:"
        }
        for (i, c) in chars.enumerated() {
            if c == "(" || c == "[" || c == "<" { depth += 1 }
            if c == ")" || c == "]" || (c == ">" && !(i > 0 && chars[i - 1] == "-")) { depth -= 1 }
            if c == "," && depth == 0 {
                result += label(chars[start..<i])
                start = i + 1
            }
        }
        result += label(chars[start...])
        return result
    }

    private static func hasPrefix(_ chars: [Character], at index: Int, _ prefix: String) -> Bool {
        var i = index
        for p in prefix {
            guard i < chars.count, chars[i] == p else { return false }
            i += 1
        }
        return true
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "`" || c == ">" || c == "?" || c == "!"
    }
}

private extension String {
    var trimmingLeadingSpaces: String { String(drop(while: { $0 == " " })) }
}
