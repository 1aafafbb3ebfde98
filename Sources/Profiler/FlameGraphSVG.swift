/// A self-contained interactive flame graph (SVG with embedded script, no external resources),
/// laid out like flamegraph.pl's: root at the bottom, children sorted by name, width = samples.
/// Hovering a frame shows its name, samples and percent; clicking zooms into it; "Reset Zoom"
/// or a click on the root frame zooms out.
public enum FlameGraphSVG {
    static let frameHeight = 16.0
    static let pad = 10.0
    static let top = 40.0
    static let bottom = 28.0
    /// Width of a 12 px monospace glyph, to fit labels (the script uses the same figure).
    static let charWidth = 7.2
    static let minimumWidth = 0.1

    private struct Node {
        var name: String
        var total = 0
        var children: [String: Int] = [:]   // name -> index in nodes
    }

    /// Renders the profile merged over threads.
    public static func render(_ profile: NamedProfile, title: String = "CPU profile", width: Int = 1200) -> String {
        var nodes = [Node(name: "all")]
        for stack in profile.stacks {
            nodes[0].total += stack.count
            var current = 0
            for name in stack.frames {
                if let child = nodes[current].children[name] {
                    current = child
                } else {
                    nodes.append(Node(name: name))
                    nodes[current].children[name] = nodes.count - 1
                    current = nodes.count - 1
                }
                nodes[current].total += stack.count
            }
        }
        let total = max(1, nodes[0].total)
        let usable = Double(width) - 2 * pad
        let perSample = usable / Double(total)

        // Lay out depth-first; keep frames wide enough to see.
        var frames: [(node: Int, x: Double, width: Double, depth: Int)] = []
        var maxDepth = 0
        func place(_ index: Int, x: Double, depth: Int) {
            let w = Double(nodes[index].total) * perSample
            guard w >= minimumWidth else { return }
            frames.append((index, x, w, depth))
            maxDepth = max(maxDepth, depth)
            var childX = x
            for (_, child) in nodes[index].children.sorted(by: { $0.key < $1.key }) {
                place(child, x: childX, depth: depth + 1)
                childX += Double(nodes[child].total) * perSample
            }
        }
        place(0, x: pad, depth: 0)

        let height = top + Double(maxDepth + 1) * frameHeight + bottom
        var svg = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(format(height))" \
        viewBox="0 0 \(width) \(format(height))" data-total="\(total)">
        <style>
        text { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; fill: #000; }
        g.f { cursor: pointer; }
        g.f:hover rect { stroke: #000; stroke-width: 0.5; }
        #title { font-size: 17px; text-anchor: middle; }
        #reset { opacity: 0; cursor: pointer; }
        </style>
        <rect x="0" y="0" width="\(width)" height="\(format(height))" fill="#f8f8f0"/>
        <text id="title" x="\(width / 2)" y="24">\(escape(fittedTitle(title, width: width, summary: "\(total) samples at \(profile.hz) Hz")))<title>\(escape(title))</title></text>
        <text id="reset" x="\(format(pad))" y="24">Reset Zoom</text>
        <text id="summary" x="\(format(Double(width) - pad))" y="24" text-anchor="end">\(total) samples at \(profile.hz) Hz</text>
        <text id="details" x="\(format(pad))" y="\(format(height - 10))"> </text>
        <g id="frames">

        """
        for frame in frames {
            let node = nodes[frame.node]
            let y = height - bottom - Double(frame.depth + 1) * frameHeight
            let percent = Double(node.total) * 100 / Double(total)
            let info = "\(node.name) (\(node.total) samples, \(formatPercent(percent))%)"
            svg += "<g class=\"f\" data-x=\"\(format(frame.x))\" data-w=\"\(format(frame.width))\" data-d=\"\(frame.depth)\" data-n=\"\(node.total)\">"
            svg += "<title>\(escape(info))</title>"
            svg += "<rect x=\"\(format(frame.x))\" y=\"\(format(y))\" width=\"\(format(frame.width))\" height=\"\(format(frameHeight - 1))\" rx=\"2\" fill=\"\(color(node.name, root: frame.depth == 0))\"/>"
            svg += "<text x=\"\(format(frame.x + 3))\" y=\"\(format(y + 11.5))\">\(escape(label(node.name, width: frame.width)))</text></g>\n"
        }
        svg += "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n\(script(width: width))\n]]></script>\n</svg>\n"
        return svg
    }

    /// The title cut (with "…") to the room a centred 17 px title has between "Reset Zoom" on the
    /// left and the sample count on the right, so the two never overlap; the whole title stays
    /// as a tooltip. 17 px monospace glyphs are 10.2 px wide (0.6 em), the 12 px monospace count as `charWidth`.
    static func fittedTitle(_ title: String, width: Int, summary: String) -> String {
        let side = max(Double(summary.count) * charWidth, 80) + pad + 12
        let room = Int((Double(width) - 2 * side) / 10.2)
        if title.count <= room { return title }
        return room < 2 ? "" : String(title.prefix(room - 1)) + "…"
    }

    /// The label that fits a frame of `width` pixels (`..` marks a cut).
    static func label(_ name: String, width: Double) -> String {
        let fits = Int((width - 6) / charWidth)
        if fits < 3 { return "" }
        if name.count <= fits { return name }
        return String(name.prefix(fits - 2)) + ".."
    }

    /// flamegraph.pl's "hot" palette, picked by a stable hash of the name so colours do not
    /// change between runs.
    static func color(_ name: String, root: Bool) -> String {
        if root { return "rgb(200,200,200)" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let a = Double(hash & 0xff) / 255, b = Double((hash >> 8) & 0xff) / 255, c = Double((hash >> 16) & 0xff) / 255
        return "rgb(\(205 + Int(50 * a)),\(Int(230 * b)),\(Int(55 * c)))"
    }

    static func escape(_ text: String) -> String { XMLText.escape(text) }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func formatPercent(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }

    private static func script(width: Int) -> String {
        """
        (function () {
          var W = \(width), PAD = \(format(pad)), CHAR = \(charWidth);
          var frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));
          var details = document.getElementById('details'), reset = document.getElementById('reset');
          function num(g, a) { return parseFloat(g.getAttribute(a)); }
          function info(g) { return g.querySelector('title').textContent; }
          function name(g) { var t = info(g); return t.substring(0, t.lastIndexOf(' (')); }
          function fit(s, w) {
            var n = Math.floor((w - 6) / CHAR);
            if (n < 3) return '';
            return s.length <= n ? s : s.substring(0, n - 2) + '..';
          }
          function place(g, x, w) {
            var r = g.querySelector('rect'), t = g.querySelector('text');
            r.setAttribute('x', x); r.setAttribute('width', w);
            t.setAttribute('x', x + 3); t.textContent = fit(name(g), w);
          }
          function zoom(target) {
            var x0 = num(target, 'data-x'), w0 = num(target, 'data-w'), d0 = num(target, 'data-d');
            var scale = (W - 2 * PAD) / w0, eps = 1e-6;
            frames.forEach(function (g) {
              var x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');
              if (d >= d0 && x >= x0 - eps && x + w <= x0 + w0 + eps) {
                g.style.display = ''; g.style.opacity = '';
                place(g, PAD + (x - x0) * scale, w * scale);
              } else if (d < d0 && x <= x0 + eps && x + w >= x0 + w0 - eps) {
                g.style.display = ''; g.style.opacity = '0.6';
                place(g, PAD, W - 2 * PAD);
              } else {
                g.style.display = 'none';
              }
            });
            reset.style.opacity = d0 > 0 ? '1' : '0';
          }
          frames.forEach(function (g) {
            g.addEventListener('mouseover', function () { details.textContent = info(g); });
            g.addEventListener('mouseout', function () { details.textContent = ' '; });
            g.addEventListener('click', function () { zoom(g); });
          });
          reset.addEventListener('click', function () { if (frames.length) zoom(frames[0]); });
        })();
        """
    }
}
