import Foundation

extension Double {
    /// The value with up to three decimals and no trailing zeros ("2", "0.25", "1.125").
    var trimmed: String {
        var text = String(format: "%.3f", self)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
