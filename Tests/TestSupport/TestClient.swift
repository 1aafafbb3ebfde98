// A blocking loopback HTTP client for the socket tests: sends bytes whole or one at a
// time, reads whole responses with HTTP1's parser, and tells whether the server closed.

import Foundation
import HTTP1
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket connected to 127.0.0.1:port, or nil (errno says why). `configure` runs
/// before `connect`, for options that must be set first (a small SO_RCVBUF keeps the advertised
/// window small).
public func connectToLoopback(port: UInt16, configure: (Int32) -> Void = { _ in }) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    configure(fd)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let status = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if status != 0 {
        let saved = errno
        Glibc.close(fd)
        errno = saved
        return nil
    }
    return fd
}

/// One TCP connection to 127.0.0.1:port with a receive timeout.
public final class TestClient {
    public let fd: Int32
    private var pending: [UInt8] = []

    public init(port: UInt16, timeoutMillis: Int = 3000) throws {
        guard let fd = connectToLoopback(port: port) else { throw ClientError.connect(errno) }
        self.fd = fd
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutMillis / 1000, tv_usec: (timeoutMillis % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public enum ClientError: Error { case connect(Int32) }

    /// Sends `bytes`; byte by byte stops early once the server has answered (it may have
    /// refused the head already, and writing on would only earn a reset).
    public func send(_ bytes: [UInt8], byteByByte: Bool = false) {
        if !byteByByte {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return
        }
        for byte in bytes {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 { return }
            var b = byte
            if Glibc.send(fd, &b, 1, Int32(MSG_NOSIGNAL)) != 1 { return }
        }
    }

    public func send(_ text: String, byteByByte: Bool = false) { send(Array(text.utf8), byteByByte: byteByByte) }

    /// Reads one whole response; nil if the connection ended or timed out first.
    public func readResponse(head: Bool = false) -> (status: Int, bytes: [UInt8], keepAlive: Bool)? {
        var parser = ResponseParser(isHeadRequest: head)
        var buffer = pending
        pending = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if !buffer.isEmpty {
                let step = buffer.withUnsafeBytes { parser.parse($0) }
                switch step {
                case .complete(let consumed):
                    pending = Array(buffer[consumed...])
                    return (parser.status, Array(buffer[..<consumed]), parser.keepAlive)
                case .error:
                    return nil
                case .needMore:
                    // The parser keeps its place; it needs the whole response again (it was given all of it).
                    parser = ResponseParser(isHeadRequest: head)
                }
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Whether the server ended the connection with a FIN (EOF), not a reset.
    public func isClosedCleanly() -> Bool {
        if !pending.isEmpty { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Whether the server closed the connection (EOF or reset) within the receive timeout,
    /// with nothing more to read.
    public func isClosedByServer() -> Bool {
        if !pending.isEmpty { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }
}

/// `GET path` with a Host header, as text.
public func get(_ path: String, _ extra: String = "") -> String { "GET \(path) HTTP/1.1\r\nHost: a\r\n\(extra)\r\n" }

/// The bytes as text with the Date header's value replaced, for comparing two servers.
public func maskingDate(_ bytes: [UInt8]) -> String {
    // Bytes, not Characters: "\r\n" is one Character in Swift.
    let marker = Array("\r\nDate: ".utf8)
    var result = bytes
    if let start = (0...(max(0, bytes.count - marker.count))).first(where: { Array(bytes[$0..<min(bytes.count, $0 + marker.count)]) == marker }) {
        let valueStart = start + marker.count
        var end = valueStart
        while end < bytes.count && bytes[end] != 13 { end += 1 }
        result.replaceSubrange(valueStart..<end, with: Array("<date>".utf8))
    }
    return String(decoding: result, as: UTF8.self)
}
