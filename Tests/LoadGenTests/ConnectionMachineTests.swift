import Testing
@testable import LoadGen

private let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".utf8)
private let closing = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi".utf8)
private let serverError = Array("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n".utf8)

private func feed(_ machine: inout ConnectionMachine, _ bytes: [UInt8], now: UInt64, _ recorder: inout Recorder) -> ConnectionMachine.Action {
    bytes.withUnsafeBytes { machine.received($0, now: now, recorder: &recorder) }
}

private func connectedMachine(pipeline: Int = 1) -> ConnectionMachine {
    var machine = ConnectionMachine(pipeline: pipeline)
    machine.connecting()
    #expect(machine.connected(now: 1_000) == .send)
    return machine
}

@Suite struct ConnectionMachineTests {
    /// A complete response records one request with its latency and asks for the next request.
    @Test func responseRecordsAndSendsNext() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, ok, now: 251_000, &recorder) == .send)
        #expect(recorder.requests == 1)
        #expect(recorder.latency.max >= 249 && recorder.latency.max <= 251)
        #expect(recorder.statusClasses[2] == 1)
        #expect(machine.batchStart == 251_000)
    }

    /// A response split byte by byte completes only on its last byte.
    @Test func byteByByteResponse() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        for (i, byte) in ok.enumerated() {
            let action = feed(&machine, [byte], now: 2_000, &recorder)
            #expect(action == (i == ok.count - 1 ? .send : .none))
        }
        #expect(recorder.requests == 1)
    }

    /// With pipelining, the next batch is sent only after every response of the batch arrived.
    @Test func pipelinedBatch() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine(pipeline: 3)
        #expect(feed(&machine, ok + ok, now: 2_000, &recorder) == .none)
        #expect(machine.inFlight == 1)
        #expect(feed(&machine, ok, now: 3_000, &recorder) == .send)
        #expect(machine.inFlight == 3)
        #expect(recorder.requests == 3)
    }

    /// Bytes beyond the responses awaited are a parse error and the connection is reopened.
    @Test func unsolicitedBytesAreParseErrors() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, ok + ok, now: 2_000, &recorder) == .reconnect)
        #expect(recorder.requests == 1)
        #expect(recorder.errors.parse == 1)
    }

    /// `Connection: close` reopens the connection without counting an error.
    @Test func connectionCloseReconnects() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, closing, now: 2_000, &recorder) == .reconnect)
        #expect(recorder.requests == 1)
        #expect(recorder.errors.total == 0)
        #expect(machine.state == .disconnected)
    }

    /// Statuses of 400 and above count as status errors but still complete requests.
    @Test func statusErrorsAreCounted() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, serverError, now: 2_000, &recorder) == .send)
        #expect(recorder.errors.status == 1)
        #expect(recorder.statusClasses[5] == 1)
    }

    /// Malformed bytes are a parse error and the connection is reopened.
    @Test func garbageIsParseError() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, Array("SMTP ready\r\n\r\n".utf8), now: 2_000, &recorder) == .reconnect)
        #expect(recorder.errors.parse == 1)
    }

    /// EOF with a request outstanding is a read error, as in wrk.
    @Test func endOfStreamWithRequestPendingIsReadError() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(machine.endOfStream(now: 2_000, recorder: &recorder) == .reconnect)
        #expect(recorder.errors.read == 1)
    }

    /// EOF ends a close-delimited body and completes its response.
    @Test func endOfStreamCompletesCloseDelimitedBody() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(feed(&machine, Array("HTTP/1.1 200 OK\r\n\r\nstreamed".utf8), now: 2_000, &recorder) == .none)
        #expect(machine.endOfStream(now: 3_000, recorder: &recorder) == .reconnect)
        #expect(recorder.requests == 1)
        #expect(recorder.errors.total == 0)
    }

    /// A request older than the timeout counts once per request in flight and reopens the connection.
    @Test func timeoutCountsRequestsInFlight() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine(pipeline: 2)
        #expect(machine.tick(now: 500_000, timeout: 1_000_000, recorder: &recorder) == .none)
        #expect(machine.tick(now: 1_001_000, timeout: 1_000_000, recorder: &recorder) == .reconnect)
        #expect(recorder.errors.timeout == 2)
    }

    /// A failed connect counts a connect error and waits before trying again.
    @Test func connectFailureWaits() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = ConnectionMachine()
        machine.connecting()
        #expect(machine.connectFailed(now: 10, recorder: &recorder) == .reconnectLater)
        #expect(recorder.errors.connect == 1)
    }

    /// After stop, every event closes and nothing is recorded.
    @Test func stoppedMachineOnlyCloses() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        machine.stop()
        #expect(feed(&machine, ok, now: 2_000, &recorder) == .close)
        #expect(machine.endOfStream(now: 2_000, recorder: &recorder) == .close)
        #expect(machine.readFailed(now: 2_000, recorder: &recorder) == .close)
        #expect(recorder.requests == 0)
        #expect(recorder.errors.total == 0)
    }

    /// Read and write failures are counted in their classes.
    @Test func readAndWriteFailures() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        var machine = connectedMachine()
        #expect(machine.readFailed(now: 2_000, recorder: &recorder) == .reconnect)
        machine.connecting()
        _ = machine.connected(now: 3_000)
        #expect(machine.writeFailed(now: 4_000, recorder: &recorder) == .reconnect)
        #expect(recorder.errors.read == 1 && recorder.errors.write == 1)
    }
}

