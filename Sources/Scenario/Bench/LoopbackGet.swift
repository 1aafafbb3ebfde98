import Clocks
import Foundation
import TLS
#if canImport(Glibc)
import Glibc
#endif

/// One blocking `GET` to a server on 127.0.0.1 with `Connection: close`, for `/health` and
/// `/debug/stats` between runs (never on a measured path). Reads to EOF; bounded by `timeout`.
enum LoopbackGet {
    struct Response {
        var status: Int
        var body: String
    }

    /// With `tls`, over https without verification (Volley's own servers, self-signed).
    static func get(port: UInt16, path: String, timeout: Double = 2, tls: Bool = false) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var session: BlockingTLSConnection?
        if tls {
            guard let context = try? TLSContext(client: TLSClientConfiguration(verify: false)),
                  let connection = try? BlockingTLSConnection(fd: fd, clientContext: context) else { return nil }
            let deadline = UInt64(MonotonicClock.seconds() * 1e9) + UInt64(timeout * 1e9)
            guard connection.handshake(deadline: deadline, clock: { UInt64(MonotonicClock.seconds() * 1e9) }, shouldStop: { false }) == nil else { return nil }
            session = connection
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        let sent: Int = request.withUnsafeBytes { raw in
            if let session { return session.write(raw.baseAddress!, raw.count) }
            return send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
        }
        guard sent == request.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let deadline = MonotonicClock.seconds() + timeout
        while MonotonicClock.seconds() < deadline, received.count < 16 << 20 {
            let n = buffer.withUnsafeMutableBytes { raw in
                if let session { return session.read(raw.baseAddress!, raw.count) }
                return recv(fd, raw.baseAddress, raw.count, 0)
            }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return parse(received)
    }

    /// Status and body of a whole `Connection: close` response (Content-Length honoured when present).
    static func parse(_ bytes: [UInt8]) -> Response? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<split.lowerBound]
        let statusLine = head.prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { return nil }
        var body = String(text[split.upperBound...])
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
               let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), length <= body.utf8.count {
                body = String(decoding: Array(body.utf8.prefix(length)), as: UTF8.self)
            }
        }
        return Response(status: status, body: body)
    }
}
