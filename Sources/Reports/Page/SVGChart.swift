import Foundation
import Profiler

/// A small line chart rendered as inline SVG, with axes, grid, tick labels and a legend.
/// Coordinates are in data units; the chart maps them linearly onto the plot area (pass
/// already-transformed values, e.g. log10(1/(1-p)), for a log axis). The SVG has a viewBox and
/// no fixed size: it takes the page's width and scales down on a narrow screen.
struct LineChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        /// Index into the palette; by default the series' position.
        var color: Int? = nil
        var dashed = false
        /// A dot at each point, with this text as its tooltip (one per point), for series of few points.
        var dotLabels: [String]? = nil
        /// A spread at some points: a vertical whisker from `low` to `high` at `x`.
        var whiskers: [(x: Double, low: Double, high: Double)] = []
    }
    struct Tick {
        var value: Double
        var label: String
        /// The whole text when the label is a short form of it.
        var tooltip: String? = nil
    }
    /// A vertical mark at `x` (an event such as a slow callback), with a tooltip.
    struct Mark { var x: Double; var label: String }
    /// A horizontal reference line at `y` (a whole-run figure such as the server's loop lag p99).
    struct Rule { var y: Double; var label: String }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var xTicks: [Tick]
    var yTicks: [Tick]
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var marks: [Mark] = []
    var markName = ""
    var rules: [Rule] = []
    var width = 1000.0
    var height = 340.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    func svg() -> String {
        let left = 64.0, right = 190.0, top = 34.0, bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, 1e-12) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, 1e-12) * plotH }
        func clampX(_ x: Double) -> Double { min(max(x, xRange.lowerBound), xRange.upperBound) }
        func clampY(_ y: Double) -> Double { min(max(y, yRange.lowerBound), yRange.upperBound) }
        var out = SVG.open(width: width, height: height, title: title)
        out += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        for tick in yTicks where yRange.contains(tick.value) {
            let y = py(tick.value)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTML.escape(tick.label))</text>\n"
        }
        for tick in xTicks where xRange.contains(tick.value) {
            let x = px(tick.value)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>"
            // 18 below the plot: clear of the lowest y tick label, which sits 4 below it at the corner.
            out += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(HTML.escape(tick.label))\(tick.tooltip.map { "<title>\(HTML.escape($0))</title>" } ?? "")</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#888\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(14 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        var legend = 0
        func legendEntry(_ name: String, color: String, dashed: Bool, mark: Bool = false) {
            let ly = top + 8 + Double(legend) * 16
            legend += 1
            guard ly < height - 8 else { return }
            if mark {
                out += "<line x1=\"\(f(left + plotW + 22))\" y1=\"\(f(ly - 6))\" x2=\"\(f(left + plotW + 22))\" y2=\"\(f(ly + 6))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            } else {
                out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"3\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            }
            out += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly + 4))\">\(HTML.escape(Self.shorten(name)))<title>\(HTML.escape(name))</title></text>\n"
        }
        for rule in rules where yRange.contains(rule.y) {
            let y = py(rule.y)
            out += "<line class=\"mark\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#555\" stroke-dasharray=\"2 3\"><title>\(HTML.escape(rule.label))</title></line>\n"
            legendEntry(rule.label, color: "#555", dashed: true)
        }
        for (i, s) in series.enumerated() {
            let color = Self.palette[(s.color ?? i) % Self.palette.count]
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(f(px(clampX($0.x)))),\(f(py(clampY($0.y))))" }
            if points.count == 1 {
                let xy = points[0].split(separator: ",")
                out += "<circle class=\"mark\" cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"><title>\(HTML.escape(s.dotLabels?.first ?? s.name))</title></circle>\n"
            } else if !points.isEmpty {
                out += "<polyline class=\"mark\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") stroke-linejoin=\"round\" points=\"\(points.joined(separator: " "))\"><title>\(HTML.escape(s.name))</title></polyline>\n"
            }
            for w in s.whiskers where w.x.isFinite && w.low.isFinite && w.high.isFinite && w.high > w.low {
                let x = px(clampX(w.x)), y0 = py(clampY(w.low)), y1 = py(clampY(w.high))
                out += "<path class=\"spread\" d=\"M\(f(x)) \(f(y0))V\(f(y1))M\(f(x - 4)) \(f(y0))H\(f(x + 4))M\(f(x - 4)) \(f(y1))H\(f(x + 4))\" stroke=\"\(color)\" stroke-width=\"1.5\" fill=\"none\"/>"
            }
            if let labels = s.dotLabels, points.count > 1 {
                for (point, label) in zip(s.points, labels) where point.x.isFinite && point.y.isFinite {
                    out += "<circle class=\"mark\" cx=\"\(f(px(clampX(point.x))))\" cy=\"\(f(py(clampY(point.y))))\" r=\"3.5\" fill=\"\(color)\"><title>\(HTML.escape(label))</title></circle>"
                }
                out += "\n"
            }
            legendEntry(s.name, color: color, dashed: s.dashed)
        }
        if !marks.isEmpty {
            for mark in marks where xRange.contains(mark.x) {
                let x = px(mark.x)
                out += "<line class=\"mark\" x1=\"\(f(x))\" y1=\"\(f(top + plotH - 10))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#000\" stroke-width=\"2\"><title>\(HTML.escape(mark.label))</title></line>"
            }
            out += "\n"
            legendEntry(markName, color: "#000", dashed: false, mark: true)
        }
        return out + "</svg>\n"
    }

    static func shorten(_ name: String) -> String { name.count > 24 ? String(name.prefix(23)) + "…" : name }

    /// About five round ticks from 0 to `maximum` (1, 2 or 5 times a power of ten apart).
    static func niceTicks(upTo maximum: Double, format: (Double) -> String) -> (ticks: [Tick], top: Double) {
        guard maximum > 0, maximum.isFinite else { return ([Tick(value: 0, label: format(0)), Tick(value: 1, label: format(1))], 1) }
        let rough = maximum / 5
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let top = ceil(maximum / step - 1e-9) * step
        var ticks: [Tick] = []
        var k = 0.0
        while k * step <= top + step / 2 { ticks.append(Tick(value: k * step, label: format(k * step))); k += 1 }
        return (ticks, top)
    }

    /// Time ticks in seconds from 0 to the end of the run: "0s 0.5s 1s" for a short run, "0s 10s
    /// 20s" for a long one; the axis ends with the run, not at the next round number.
    static func timeTicks(upTo seconds: Double) -> (ticks: [Tick], top: Double) {
        let end = max(seconds, 0.1)
        let (ticks, _) = niceTicks(upTo: end) { $0.trimmed + "s" }
        let inside = ticks.filter { $0.value <= end + 1e-9 }
        return (inside, end)
    }
}

