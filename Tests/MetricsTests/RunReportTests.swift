import Foundation
import Metrics
import TestSupport
import Testing

/// A fixed host, so reports compare equal across machines.
let sampleHost = HostInfo(cpuModel: "AMD EPYC 7B13", logicalCores: 2, kernel: "Linux 6.1.0-18-amd64",
                          architecture: "x86_64", hostname: "bench-1")

/// A one-variant report built from `sampleMeasurement()` at a fixed time.
func sampleReport() -> RunReport {
    RunReport.single(configuration: sampleConfiguration(), measurement: sampleMeasurement(),
                     command: ["volley", "-t2", "-c100", "-d10s", "http://127.0.0.1:8080/"],
                     tool: ToolInfo(version: "0.1.0", gitCommit: "0a3eaa2"), host: sampleHost,
                     createdAt: Date(timeIntervalSince1970: 1_740_830_400))
}

struct RunReportTests {
    /// `single` builds a one-variant report named "run" with the schema version and a UTC timestamp.
    @Test func single() {
        let report = sampleReport()
        #expect(report.schemaVersion == RunReport.currentSchemaVersion)
        #expect(RunReport.currentSchemaVersion == 1)
        #expect(report.createdAt == "2025-03-01T12:00:00Z")
        #expect(report.variants.map(\.name) == ["run"])
        #expect(report.variant(named: "run")?.summary.requests == 100)
        #expect(report.tool.name == "volley")
        #expect(report.scenario == nil && report.notes == nil)
    }

    /// The JSON is pretty-printed with sorted keys and reads back equal, optional fields included.
    @Test func jsonRoundTrip() throws {
        var report = sampleReport()
        report.scenario = "flask-vs-aiohttp"
        report.notes = ["warm-up discarded"]
        report.variants[0].server = ["slowCallbacks": 3, "loopLagMicros": ["p99": 1250]]
        report.variants[0].profiles = ["run.folded", "run.svg"]
        let data = try report.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"command\" : [\n    \"volley\",\n"))   // keys sorted, 2-space indent
        #expect(text.contains("\n  \"createdAt\" : \"2025-03-01T12:00:00Z\",\n  \"host\" : {\n"))
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"url\" : \"http://127.0.0.1:8080/\""))   // slashes not escaped
        #expect(try RunReport.decode(data) == report)
    }

    /// Optional fields left nil are absent from the file rather than null.
    @Test func absentOptionalFields() throws {
        let text = String(decoding: try sampleReport().jsonData(), as: UTF8.self)
        for key in ["\"scenario\"", "\"notes\"", "\"server\"", "\"profiles\""] {
            #expect(!text.contains(key), "\(key)")
        }
    }

    /// `write` creates the file atomically and leaves no temporary file behind.
    @Test func writeAndLoad() throws {
        let directory = try makeTemporaryDirectory("volley-metrics").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/result.json"
        try sampleReport().write(to: path)
        #expect(try RunReport.load(from: path) == sampleReport())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["result.json"])
    }

    /// An existing file is refused by name and left untouched, unless overwriting is asked for.
    @Test func refusesToOverwrite() throws {
        let directory = try makeTemporaryDirectory("volley-metrics").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/result.json"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ResultFileError.alreadyExists(path: path)) { try sampleReport().write(to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        #expect(ResultFileError.alreadyExists(path: path).description.contains(path))
        try sampleReport().write(to: path, overwrite: true)
        #expect(try RunReport.load(from: path) == sampleReport())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["result.json"])
    }

    /// A missing directory is a write error naming the path.
    @Test func writeIntoMissingDirectory() throws {
        let path = "/nonexistent-volley-dir/result.json"
        #expect {
            try sampleReport().write(to: path)
        } throws: { error in
            guard case ResultFileError.writeFailed(let failedPath, _) = error else { return false }
            return failedPath == path && "\(error)".contains(path)
        }
    }

    /// Unreadable, non-JSON, non-Volley, other-version and ill-formed files each get their own clear error.
    @Test(arguments: [
        ("not json at all", "notJSON"),
        ("[1, 2, 3]", "missingSchemaVersion"),
        (#"{"hello": "world"}"#, "missingSchemaVersion"),
        (#"{"schemaVersion": "1"}"#, "missingSchemaVersion"),
        (#"{"schemaVersion": 2, "whatever": true}"#, "unsupportedSchemaVersion"),
        (#"{"schemaVersion": 1}"#, "invalid"),
    ])
    func loadErrors(contents: String, expected: String) throws {
        let directory = try makeTemporaryDirectory("volley-metrics").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.json"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try RunReport.load(from: path)
        } throws: { error in
            guard let error = error as? ResultFileError else { return false }
            let kind: String
            switch error {
            case .notJSON: kind = "notJSON"
            case .missingSchemaVersion: kind = "missingSchemaVersion"
            case .unsupportedSchemaVersion: kind = "unsupportedSchemaVersion"
            case .invalid: kind = "invalid"
            default: kind = "other"
            }
            return kind == expected && error.description.hasPrefix(path + ": ")
        }
    }

    /// The version error says which version was found and which is supported.
    @Test func versionErrorNamesBothVersions() {
        let data = Data(#"{"schemaVersion": 7}"#.utf8)
        #expect(throws: ResultFileError.unsupportedSchemaVersion(path: "old.json", found: 7, supported: 1)) {
            try RunReport.decode(data, path: "old.json")
        }
        let message = ResultFileError.unsupportedSchemaVersion(path: "old.json", found: 7, supported: 1).description
        #expect(message == "old.json: result file has schemaVersion 7, this Volley reads schemaVersion 1")
    }

    /// A missing field is named by its path in the file.
    @Test func invalidNamesTheField() throws {
        var object = try JSONSerialization.jsonObject(with: sampleReport().jsonData()) as! [String: Any]
        var variants = object["variants"] as! [[String: Any]]
        variants[0].removeValue(forKey: "summary")
        object["variants"] = variants
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect {
            try RunReport.decode(data, path: "r.json")
        } throws: { error in
            "\(error)".contains("variants[0].summary")
        }
    }

    /// A file that does not exist is reported as unreadable, by name.
    @Test func loadMissingFile() {
        #expect {
            try RunReport.load(from: "/nonexistent-volley-dir/r.json")
        } throws: { error in
            guard case ResultFileError.unreadable(let path, _) = error else { return false }
            return path == "/nonexistent-volley-dir/r.json"
        }
    }
}
