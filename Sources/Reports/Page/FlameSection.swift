import Foundation
import Metrics

/// The flame graphs of a result's profiled variants, and the differential graph of two results.
enum FlameSection {
    /// Each profile file of `v` that can be read, as a call tree; the names of those that cannot.
    static func trees(_ v: VariantResult, baseDirectory: String) -> (trees: [(String, CallTree)], missing: [String]) {
        var trees: [(String, CallTree)] = [], missing: [String] = []
        for name in v.profiles ?? [] where name.hasSuffix(".svg") || name.hasSuffix(".folded") || name.hasSuffix(".txt") {
            let path = name.hasPrefix("/") ? name : (baseDirectory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
                  let tree = CallTree(file: text) else { missing.append(name); continue }
            trees.append((name, tree))
        }
        return (trees, missing)
    }

    static func render(_ report: RunReport, baseDirectory: String) -> String {
        var out = ""
        for v in report.variants {
            let found = trees(v, baseDirectory: baseDirectory)
            for (name, tree) in found.trees {
                out += tree.html(title: "\(v.name) — \((name as NSString).lastPathComponent)", subtitle: "\(tree.total) samples")
            }
            for name in found.missing { out += "<p>\(HTML.escape(v.name)): flame graph \(HTML.escape(name)) not found or unreadable</p>\n" }
        }
        guard !out.isEmpty else { return "" }
        return "<h2>Flame graphs</h2>\n<p class=\"meta\">Click a frame to zoom into it, “reset zoom” to go back; search highlights matching frames and says their share of the samples.</p>\n" + out
    }

    /// A differential flame graph per variant profiled in both results: the new profile's shape,
    /// coloured by how each frame's share of the samples changed (red grew, blue shrank).
    static func differential(base: RunReport, baseDirectory: String, new: RunReport, newDirectory: String) -> String {
        var out = ""
        for n in new.variants {
            guard let b = base.variant(named: n.name),
                  let baseTree = trees(b, baseDirectory: baseDirectory).trees.first?.1,
                  let newTree = trees(n, baseDirectory: newDirectory).trees.first?.1 else { continue }
            let diff = CallTree.differential(base: baseTree, new: newTree)
            out += diff.html(title: "\(n.name): new against base", subtitle: "\(newTree.total) samples new, \(baseTree.total) base")
        }
        guard !out.isEmpty else { return "" }
        return "<h2>Differential flame graphs</h2>\n<p class=\"meta legend-diff\">Shape and widths from the new result; colour by the change of each frame's share of the samples:"
            + "<span style=\"background:rgb(250,80,80)\"></span>grew<span style=\"background:rgb(80,80,250)\"></span>shrank<span style=\"background:rgb(235,235,235)\"></span>unchanged (5 points or more is the strongest colour).</p>\n" + out
    }
}
