@testable import HTTP1
import Testing

/// What one call answered, in comparable form.
func verdict(of result: RequestHeadParseResult, in buffer: UnsafeRawBufferPointer) -> Verdict? {
    switch result {
    case .incomplete:
        return nil
    case .complete(let head, let headerBytes):
        #expect(headerBytes == buffer.count, "head should span the whole input")
        #expect(head.headEnd == headerBytes)
        return .head(ExpectedHead(head, in: buffer))
    case .reject(let status, let reason):
        #expect(status == reason.status)
        return .reject(reason)
    }
}

/// Each request vector gets its verdict whole, as a prefix growing byte by byte (incomplete until the verdict's byte), and in two reads split anywhere.
@Test(arguments: requestVectors)
func requestVector(_ vector: RequestVector) {
    let bytes = Array(vector.text.utf8)
    let verdictAt = vector.verdictAt ?? bytes.count

    var whole = RequestHeadParser(limits: vector.limits)
    #expect(bytes.withUnsafeBytes { verdict(of: whole.parse($0), in: $0) } == vector.verdict, "whole")

    var growing = RequestHeadParser(limits: vector.limits)
    for length in 1...bytes.count {
        let answer = Array(bytes[..<length]).withUnsafeBytes { verdict(of: growing.parse($0), in: $0) }
        if length < verdictAt {
            #expect(answer == nil, "prefix of \(length) bytes")
            if answer != nil { return }
        } else {
            #expect(answer == vector.verdict, "prefix of \(length) bytes")
            break
        }
    }

    for split in 1..<bytes.count where split < verdictAt {
        var parser = RequestHeadParser(limits: vector.limits)
        let first = Array(bytes[..<split]).withUnsafeBytes { verdict(of: parser.parse($0), in: $0) }
        let second = bytes.withUnsafeBytes { verdict(of: parser.parse($0), in: $0) }
        #expect(first == nil && second == vector.verdict, "split at \(split)")
        if first != nil || second != vector.verdict { return }
    }
}

/// Header lines can be walked and looked up by name without storage, values trimmed.
@Test func fieldsAndLookup() {
    let text = Array("GET / HTTP/1.1\r\nHost: a\r\nContent-Type:  text/plain \r\nX-Empty:\r\n\r\n".utf8)
    text.withUnsafeBytes { buffer in
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = parser.parse(buffer) else {
            Issue.record("not parsed")
            return
        }
        let fields = Array(head.fields(in: buffer)).map {
            (String(decoding: buffer[$0.name], as: UTF8.self), String(decoding: buffer[$0.value], as: UTF8.self))
        }
        #expect(fields.map(\.0) == ["Host", "Content-Type", "X-Empty"])
        #expect(fields.map(\.1) == ["a", "text/plain", ""])
        #expect(head.value(of: "content-type", in: buffer).map { String(decoding: buffer[$0], as: UTF8.self) } == "text/plain")
        #expect(head.value(of: "accept", in: buffer) == nil)
    }
}

/// A slow client sending a large head byte by byte costs linear work: the end search resumes where it stopped.
@Test func endSearchResumes() {
    var parser = RequestHeadParser()
    let text = Array(("GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 1000) + "\r\n").utf8)
    var verdicts = 0
    text.withUnsafeBytes { all in
        for length in 1...all.count {
            let result = parser.parse(UnsafeRawBufferPointer(rebasing: all[..<length]))
            if result != .incomplete { verdicts += 1 }
            #expect(parser.scanned <= length)
        }
    }
    #expect(verdicts == 1)
}

/// Every method name parses to its case, and near misses do not.
@Test func methodNames() {
    for method in RequestMethod.allCases {
        let name = Array("\(method.name)".utf8)
        #expect(name.withUnsafeBytes { RequestMethod.named($0, 0..<$0.count) } == method)
    }
    for miss in ["GETS", "GE", "POSt", "OPTION", "CONNEC", "PATCHY", ""] {
        #expect(Array(miss.utf8).withUnsafeBytes { RequestMethod.named($0, 0..<$0.count) } == nil, "\(miss)")
    }
}

/// Every rejection maps to the status the brief and the RFCs call for.
@Test func rejectionStatuses() {
    #expect(RequestRejection.unknownMethod.status == 501)
    #expect(RequestRejection.unsupportedTransferCoding.status == 501)
    #expect(RequestRejection.versionNotSupported.status == 505)
    #expect(RequestRejection.requestLineTooLong.status == 414)
    #expect(RequestRejection.headerSectionTooLarge.status == 431)
    #expect(RequestRejection.tooManyHeaders.status == 431)
    #expect(RequestRejection.unsupportedExpectation.status == 417)
    for reason in [RequestRejection.missingHost, .duplicateHost, .obsFold, .whitespaceBeforeColon, .conflictingLength,
                   .invalidContentLength, .transferCodingNotChunked, .bareCR, .bareLF, .invalidHeaderValue,
                   .invalidMethod, .invalidTarget] {
        #expect(reason.status == 400, "\(reason)")
    }
}

/// A valid request line is judged once when its LF arrives, not again on every later read of a slow head.
@Test func requestLineJudgedOnce() {
    var parser = RequestHeadParser()
    let text = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
    for length in 1..<text.count {
        let result = Array(text[..<length]).withUnsafeBytes { parser.parse($0) }
        #expect(result == .incomplete)
        #expect(parser.requestLineChecked == (length >= 16), "after \(length) bytes")
    }
    let last = text.withUnsafeBytes { parser.parse($0) }
    if case .complete = last {} else { Issue.record("not complete: \(last)") }
    #expect(!parser.requestLineChecked)
}
