import Foundation
import Testing

/// The repository root (this file is Tests/VolleyCLITests/…).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let validator = repositoryRoot.appendingPathComponent(".build/pyenv/bin/kubernetes-validate").path
private let manifest = repositoryRoot.appendingPathComponent("deploy/kubernetes/job.yaml").path

/// Runs kubernetes-validate in strict mode (unknown fields are errors) on `path`.
private func validate(_ path: String) throws -> (code: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: validator)
    process.arguments = ["--strict", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: validator),
                "kubernetes-validate is not installed in .build/pyenv: run scripts/deps.sh"))
struct KubernetesManifestTests {
    /// The Indexed Job validates against the Kubernetes JSON schema, and the validator does catch a broken copy.
    @Test func manifestMatchesTheSchema() throws {
        let good = try validate(manifest)
        #expect(good.code == 0, "\(good.output)")
        #expect(good.output.contains("passed for resource job/volley-run"), "\(good.output)")
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("volley-job-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: broken) }
        for (from, to) in [("backoffLimit: 0", "backoffLimit: none"), ("parallelism: 4", "paralelism: 4")] {
            try text.replacingOccurrences(of: from, with: to).write(toFile: broken, atomically: true, encoding: .utf8)
            #expect(try validate(broken).code != 0, "\(to) was accepted")
        }
    }

    /// What the schema cannot say: one segment per pod, all at once, never retried, spread over nodes.
    @Test func manifestRunsOneSegmentPerPod() throws {
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        func value(_ key: String) -> String? {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(key + ":") }.map { String($0.dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        #expect(value("kind") == "Job" && value("completionMode") == "Indexed")
        let completions = try #require(value("completions"))
        #expect(value("parallelism") == completions)
        #expect(text.contains("- name: VOLLEY_SEGMENTS\n              value: \"\(completions)\""))
        #expect(value("backoffLimit") == "0" && value("restartPolicy") == "Never")
        #expect(value("topologyKey") == "kubernetes.io/hostname" && text.contains("podAntiAffinity"))
        #expect(text.contains("VOLLEY_START_AT") && text.contains("--json /results/segment-$JOB_COMPLETION_INDEX.json"))
    }
}
