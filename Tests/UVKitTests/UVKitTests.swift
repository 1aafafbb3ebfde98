import Testing
@testable import UVKit

@Suite struct UVKitTests {
    /// A listener on port 0 gets a real port; a client connects, writes, and the server echoes back.
    @Test func echoOverLoopback() throws {
        let loop = try EventLoop()
        let listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
        #expect(listener.localPort != 0)
        var accepted: TCPStream?
        listener.onAccept { stream in
            accepted = stream
            stream.onRead = { bytes in stream.writeAll(bytes) { _ in } }
            stream.startReading()
        }
        let client = try TCPStream(loop: loop)
        var received: [UInt8] = []
        let message: [UInt8] = Array("ping".utf8)
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: listener.localPort)
        #expect(address.isLoopback)
        client.connect(to: address) { error in
            #expect(error == nil)
            client.onRead = { bytes in
                received += bytes
                if received.count >= message.count { loop.stop() }
            }
            client.startReading()
            message.withUnsafeBytes { bytes in
                if case .success(let n) = client.tryWrite(bytes) { #expect(n == 4) }
            }
        }
        let guardTimer = LoopTimer(loop: loop)
        guardTimer.start(timeoutMillis: 2000) { loop.stop() }
        loop.run()
        #expect(received == message)
        #expect(accepted != nil)
        loop.closeAllHandles()
        loop.drain()
    }

    /// Connecting to a closed port reports ECONNREFUSED.
    @Test func refusedConnect() throws {
        let loop = try EventLoop()
        let listener = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0))
        let port = listener.localPort
        listener.close()
        loop.drain()
        let client = try TCPStream(loop: loop)
        var outcome: UVError?
        client.connect(to: try SocketAddress.resolve(host: "127.0.0.1", port: port)) { outcome = $0 }
        loop.run()
        #expect(outcome == .connectionRefused)
        #expect(outcome?.name == "ECONNREFUSED")
        client.close()
        loop.drain()
    }

    /// A repeating timer fires until stopped; a wake-up sent from another thread runs on the loop.
    @Test func timerAndWakeup() throws {
        let loop = try EventLoop()
        var ticks = 0
        let timer = LoopTimer(loop: loop)
        timer.start(timeoutMillis: 1, repeatMillis: 1) {
            ticks += 1
            if ticks == 3 { timer.stop(); timer.close() }
        }
        loop.run()
        #expect(ticks == 3)
        var woke = false
        let wakeup = LoopWakeup(loop: loop) { woke = true; loop.stop() }
        let thread = OSThread { wakeup.send() }
        loop.run()
        thread.join()
        #expect(woke)
        wakeup.close()
        loop.drain()
    }

    /// Names resolve; IPv6 loopback is recognised; nonsense names fail with a message.
    @Test func addresses() throws {
        let v6 = try SocketAddress.resolve(host: "::1", port: 80)
        #expect(v6.isIPv6 && v6.isLoopback)
        #expect(v6.description == "[::1]:80")
        let local = try SocketAddress.resolve(host: "localhost", port: 8080)
        #expect(local.isLoopback)
        #expect(throws: ResolveError.self) { try SocketAddress.resolve(host: "no such host.invalid", port: 1) }
    }

    /// Two listeners with reusePort share one port.
    @Test func reusePort() throws {
        let loop = try EventLoop()
        let first = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: 0), reusePort: true)
        let second = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: first.localPort), reusePort: true)
        #expect(second.localPort == first.localPort)
        #expect(throws: UVError.self) {
            _ = try TCPListener(loop: loop, address: try SocketAddress.resolve(host: "127.0.0.1", port: first.localPort))
        }
        loop.closeAllHandles()
        loop.drain()
    }
}
