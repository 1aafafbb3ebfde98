import Foundation

/// The file formats a profile can be written in.
public enum ProfileFormat: String, CaseIterable, Sendable {
    /// flamegraph.pl's folded stacks (`a;b;c 42`).
    case folded
    /// speedscope's JSON file format.
    case speedscope
    /// Volley's own interactive SVG flame graph.
    case svg

    /// A format by name, as `--profile-format` and `?format=` take it (also `json` and `txt`).
    public init?(name: String) {
        switch name.lowercased() {
        case "folded", "txt", "collapsed": self = .folded
        case "speedscope", "json": self = .speedscope
        case "svg", "flamegraph": self = .svg
        default: return nil
        }
    }

    /// The format a file name asks for by its extension: `.folded`/`.txt`, `.speedscope.json`/`.json`, `.svg`.
    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".folded") || lower.hasSuffix(".txt") || lower.hasSuffix(".collapsed") { self = .folded }
        else if lower.hasSuffix(".json") { self = .speedscope }
        else if lower.hasSuffix(".svg") { self = .svg }
        else { return nil }
    }

    /// MIME type for an HTTP response carrying this format.
    public var contentType: String {
        switch self {
        case .folded: "text/plain; charset=utf-8"
        case .speedscope: "application/json"
        case .svg: "image/svg+xml"
        }
    }

    /// Renders a named profile in this format.
    public func render(_ profile: NamedProfile, title: String = "volley CPU profile") -> Data {
        switch self {
        case .folded: Data(FoldedStacks.render(profile).utf8)
        case .speedscope: Speedscope.render(profile, name: title)
        case .svg: Data(FlameGraphSVG.render(profile, title: title).utf8)
        }
    }
}

extension Profile {
    /// Symbolizes and renders the profile in `format`.
    public func rendered(as format: ProfileFormat, title: String = "volley CPU profile") -> Data {
        format.render(symbolized(), title: title)
    }

    /// Symbolizes, renders and writes the profile to `path` (atomically: a reader never sees half
    /// a file). The format is `format`, else the one `path`'s extension names, else folded.
    public func write(to path: String, format: ProfileFormat? = nil, title: String = "volley CPU profile") throws {
        let chosen = format ?? ProfileFormat(path: path) ?? .folded
        try rendered(as: chosen, title: title).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
