import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one output flag (`--json`, `--hgrm`, `--hlog`, `--profile`, `report --md/--html`) sends
/// its bytes: `-` (and `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`) is an open descriptor written
/// to directly; anything else is a path. Every command checks its targets before it starts work
/// (`check`) and writes through `write`, so the rules live here once:
/// - a regular file is replaced atomically (temporary file, fsync, rename), and an existing one
///   only with `overwrite`;
/// - a symbolic link is never replaced: a link to a regular file is written through (the file it
///   names is replaced atomically, the link stays); a link to nothing is refused;
/// - a device, FIFO or socket (a terminal, `/dev/null`, a pipe) is written through as it is;
/// - a folder, a missing folder, or a folder we cannot write to is refused up front.
public struct OutputTarget: Sendable, Equatable, CustomStringConvertible {
    /// What the user typed.
    public let argument: String
    /// The open descriptor the argument names (`-` is 1), or nil for a path.
    public let descriptor: Int32?

    public init(_ argument: String) {
        self.argument = argument
        self.descriptor = Self.namedDescriptor(argument)
    }

    /// Whether the bytes go to standard output, where a command's text would mix with them.
    public var isStandardOutput: Bool { descriptor == 1 }

    /// "standard output" or the path, for messages.
    public var description: String {
        switch descriptor {
        case 1?: "standard output"
        case 2?: "standard error"
        case let fd?: "file descriptor \(fd)"
        case nil: argument
        }
    }

    /// `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` name descriptors this
    /// process already holds; writing to the descriptor keeps a shell's `>` redirection intact
    /// (re-opening the name would write at offset 0, renaming over it would replace the file).
    static func namedDescriptor(_ argument: String) -> Int32? {
        switch argument {
        case "-", "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where argument.hasPrefix(prefix) {
                if let fd = Int32(argument.dropFirst(prefix.count)), fd >= 0 { return fd }
            }
            return nil
        }
    }

    /// What is at the path now, following symbolic links (the link itself is never replaced).
    enum Existing: Equatable {
        /// Nothing yet at `resolved` (the path, or where a dangling symbolic link points).
        case nothing(resolved: String)
        case regularFile(resolved: String)
        case passThrough          // device, FIFO, socket
    }

    /// Checks, before any work, that `write` can succeed: the descriptor is open, or the folder
    /// exists and is writable, and an existing file is replaced only with `overwrite`.
    public func check(overwrite: Bool) throws(ResultFileError) {
        if let descriptor {
            guard fcntl(descriptor, F_GETFL) != -1 else {
                throw .writeFailed(path: argument, reason: "\(description) is not open")
            }
            return
        }
        switch try existing() {
        case .nothing(let resolved):
            try Self.checkFolder(of: resolved, for: argument)
        case .regularFile(let resolved):
            guard overwrite else { throw .alreadyExists(path: argument) }
            try Self.checkFolder(of: resolved, for: argument)
        case .passThrough:
            guard access(argument, W_OK) == 0 else { throw .writeFailed(path: argument, reason: errnoText()) }
        }
    }

    /// Writes all of `data` (see the type's rules).
    public func write(_ data: Data, overwrite: Bool = false) throws(ResultFileError) {
        if let descriptor {
            try Self.writeAll(data, to: descriptor, path: argument)
            return
        }
        switch try existing() {
        case .nothing(let resolved):
            try AtomicFile.write(data, to: resolved, overwrite: false)
        case .regularFile(let resolved):
            guard overwrite else { throw .alreadyExists(path: argument) }
            try AtomicFile.write(data, to: resolved, overwrite: true)
        case .passThrough:
            let fd = open(argument, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .writeFailed(path: argument, reason: errnoText()) }
            defer { close(fd) }
            try Self.writeAll(data, to: fd, path: argument)
        }
    }

    /// Opens the target for a stream of writes (`--hlog`): the descriptor itself, or the file
    /// created (or with `overwrite`, truncated — through a symbolic link, never replacing it).
    public func openStream(overwrite: Bool) throws(ResultFileError) -> FileHandle {
        if let descriptor {
            try check(overwrite: overwrite)
            return FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        }
        let existing = try existing()
        if case .regularFile = existing, !overwrite { throw .alreadyExists(path: argument) }
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        if case .nothing(let resolved) = existing, resolved == argument { flags |= O_EXCL }
        if case .regularFile = existing { flags |= O_TRUNC }
        let fd = open(argument, flags, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { throw .alreadyExists(path: argument) }
            throw .writeFailed(path: argument, reason: errnoText())
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func existing() throws(ResultFileError) -> Existing {
        var info = stat()
        guard lstat(argument, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR && !Self.folderExists(of: argument) { return .nothing(resolved: argument) }
            throw .writeFailed(path: argument, reason: errnoText())
        }
        var resolved = argument
        if info.st_mode & S_IFMT == S_IFLNK {
            if let real = realpath(argument, nil) {
                resolved = String(cString: real)
                free(real)
            } else {
                // A link to nothing yet: write through it, creating the file it names.
                return .nothing(resolved: try Self.danglingTarget(of: argument))
            }
            guard stat(resolved, &info) == 0 else { throw .writeFailed(path: argument, reason: errnoText()) }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile(resolved: resolved)
        case S_IFDIR: throw .writeFailed(path: argument, reason: "is a folder")
        default: return .passThrough
        }
    }

    /// Follows a chain of symbolic links that ends at a missing name, and returns that name.
    private static func danglingTarget(of link: String) throws(ResultFileError) -> String {
        var path = link
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, buffer.count - 1)
            guard n > 0 else {
                if errno == EINVAL || errno == ENOENT { return path }   // not a link (any more): the end of the chain
                throw .writeFailed(path: link, reason: errnoText())
            }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let folder = AtomicFile.splitPath(path).folder
            path = target.hasPrefix("/") || folder.isEmpty ? target : folder + "/" + target
        }
        throw .writeFailed(path: link, reason: "too many levels of symbolic links")
    }

    private static func folderExists(of path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder(of: path), isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func folder(of path: String) -> String {
        let folder = AtomicFile.splitPath(path).folder
        return folder.isEmpty ? "." : folder
    }

    /// The folder must exist and take new files (the atomic write creates a temporary file there).
    private static func checkFolder(of path: String, for argument: String) throws(ResultFileError) {
        let folder = folder(of: path)
        guard folderExists(of: path) else {
            throw .writeFailed(path: argument, reason: "folder \(folder) does not exist")
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw .writeFailed(path: argument, reason: "cannot create files in \(folder): \(errnoText())")
        }
    }

    private static func writeAll(_ data: Data, to fd: Int32, path: String) throws(ResultFileError) {
        var failure: String?
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errnoText(); return
                }
                offset += n
            }
        }
        if let failure { throw .writeFailed(path: path, reason: failure) }
    }
}
