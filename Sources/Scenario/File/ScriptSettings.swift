import Foundation

/// `load.script` (a wrk Lua script, relative to the scenario file) and `load.script_args`.
extension SettingsDecoder {
    func script(_ value: Located) -> String? {
        guard let text = reader.string(value) else { return nil }
        let base = URL(fileURLWithPath: reader.file).deletingLastPathComponent()
        let path = text.hasPrefix("/") ? text : base.appendingPathComponent(text).path
        guard FileManager.default.isReadableFile(atPath: path) else {
            reader.report(value.node, value.path, "cannot read script `\(path)`", hint: "a path relative to the scenario file, or absolute")
            return nil
        }
        return path
    }

    /// A list of strings (numbers are taken as written).
    func scriptArguments(_ value: Located) -> [String]? {
        guard case .sequence(let sequence) = value.node else {
            reader.report(value.node, value.path, "expected a list of arguments, e.g. [\"--token\", \"abc\"]")
            return nil
        }
        var result: [String] = []
        for (i, node) in sequence.enumerated() {
            guard case .scalar(let scalar) = node else {
                reader.report(node, "\(value.path)[\(i)]", "expected a text argument")
                return nil
            }
            result.append(scalar.string)
        }
        return result
    }
}
