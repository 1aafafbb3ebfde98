import Foundation
import Profiler

/// A call tree read back from a profile file, drawn in the page as an interactive flame graph
/// (click to zoom, search, reset; `PageScript` builds it from a compact JSON list of frames so
/// that sixteen profiled variants stay well under 2 MB). Two trees give a differential graph.
struct CallTree {
    struct Node {
        var name: String
        var samples: Int
        /// Samples of the same path in the baseline (differential graphs only).
        var baseSamples = 0
        var children: [Int] = []
    }

    /// Node 0 is the root ("all").
    var nodes: [Node] = [Node(name: "all", samples: 0)]
    var baseTotal = 0
    var total: Int { nodes[0].samples }

    /// Reads a profile file: folded stacks (`a;b;c 42` per line) or Volley's SVG flame graph
    /// (whose frames carry `data-d` depths and `name (N samples, …)` titles, in depth-first order).
    init?(file text: String) {
        if text.contains("<svg") { self.init(svg: text) } else { self.init(folded: text) }
        if total == 0 { return nil }
    }

    init(folded text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]), count > 0 else { continue }
            add(line[..<space].split(separator: ";").map(String.init), count: count)
        }
    }

    init(svg text: String) {
        var parents: [Int] = []   // parents[d] = node at depth d on the current path
        var rest = text[...]
        while let open = rest.range(of: "<g class=\"f\"") {
            guard let close = rest[open.upperBound...].range(of: "</title>") else { break }
            let element = rest[open.upperBound..<close.lowerBound]
            rest = rest[close.upperBound...]
            guard let depth = Self.attribute("data-d", in: element).flatMap({ Int($0) }),
                  let samples = Self.attribute("data-n", in: element).flatMap({ Int($0) }),
                  let titleStart = element.range(of: "<title>") else { continue }
            var name = Self.unescape(String(element[titleStart.upperBound...]))
            if let cut = name.range(of: " (", options: .backwards) { name = String(name[..<cut.lowerBound]) }
            if depth == 0 { nodes[0].samples = samples; parents = [0]; continue }
            guard depth <= parents.count else { continue }
            parents.removeLast(parents.count - depth)
            nodes.append(Node(name: name, samples: samples))
            nodes[parents[depth - 1]].children.append(nodes.count - 1)
            parents.append(nodes.count - 1)
        }
    }

    private mutating func add(_ frames: [String], count: Int, base: Bool = false) {
        var current = 0
        if base { nodes[0].baseSamples += count } else { nodes[0].samples += count }
        for name in frames {
            if let child = nodes[current].children.first(where: { nodes[$0].name == name }) {
                current = child
            } else {
                nodes.append(Node(name: name, samples: 0))
                nodes[current].children.append(nodes.count - 1)
                current = nodes.count - 1
            }
            if base { nodes[current].baseSamples += count } else { nodes[current].samples += count }
        }
    }

    /// The leaf-to-root paths with their own (self) samples, to merge trees.
    private func paths() -> [([String], Int)] {
        var out: [([String], Int)] = []
        func walk(_ i: Int, _ path: [String]) {
            let childSamples = nodes[i].children.reduce(0) { $0 + nodes[$1].samples }
            if nodes[i].samples > childSamples, i != 0 { out.append((path, nodes[i].samples - childSamples)) }
            for c in nodes[i].children { walk(c, path + [nodes[c].name]) }
        }
        walk(0, [])
        return out
    }

    /// A differential tree: shapes and widths from `new`, each frame also knowing its samples in `base`.
    static func differential(base: CallTree, new: CallTree) -> CallTree {
        var tree = CallTree(folded: "")
        for (path, count) in new.paths() { tree.add(path, count: count) }
        for (path, count) in base.paths() { tree.add(path, count: count, base: true) }
        tree.baseTotal = base.total
        return tree
    }

    /// The frames as JSON for the page script: `names` (each once) and `frames`, each
    /// `[depth, x, width, name, samples]` with x and width as fractions of the root, plus, in a
    /// differential tree, the change of the frame's share in tenths of a percentage point.
    /// Frames narrower than `minimumShare` of the root are left out (they would be under a pixel).
    func json(minimumShare: Double = 0.001, maximumFrames: Int = 3000) -> String {
        var names: [String] = [], nameIndex: [String: Int] = [:]
        var frames: [String] = []
        let total = Double(max(self.total, 1))
        let differential = baseTotal > 0
        func walk(_ i: Int, depth: Int, x: Double) {
            let node = nodes[i]
            let share = Double(node.samples) / total
            guard share >= minimumShare || i == 0, frames.count < maximumFrames else { return }
            let index: Int
            if let known = nameIndex[node.name] { index = known } else { index = names.count; names.append(node.name); nameIndex[node.name] = index }
            var frame = "[\(depth),\(Self.fraction(x)),\(Self.fraction(share)),\(index),\(node.samples)"
            if differential {
                let change = share - Double(node.baseSamples) / Double(baseTotal)
                frame += ",\(Int((change * 1000).rounded()))"
            }
            frames.append(frame + "]")
            var childX = x
            for c in nodes[i].children.sorted(by: { nodes[$0].name < nodes[$1].name }) {
                walk(c, depth: depth + 1, x: childX)
                childX += Double(nodes[c].samples) / total
            }
        }
        walk(0, depth: 0, x: 0)
        return "{\"names\":[" + names.map(JSONText.quoted).joined(separator: ",") + "],\"frames\":[" + frames.joined(separator: ",") + "]}"
    }

    /// The flame graph's box: a title row whose name is cut with an ellipsis before it can reach
    /// the sample count, the search field and reset button, and the frames' data.
    func html(title: String, subtitle: String) -> String {
        """
        <div class="flame"><div class="fhead"><span class="ftitle" title="\(HTML.escape(title))">\(HTML.escape(title))</span><span class="fcount">\(HTML.escape(subtitle))</span></div>
        <div class="ftools"><input type="search" placeholder="search frames (e.g. gzip)" aria-label="search frames"><button type="button" class="freset" disabled>reset zoom</button><span class="fmatch"></span><span class="fdetail"></span></div>
        <div class="fbody"></div><script type="application/json" class="fdata">\(json().replacingOccurrences(of: "</", with: "<\\/"))</script></div>

        """
    }

    private static func fraction(_ v: Double) -> String {
        var text = String(format: "%.6f", v)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func attribute(_ name: String, in element: Substring) -> String? {
        guard let start = element.range(of: " \(name)=\"") else { return nil }
        let value = element[start.upperBound...].prefix { $0 != "\"" }
        return String(value)
    }

    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
