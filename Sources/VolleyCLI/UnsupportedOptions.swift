/// Options people bring from wrk or other tools that Volley does not take (yet): instead of a
/// bare "Unknown option", say what to use. Checked before parsing.
enum UnsupportedOptions {
    /// Options whose value may itself start with `-` (so `-H -s` is not the script flag).
    static let takesFreeValue: Set<String> = ["-H", "--header", "-m", "--method", "--body", "--body-file"]

    /// What to say about `arguments`, or nil when none of them is a known unsupported option.
    static func message(_ arguments: [String]) -> String? {
        var previous = ""
        for argument in arguments {
            if argument == "--" { return nil }
            defer { previous = argument }
            if takesFreeValue.contains(previous) { continue }
            if let advice = advice[argument] { return "option '\(argument)': \(advice)" }
            // wrk's attached form, `-sscript.lua`.
            if argument.hasPrefix("-s"), !argument.hasPrefix("--"), let advice = advice["-s"] { return "option '\(argument)': \(advice)" }
        }
        return nil
    }

    static let advice: [String: String] = [
        "-v": "for the version use --version",
    ]
}
