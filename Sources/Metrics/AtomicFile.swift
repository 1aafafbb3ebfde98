import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one and nothing is replaced by accident:
/// result files, reports and latency spectra all go through here.
public enum AtomicFile {
    /// Writes `data` to `path` atomically: to a temporary file in the same directory,
    /// flushed to disk, then moved into place. Without `overwrite`, an existing file at
    /// `path` is an error and is left untouched (the move is a `link(2)`, which fails rather than replace).
    public static func write(_ data: Data, to path: String, overwrite: Bool = false) throws(ResultFileError) {
        let (directory, name) = splitPath(path)
        let temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw ResultFileError.alreadyExists(path: path)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResultFileError.writeFailed(path: path, reason: errnoText()) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errnoText(); return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = errnoText() }
        if close(fd) != 0, failure == nil { failure = errnoText() }
        if let failure {
            unlink(temporary)
            throw ResultFileError.writeFailed(path: path, reason: failure)
        }

        if overwrite {
            if rename(temporary, path) != 0 {
                let reason = errnoText()
                unlink(temporary)
                throw ResultFileError.writeFailed(path: path, reason: reason)
            }
        } else {
            let linked = link(temporary, path)
            let code = errno
            unlink(temporary)
            if linked != 0 {
                if code == EEXIST { throw ResultFileError.alreadyExists(path: path) }
                throw ResultFileError.writeFailed(path: path, reason: String(cString: strerror(code)))
            }
        }
    }


    /// The folder ("" for none, "/" for the root) and the last component of `path`. Written out
    /// because Foundation's `NSString.deletingLastPathComponent` traps on one-character names such as `-`.
    public static func splitPath(_ path: String) -> (folder: String, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return ("", String(trimmed)) }
        let folder = trimmed[..<slash]
        return (folder.isEmpty ? "/" : String(folder), String(trimmed[trimmed.index(after: slash)...]))
    }
}

/// `write(2)`, out of reach of `AtomicFile.write`'s name.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The text of the last system error (`errno`), for the file errors of this module.
func errnoText() -> String { String(cString: strerror(errno)) }