/// Horizontal bars, one per variant, each with an optional spread (a whisker from low to high)
/// and the best bar marked: reads well from 2 to 16 variants and on a narrow screen.
struct BarChart {
    struct Bar {
        var name: String
        var value: Double
        var low: Double?
        var high: Double?
        var label: String
        var color: Int
    }

    var title: String
    var bars: [Bar]
    /// Which end is better: the winner is the largest value when true, the smallest when false.
    var higherIsBetter: Bool
    var unit: String
    var format: (Double) -> String
    var width = 1000.0
    /// Mark the best bar (off when bars are the same variant measured twice).
    var markBest = true

    var best: Int? {
        guard markBest, bars.count > 1 else { return nil }
        let valid = bars.indices.filter { bars[$0].value.isFinite && bars[$0].value > 0 }
        return higherIsBetter ? valid.max { bars[$0].value < bars[$1].value } : valid.min { bars[$0].value < bars[$1].value }
    }

    func svg() -> String {
        let rowH = 22.0, top = 34.0, bottom = 30.0, left = 200.0, right = 150.0
        let height = top + Double(bars.count) * rowH + bottom
        let plotW = width - left - right
        let maxValue = bars.map { max($0.value, $0.high ?? 0) }.filter(\.isFinite).max() ?? 1
        let (ticks, topValue) = LineChart.niceTicks(upTo: maxValue * 1.02, format: format)
        func px(_ v: Double) -> Double { left + min(max(v, 0), topValue) / max(topValue, 1e-12) * plotW }
        var out = SVG.open(width: width, height: height, title: title)
        out += "<text x=\"8\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        out += "<text x=\"\(f(width - 8))\" y=\"20\" text-anchor=\"end\" fill=\"#666\">\(higherIsBetter ? "higher is better" : "lower is better")</text>\n"
        for tick in ticks {
            let x = px(tick.value)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top - 4))\" x2=\"\(f(x))\" y2=\"\(f(height - bottom))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(f(height - bottom + 14))\" text-anchor=\"middle\" fill=\"#666\">\(HTML.escape(tick.label))</text>\n"
        }
        let winner = best
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * rowH
            let color = LineChart.palette[bar.color % LineChart.palette.count]
            let isBest = i == winner
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\"\(isBest ? " font-weight=\"bold\"" : "")>\(HTML.escape(LineChart.shorten(bar.name)))<title>\(HTML.escape(bar.name))</title></text>"
            let w = max(px(bar.value) - left, bar.value > 0 ? 1 : 0)
            out += "<rect class=\"mark\" x=\"\(f(left))\" y=\"\(f(y + 4))\" width=\"\(f(w))\" height=\"\(f(rowH - 8))\" fill=\"\(color)\" fill-opacity=\"\(isBest ? "1" : "0.55")\"><title>\(HTML.escape("\(bar.name): \(bar.label)"))</title></rect>"
            if let low = bar.low, let high = bar.high, high > low {
                let cy = y + rowH / 2
                out += "<path class=\"spread\" d=\"M\(f(px(low))) \(f(cy))H\(f(px(high)))M\(f(px(low))) \(f(cy - 5))V\(f(cy + 5))M\(f(px(high))) \(f(cy - 5))V\(f(cy + 5))\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"><title>\(HTML.escape("spread \(format(low)) – \(format(high))"))</title></path>"
            }
            let labelX = max(px(bar.value), px(bar.high ?? 0)) + 6
            out += "<text x=\"\(f(labelX))\" y=\"\(f(y + 15))\"\(isBest ? " font-weight=\"bold\"" : "")>\(HTML.escape(bar.label + (isBest ? "  ★ best" : "")))</text>\n"
        }
        return out + "</svg>\n"
    }
}

/// SVG helpers shared by the charts.
enum SVG {
    /// The opening tag: a viewBox, no fixed size (CSS makes it as wide as the page), a label for screen readers.
    static func open(width: Double, height: Double, title: String) -> String {
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height.rounded(.up)))\" "
            + "preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"\(HTML.escape(title))\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
    }
}

func f(_ v: Double) -> String { String(format: "%.1f", v) }

/// HTML helpers.
public enum HTML {
    /// Escapes text for HTML and SVG content and attributes.
    public static func escape(_ text: String) -> String { XMLText.escape(text) }
}
