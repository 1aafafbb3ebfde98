import Foundation

/// A fresh empty folder under the system's temporary directory, named `PREFIX-UUID`; the caller removes it.
public func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
