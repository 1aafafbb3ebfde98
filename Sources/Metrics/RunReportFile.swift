import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a result file could not be written or read. The description names the file.
public enum ResultFileError: Error, Equatable, CustomStringConvertible {
    /// The file exists and overwriting was not asked for.
    case alreadyExists(path: String)
    /// Writing failed (directory missing, permissions, disk full…).
    case writeFailed(path: String, reason: String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not JSON.
    case notJSON(path: String, reason: String)
    /// The file is JSON but has no integer `schemaVersion`, so it is not a Volley result.
    case missingSchemaVersion(path: String)
    /// The file follows another version of the schema.
    case unsupportedSchemaVersion(path: String, found: Int, supported: Int)
    /// The file has the right version but does not follow the schema.
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyExists(let path):
            return "\(path): file exists; refusing to overwrite it (choose another name or allow overwriting)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write result file: \(reason)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read result file: \(reason)"
        case .notJSON(let path, let reason):
            return "\(path): not a JSON result file: \(reason)"
        case .missingSchemaVersion(let path):
            return "\(path): not a Volley result file: no integer \"schemaVersion\" field"
        case .unsupportedSchemaVersion(let path, let found, let supported):
            return "\(path): result file has schemaVersion \(found), this Volley reads schemaVersion \(supported)"
        case .invalid(let path, let reason):
            return "\(path): invalid result file: \(reason)"
        }
    }
}

extension RunReport {
    /// The report as Volley writes it: pretty-printed JSON with sorted keys and a final newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Parses a report from JSON, checking its schema version first.
    /// `path` only names the source in errors.
    public static func decode(_ data: Data, path: String = "<data>") throws -> RunReport {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ResultFileError.notJSON(path: path, reason: Self.reason(error))
        }
        struct Probe: Decodable { var schemaVersion: JSONValue? }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: data),
              case .integer(let found) = probe.schemaVersion else {
            throw ResultFileError.missingSchemaVersion(path: path)
        }
        guard found == Int64(currentSchemaVersion) else {
            throw ResultFileError.unsupportedSchemaVersion(path: path, found: Int(clamping: found), supported: currentSchemaVersion)
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch {
            throw ResultFileError.invalid(path: path, reason: Self.reason(error))
        }
    }

    /// Reads a result file.
    public static func load(from path: String) throws -> RunReport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ResultFileError.unreadable(path: path, reason: Self.reason(error))
        }
        return try decode(data, path: path)
    }

    /// Writes the report to `path` by `OutputTarget`'s rules: atomically (a reader never sees half
    /// a file), `-` to standard output, through symbolic links rather than over them. Without
    /// `overwrite`, an existing file at `path` is an error and is left untouched.
    public func write(to path: String, overwrite: Bool = false) throws {
        try OutputTarget(path).write(try jsonData(), overwrite: overwrite)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \"\(Self.codingPath(context.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \"\(Self.codingPath(context.codingPath))\": \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? context.debugDescription
                : "bad value at \"\(Self.codingPath(context.codingPath))\": \(context.debugDescription)"
        default:
            return (error as NSError).localizedDescription
        }
    }

    private static func codingPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}

