import Foundation
import Testing
@testable import Metrics

/// A fresh temporary folder, removed at the end.
private final class Folder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("volley-target-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }
}

@Suite struct OutputTargetTests {
    /// `-` and the names of open descriptors are written to the descriptor, not to a file.
    @Test(arguments: [("-", Int32(1)), ("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/7", 7), ("/proc/self/fd/9", 9)])
    func descriptorNames(argument: String, descriptor: Int32) {
        #expect(OutputTarget(argument).descriptor == descriptor)
    }

    /// Ordinary names, one character long included, are paths.
    @Test(arguments: ["a", "x.json", "dir/-", "/dev/fd/x"])
    func pathNames(argument: String) {
        #expect(OutputTarget(argument).descriptor == nil)
    }

    /// Folder and name are split without Foundation (which traps on one-character names).
    @Test(arguments: [("-", "", "-"), ("a", "", "a"), ("/a", "/", "a"), ("d/e/f.json", "d/e", "f.json"), ("d/", "", "d")])
    func splitPath(path: String, folder: String, name: String) {
        let split = AtomicFile.splitPath(path)
        #expect(split.folder == folder)
        #expect(split.name == name)
    }

    /// A new file is created; an existing one is kept without overwrite and replaced with it.
    @Test func overwriteRules() throws {
        let folder = try Folder()
        let target = OutputTarget(folder.path + "/r.json")
        try target.check(overwrite: false)
        try target.write(Data("one".utf8))
        #expect(throws: ResultFileError.alreadyExists(path: target.argument)) { try target.check(overwrite: false) }
        #expect(throws: ResultFileError.alreadyExists(path: target.argument)) { try target.write(Data("two".utf8)) }
        #expect(folder.read("r.json") == "one")
        try target.write(Data("three".utf8), overwrite: true)
        #expect(folder.read("r.json") == "three")
    }

    /// A symbolic link is written through and stays a link, also one that points at nothing yet.
    @Test func symbolicLinksStay() throws {
        let folder = try Folder()
        let link = folder.path + "/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        try OutputTarget(link).check(overwrite: false)
        try OutputTarget(link).write(Data("first".utf8))
        #expect(folder.read("real.json") == "first")
        #expect(throws: ResultFileError.alreadyExists(path: link)) { try OutputTarget(link).write(Data("x".utf8)) }
        try OutputTarget(link).write(Data("second".utf8), overwrite: true)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        #expect(folder.read("real.json") == "second")
    }

    /// A device is written through, never replaced (as /dev/stdout once was, by a rename).
    @Test func deviceWrittenThrough() throws {
        try OutputTarget("/dev/null").check(overwrite: false)
        try OutputTarget("/dev/null").write(Data("discarded".utf8), overwrite: true)
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }

    /// A missing folder and a folder given as the file are refused by `check`, before any work.
    @Test func badPathsRefusedUpFront() throws {
        let folder = try Folder()
        #expect(throws: ResultFileError.self) { try OutputTarget(folder.path + "/missing/r.json").check(overwrite: true) }
        #expect(throws: ResultFileError.self) { try OutputTarget(folder.path).check(overwrite: true) }
    }

    /// A stream target (`--hlog`) writes through a link too, and refuses an existing file without overwrite.
    @Test func streams() throws {
        let folder = try Folder()
        let path = folder.path + "/log.hlog"
        let handle = try OutputTarget(path).openStream(overwrite: false)
        try handle.write(contentsOf: Data("line\n".utf8))
        try handle.close()
        #expect(folder.read("log.hlog") == "line\n")
        #expect(throws: ResultFileError.alreadyExists(path: path)) { _ = try OutputTarget(path).openStream(overwrite: false) }
    }
}
