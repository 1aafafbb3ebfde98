import Foundation

/// A small line chart rendered as inline SVG, with axes, grid, tick labels and a legend.
/// Coordinates are in data units; the chart maps them linearly onto the plot area (pass
/// already-transformed values, e.g. log10(1/(1-p)), for a log axis).
struct LineChart {
    struct Series { var name: String; var points: [(x: Double, y: Double)] }
    struct Tick { var value: Double; var label: String }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var xTicks: [Tick]
    var yTicks: [Tick]
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var width = 760.0
    var height = 360.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    func svg() -> String {
        let left = 70.0, right = 180.0, top = 34.0, bottom = 48.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, 1e-12) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, 1e-12) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        out += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        for tick in yTicks where yRange.contains(tick.value) {
            let y = py(tick.value)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTML.escape(tick.label))</text>\n"
        }
        for tick in xTicks where xRange.contains(tick.value) {
            let x = px(tick.value)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(HTML.escape(tick.label))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#888\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(14 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
                .map { "\(f(px(min(max($0.x, xRange.lowerBound), xRange.upperBound)))),\(f(py(min(max($0.y, yRange.lowerBound), yRange.upperBound))))" }
            if points.count == 1 {
                let xy = points[0].split(separator: ",")
                out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
            } else if !points.isEmpty {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"><title>\(HTML.escape(s.name))</title></polyline>\n"
            }
            let ly = top + 8 + Double(i) * 16
            out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"3\"/>"
            out += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly + 4))\">\(HTML.escape(Self.shorten(s.name)))</text>\n"
        }
        return out + "</svg>\n"
    }

    static func shorten(_ name: String) -> String { name.count > 22 ? String(name.prefix(21)) + "…" : name }

    /// About five round ticks from 0 to `maximum` (1, 2 or 5 times a power of ten apart).
    static func niceTicks(upTo maximum: Double, format: (Double) -> String) -> (ticks: [Tick], top: Double) {
        guard maximum > 0, maximum.isFinite else { return ([Tick(value: 0, label: format(0)), Tick(value: 1, label: format(1))], 1) }
        let rough = maximum / 5
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let top = ceil(maximum / step) * step
        var ticks: [Tick] = []
        var v = 0.0
        while v <= top + step / 2 { ticks.append(Tick(value: v, label: format(v))); v += step }
        return (ticks, top)
    }
}

/// HTML helpers.
public enum HTML {
    /// Escapes text for HTML and SVG content and attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
