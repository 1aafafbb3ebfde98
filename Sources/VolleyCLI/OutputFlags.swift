import Foundation
import Metrics

/// The output flags of one command (`--json`, `--hgrm`, `--hlog`, `--profile`, `--md`, `--html`),
/// checked together before any work starts: every path must be writable and not clobber a file
/// without `--overwrite`, and at most one of them may be standard output (`-`). When one is, the
/// command's text goes to standard error instead, so the data on standard output stays clean.
struct OutputFlags {
    private(set) var targets: [String: OutputTarget] = [:]
    let overwrite: Bool

    /// `flags` maps a flag's name (for messages) to its argument, nil when not given.
    init(_ flags: KeyValuePairs<String, String?>, overwrite: Bool) throws {
        self.overwrite = overwrite
        var onStandardOutput: [String] = []
        for (flag, argument) in flags {
            guard let argument else { continue }
            guard !argument.isEmpty else { throw usageError("\(flag): empty file name (use - for standard output)") }
            let target = OutputTarget(argument)
            do { try target.check(overwrite: overwrite) } catch {
                throw usageError(error.description + (error.isAlreadyExists ? "; pass --overwrite to replace it" : ""))
            }
            if target.isStandardOutput { onStandardOutput.append(flag) }
            targets[flag] = target
        }
        if onStandardOutput.count > 1 {
            throw usageError("\(onStandardOutput.joined(separator: " and ")) all go to standard output; send at most one there")
        }
    }

    subscript(flag: String) -> OutputTarget? { targets[flag] }

    /// Whether one output is standard output, so the command's own text must go elsewhere.
    var usesStandardOutput: Bool { targets.values.contains { $0.isStandardOutput } }

    /// Writes `data` to the output of `flag` (if given); a failure is exit 2 with the reason.
    func write(_ data: @autoclosure () throws -> Data, for flag: String) throws {
        guard let target = targets[flag] else { return }
        do { try target.write(try data(), overwrite: overwrite) } catch let error as ResultFileError {
            throw usageError(error.description)
        } catch {
            throw usageError("\(target): \(error)")
        }
    }
}

/// Where a command's text goes: standard output, or standard error when standard output carries data.
struct Screen {
    var toStandardError: Bool

    func show(_ text: String) {
        if toStandardError {
            FileHandle.standardError.write(Data(text.utf8))
        } else {
            print(text, terminator: "")
            fflush(nil)
        }
    }
}

extension ResultFileError {
    var isAlreadyExists: Bool { if case .alreadyExists = self { true } else { false } }
}