@Suite struct RecorderTests {
    /// Responses and errors land in the second of the run they happened in.
    @Test func perSecondSlices() {
        var recorder = Recorder(start: 1_000_000_000, expectedSeconds: 3)
        recorder.recordResponse(status: 200, latencyNanos: 1_000, now: 1_500_000_000)
        recorder.recordResponse(status: 500, latencyNanos: 1_000, now: 3_200_000_000)
        recorder.recordError(.timeout, now: 3_300_000_000)
        let m = recorder.measurement(end: 4_000_000_000)
        #expect(m.perSecond.map(\.requests) == [1, 0, 1])
        #expect(m.perSecond.map(\.errors) == [0, 0, 2])
        #expect(m.elapsedNanoseconds == 3_000_000_000)
    }

    /// Each second keeps its own latency: p50, p99 and max per second, merged over threads
    /// by the shared interval collector (a quiet second has no latency).
    @Test func perSecondLatency() {
        let intervals = IntervalCollector(threads: 2)
        var a = Recorder(start: 0, expectedSeconds: 3, intervals: intervals)
        var b = Recorder(start: 0, expectedSeconds: 3, intervals: intervals)
        // Second 0: 99 fast responses on thread a, one slow on thread b; second 1: nothing; second 2: 2 ms.
        for _ in 0..<99 { a.recordResponse(status: 200, latencyNanos: 100_000, now: 500_000_000) }
        b.recordResponse(status: 200, latencyNanos: 50_000_000, now: 900_000_000)
        a.recordError(.timeout, now: 1_500_000_000)
        a.recordResponse(status: 200, latencyNanos: 2_000_000, now: 2_100_000_000)
        a.finishIntervals()
        b.finishIntervals()
        let seconds = intervals.finish(elapsedNanos: 3_000_000_000)
        #expect(seconds.map(\.second) == [0, 1, 2])
        #expect(seconds.map(\.count) == [100, 0, 1])
        #expect(seconds[0].p50Micros == 100)
        #expect(seconds[0].p99Micros == 100)
        #expect(seconds[0].maxMicros >= 49_950 && seconds[0].maxMicros <= 50_050)
        #expect(seconds[2].p50Micros >= 1_998 && seconds[2].p50Micros <= 2_002)
    }

    /// Rate samples are requests per second over the sampled interval.
    @Test func rateSamples() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        for _ in 0..<50 { recorder.recordResponse(status: 200, latencyNanos: 1_000, now: 10) }
        recorder.sampleRate(now: 100_000_000)
        #expect(recorder.requestRate.max >= 499 && recorder.requestRate.max <= 501)
    }

    /// Latencies under a microsecond are recorded as 1 µs, not lost.
    @Test func subMicrosecondLatency() {
        var recorder = Recorder(start: 0, expectedSeconds: 1)
        recorder.recordResponse(status: 204, latencyNanos: 10, now: 10)
        #expect(recorder.latency.totalCount == 1)
        #expect(recorder.latency.min == 1)
    }
}
