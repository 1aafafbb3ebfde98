import Foundation
@testable import MongoWire
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback socket with a receive timeout, to send hand-made (or broken) bytes
/// to the server and read its replies.
final class RawConnection {
    let fd: Int32

    init(port: UInt16, timeoutSeconds: Int = 3, receiveBuffer: Int32? = nil) throws {
        let connected = connectToLoopback(port: port) { fd in
            if var size = receiveBuffer {
                // Before connect, so the advertised window stays small: the server's writes then back up.
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        guard let connected else { throw POSIXError(.ECONNREFUSED) }
        fd = connected
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads exactly `count` bytes; nil on EOF, error or timeout.
    func read(_ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out[offset...].withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            offset += n
        }
        return out
    }

    /// Reads one whole reply message and decodes its document.
    func readReply() -> (header: MessageHeader, body: BSONDocument)? {
        guard let head = read(16) else { return nil }
        let length = Int(head.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        guard length >= 16, let rest = read(length - 16) else { return nil }
        let message = head + rest
        let header = MessageHeader(
            messageLength: Int32(length), requestID: message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: Int32.self) },
            responseTo: message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int32.self) },
            opCode: message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: Int32.self) })
        // OP_MSG: flags(4) kind(1) doc; OP_REPLY: flags(4) cursor(8) from(4) n(4) doc.
        let documentOffset = header.opCode == OpCode.msg.rawValue ? 21 : 36
        guard let body = try? BSONDecoder.decode(Array(message[documentOffset...])) else { return nil }
        return (header, body)
    }

    /// Whether the server closed the connection (EOF) within the timeout.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return Glibc.recv(fd, &byte, 1, 0) == 0
    }
}
