// The header section of a complete request head: each field line checked strictly
// (RFC 9112 §5), the few fields that decide framing and connection handling read, and
// the combinations RFC 9112 §3.2 and §6 forbid rejected.

extension RequestHeadParser {
    /// What the field lines of one request say, gathered during the walk.
    @usableFromInline
    struct FieldFacts {
        @usableFromInline var hostCount = 0
        @usableFromInline var host: Range<Int>? = nil
        @usableFromInline var sawContentLength = false
        @usableFromInline var contentLength = ContentLengthScanner()
        @usableFromInline var sawTransferEncoding = false
        @usableFromInline var chunkedCount = 0
        @usableFromInline var lastCodingChunked = false
        @usableFromInline var otherCodings = 0
        @usableFromInline var connectionClose = false
        @usableFromInline var connectionKeepAlive = false
        @usableFromInline var expectContinue = false
        @usableFromInline var otherExpectation = false

        @inlinable init() {}
    }

    /// Walks the field lines from `head.fieldsStart` to the empty line at `head.headEnd`,
    /// then settles host, framing, keep-alive and Expect in `head`.
    @inlinable
    static func parseFields(_ b: UnsafeRawBufferPointer, _ head: inout RequestHead, limits: RequestLimits)
        -> RequestRejection? {
        var facts = FieldFacts()
        var p = head.fieldsStart
        var count = 0
        while true {
            let c = b[p]
            if c == asciiCR {
                // The empty line; the end search put it at headEnd.
                if b[p &+ 1] != asciiLF { return .bareCR }
                break
            }
            if c == asciiLF { return .bareLF }
            if isOWS(c) { return .obsFold }
            var q = p
            while isTokenChar(b[q]) { q &+= 1 }
            if b[q] != asciiColon {
                if q > p && isOWS(b[q]) { return .whitespaceBeforeColon }
                return lineBreakError(b, q, otherwise: .invalidHeaderName)
            }
            if q == p { return .invalidHeaderName }
            count &+= 1
            if count > limits.maxHeaderCount { return .tooManyHeaders }
            var v = q &+ 1
            while isOWS(b[v]) { v &+= 1 }
            let valueStart = v
            while isFieldByte(b[v]) { v &+= 1 }
            if b[v] != asciiCR || b[v &+ 1] != asciiLF { return lineBreakError(b, v, otherwise: .invalidHeaderValue) }
            if v &- p > limits.maxFieldLineBytes { return .fieldLineTooLarge }
            var valueEnd = v
            while valueEnd > valueStart && isOWS(b[valueEnd &- 1]) { valueEnd &-= 1 }
            if let reason = noteField(b, name: p..<q, value: valueStart..<valueEnd, &facts) { return reason }
            p = v &+ 2
        }
        head.headerCount = count
        return settle(facts, &head)
    }

    /// Reads one field line if its name is one that matters here.
    @inlinable
    static func noteField(_ b: UnsafeRawBufferPointer, name: Range<Int>, value: Range<Int>,
                          _ facts: inout FieldFacts) -> RequestRejection? {
        switch name.count {
        case 4 where foldedEquals(b, name, "host"):
            facts.hostCount &+= 1
            for k in value where !isHostChar(b[k]) { return .invalidHost }
            facts.host = value
        case 14 where foldedEquals(b, name, "content-length"):
            facts.sawContentLength = true
            for k in value where !facts.contentLength.feed(b[k]) { return .invalidContentLength }
            if !facts.contentLength.endElement() { return .invalidContentLength }
        case 17 where foldedEquals(b, name, "transfer-encoding"):
            facts.sawTransferEncoding = true
            if foldedEquals(b, value, "chunked") {   // the usual value, without the list scanner
                noteCoding(.word(.chunked), &facts)
                return nil
            }
            var list = ListScanner(Word.chunked.bit)
            for k in value {
                if let element = list.feed(b[k]) { noteCoding(element, &facts) }
            }
            noteCoding(list.end(), &facts)
        case 10 where foldedEquals(b, name, "connection"):
            if foldedEquals(b, value, "keep-alive") {   // the usual values, without the list scanner
                facts.connectionKeepAlive = true
                return nil
            }
            if foldedEquals(b, value, "close") {
                facts.connectionClose = true
                return nil
            }
            var list = ListScanner(Word.close.bit | Word.keepAlive.bit)
            for k in value {
                if let element = list.feed(b[k]) { noteConnection(element, &facts) }
            }
            noteConnection(list.end(), &facts)
        case 6 where foldedEquals(b, name, "expect"):
            var list = ListScanner(Word.hundredContinue.bit)
            for k in value {
                if let element = list.feed(b[k]) { noteExpectation(element, &facts) }
            }
            noteExpectation(list.end(), &facts)
        default:
            break
        }
        return nil
    }

    @inlinable
    static func noteCoding(_ element: ListElement, _ facts: inout FieldFacts) {
        switch element {
        case .empty: break
        case .word(.chunked):
            facts.chunkedCount &+= 1
            facts.lastCodingChunked = true
        default:
            facts.otherCodings &+= 1
            facts.lastCodingChunked = false
        }
    }

    @inlinable
    static func noteConnection(_ element: ListElement, _ facts: inout FieldFacts) {
        switch element {
        case .word(.close): facts.connectionClose = true
        case .word(.keepAlive): facts.connectionKeepAlive = true
        default: break
        }
    }

    @inlinable
    static func noteExpectation(_ element: ListElement, _ facts: inout FieldFacts) {
        switch element {
        case .empty: break
        case .word(.hundredContinue): facts.expectContinue = true
        default: facts.otherExpectation = true
        }
    }

    /// The rules that need all field lines: Host (RFC 9112 §3.2), framing (§6.1, §6.3),
    /// persistence (§9.3) and Expect (RFC 9110 §10.1.1).
    @inlinable
    static func settle(_ facts: FieldFacts, _ head: inout RequestHead) -> RequestRejection? {
        let isHTTP11 = head.version == .http1_1
        if facts.hostCount > 1 { return .duplicateHost }
        if facts.hostCount == 0 && isHTTP11 { return .missingHost }
        if head.host == nil { head.host = facts.host }   // absolute-form's authority wins
        if facts.sawTransferEncoding {
            if facts.sawContentLength { return .conflictingLength }
            // §6.3: chunked must be final, and applied once; anything before it is a
            // coding this server would have to undo, which it cannot (501, §6.1).
            if !facts.lastCodingChunked || facts.chunkedCount != 1 { return .transferCodingNotChunked }
            if facts.otherCodings > 0 { return .unsupportedTransferCoding }
            head.body = .chunked
        } else if facts.sawContentLength {
            head.body = facts.contentLength.value == 0 ? .none : .contentLength(facts.contentLength.value)
        }
        head.keepAlive = isHTTP11 ? !facts.connectionClose : facts.connectionKeepAlive && !facts.connectionClose
        // §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: close after this one.
        if facts.sawTransferEncoding && !isHTTP11 { head.keepAlive = false }
        if isHTTP11 {
            // An HTTP/1.0 client's Expect must be ignored (RFC 9110 §10.1.1).
            if facts.otherExpectation { return .unsupportedExpectation }
            head.expectContinue = facts.expectContinue
        }
        return nil
    }
}
