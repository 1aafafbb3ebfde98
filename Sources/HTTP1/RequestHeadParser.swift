// Request heads, picohttpparser-style: the server keeps reading into one per-connection
// buffer and calls parse with the whole unconsumed part. Until the empty line that ends
// the head has arrived only the new bytes are scanned for it (so a slow client costs
// O(n), not O(n²)); then the complete head is parsed in one strict pass (RFC 9112).

/// Parses request heads at the start of a connection's buffer. The only state kept
/// between calls is how far the search for the end of the head got.
public struct RequestHeadParser: Sendable {
    public var limits: RequestLimits
    /// Bytes already searched for the end of the head.
    @usableFromInline var scanned = 0
    /// Offset of the request line's LF once seen, for an early 414.
    @usableFromInline var requestLineLF = -1
    /// The request line has been checked while the rest of the head was still on its way.
    @usableFromInline var requestLineChecked = false

    public init(limits: RequestLimits = RequestLimits()) {
        self.limits = limits
    }

    /// Forget a partial head (after a connection is reused for another client, say).
    public mutating func reset() {
        scanned = 0
        requestLineLF = -1
        requestLineChecked = false
    }

    /// Parses the request head at the start of `buffer`.
    ///
    /// After `.incomplete`, call again with the same bytes plus whatever arrived. After
    /// `.complete(head, headerBytes)`, ranges in `head` point into `buffer`; the body (see
    /// `head.body`) or the next pipelined request starts at `headerBytes`, and that is
    /// where the next call's buffer must start. After `.reject`, answer and close.
    /// Empty lines before a request line are skipped (RFC 9112 §2.2).
    @inlinable
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> RequestHeadParseResult {
        let n = buffer.count
        var start = 0
        while start &+ 1 < n && buffer[start] == asciiCR && buffer[start &+ 1] == asciiLF { start &+= 2 }
        // Only an end within the limit is looked for; anything later is 431 anyway.
        let scanLimit = min(n, limits.maxHeaderBytes)
        var i = max(start, min(scanned, n) &- 2)
        var end = -1
        while i < scanLimit {
            // Eight bytes at a time while none of them is LF (the classic zero-byte test
            // on the word XOR "\n\n\n\n\n\n\n\n": exact about whether one is there).
            if i &+ 8 <= scanLimit {
                let word = buffer.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
                if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 == 0 {
                    i &+= 8
                    continue
                }
            }
            if buffer[i] == asciiLF {
                if requestLineLF < 0 { requestLineLF = i }
                if i &+ 1 < n && buffer[i &+ 1] == asciiLF { end = i &+ 2; break }
                if i &+ 2 < n && buffer[i &+ 1] == asciiCR && buffer[i &+ 2] == asciiLF { end = i &+ 3; break }
            }
            i &+= 1
        }
        if end < 0 {
            scanned = i
            // Reject early what the complete head would be rejected for, in the same order.
            // A method that is no token (a TLS handshake on the plain port, say) is seen at
            // once rather than after the client gives up.
            if RequestHeadParser.methodIsBroken(buffer, start: start) { return reject(.invalidMethod) }
            if requestLineLF >= 0 {
                // The whole request line is here: judge it now, once, so that a line that can
                // never start a valid head (HTTP/0.9's "GET /", a bad version, bare CRs) is
                // answered at once instead of after the header timeout.
                if !requestLineChecked {
                    if case .failure(let reason) = RequestHeadParser.parseRequestLine(buffer, start: start,
                                                                                      lf: requestLineLF, limits: limits) {
                        return reject(reason)
                    }
                    requestLineChecked = true
                }
            } else if n &- start > limits.maxRequestLineBytes &+ 1 {
                return reject(.requestLineTooLong)
            }
            if n > limits.maxHeaderBytes { return reject(.headerSectionTooLarge) }
            return .incomplete
        }
        reset()
        return RequestHeadParser.parseHead(buffer, start: start, end: end, limits: limits)
    }

    @inlinable
    mutating func reject(_ reason: RequestRejection) -> RequestHeadParseResult {
        reset()
        return .reject(status: reason.status, reason: reason)
    }
}

extension RequestHeadParseResult {
    @inlinable
    static func rejecting(_ reason: RequestRejection) -> RequestHeadParseResult {
        .reject(status: reason.status, reason: reason)
    }
}

extension RequestHeadParser {
    /// What a byte that should not end a token or value there says is wrong.
    @inlinable
    static func lineBreakError(_ b: UnsafeRawBufferPointer, _ i: Int, otherwise: RequestRejection) -> RequestRejection {
        if b[i] == asciiLF { return .bareLF }
        if b[i] == asciiCR && b[i &+ 1] != asciiLF { return .bareCR }
        return otherwise
    }

    /// Whether the bytes where the method should be hold something other than a token
    /// followed by SP (or by a line end, which is reported as a line error instead).
    /// Looks at 16 bytes at most: longer tokens are left to the full parse.
    @inlinable
    static func methodIsBroken(_ b: UnsafeRawBufferPointer, start: Int) -> Bool {
        let limit = min(b.count, start &+ 16)
        var i = start
        while i < limit && isTokenChar(b[i]) { i &+= 1 }
        return i < limit && b[i] != asciiSP && b[i] != asciiCR && b[i] != asciiLF
    }

    /// Parses a head known to end at `end` (just past its empty line), strictly. The order
    /// of the checks is the one `parse` follows while the head is incomplete (method bytes,
    /// request line, head size), so that feeding a head whole or in pieces gives one verdict.
    @inlinable
    static func parseHead(_ b: UnsafeRawBufferPointer, start: Int, end: Int, limits: RequestLimits)
        -> RequestHeadParseResult {
        if methodIsBroken(b, start: start) { return .rejecting(.invalidMethod) }
        // The request line's end; a LF exists, the end search found it.
        var lf = start
        while b[lf] != asciiLF { lf &+= 1 }
        var head: RequestHead
        switch parseRequestLine(b, start: start, lf: lf, limits: limits) {
        case .success(let parsed): head = parsed
        case .failure(let reason): return .rejecting(reason)
        }
        if end > limits.maxHeaderBytes { return .rejecting(.headerSectionTooLarge) }
        head.headEnd = end
        if let reason = parseFields(b, &head, limits: limits) { return .rejecting(reason) }
        return .complete(head, headerBytes: end)
    }

    /// Checks the request line from `start` to its LF at `lf` (the rest of the head may not
    /// have arrived): a head with its method, version and target set and no fields yet, or
    /// why the line is refused.
    @inlinable
    static func parseRequestLine(_ b: UnsafeRawBufferPointer, start: Int, lf: Int, limits: RequestLimits)
        -> Result<RequestHead, RequestRejection> {
        // A bare CR inside the line is always followed by something here, as the line ends with LF.
        let hasCR = lf > start && b[lf &- 1] == asciiCR
        let lineEnd = hasCR ? lf &- 1 : lf
        if lineEnd &- start > limits.maxRequestLineBytes { return .failure(.requestLineTooLong) }
        if !hasCR { return .failure(.bareLF) }

        // method SP
        var i = start
        while isTokenChar(b[i]) { i &+= 1 }
        if i == start { return .failure(lineBreakError(b, i, otherwise: b[i] == asciiSP ? .invalidRequestLine : .invalidMethod)) }
        if b[i] != asciiSP { return .failure(lineBreakError(b, i, otherwise: i == lineEnd ? .invalidRequestLine : .invalidMethod)) }
        let methodRange = start..<i
        i &+= 1
        // request-target SP: visible ASCII only.
        let targetStart = i
        while b[i] > asciiSP && b[i] < 0x7F { i &+= 1 }
        if i == targetStart { return .failure(lineBreakError(b, i, otherwise: .invalidRequestLine)) }
        if b[i] != asciiSP { return .failure(lineBreakError(b, i, otherwise: i == lineEnd ? .invalidRequestLine : .invalidTarget)) }
        let target = targetStart..<i
        i &+= 1
        // HTTP-version: exactly "HTTP/" DIGIT "." DIGIT, then CRLF.
        var j = i
        while j < lineEnd && b[j] != asciiCR { j &+= 1 }
        if j < lineEnd { return .failure(.bareCR) }
        guard lineEnd &- i == 8, bytesEqual(b, i..<(i &+ 5), "HTTP/"), let major = decimalValue(b[i &+ 5]),
              b[i &+ 6] == UInt8(ascii: "."), let minor = decimalValue(b[i &+ 7]) else {
            return .failure(.invalidVersion)
        }
        if major != 1 { return .failure(.versionNotSupported) }
        let version: HTTPVersion = minor == 0 ? .http1_0 : .http1_1
        guard let method = RequestMethod.named(b, methodRange) else { return .failure(.unknownMethod) }

        var head = RequestHead(method: method, version: version, target: target, targetForm: .origin,
                               path: target, query: nil, host: nil, keepAlive: false, body: .none,
                               expectContinue: false, headerCount: 0, fieldsStart: lf &+ 1, headEnd: lf &+ 1)
        if let reason = parseTarget(b, &head) { return .failure(reason) }
        return .success(head)
    }

    /// Splits the target into its form, path, query and (for absolute- and
    /// authority-form) host (RFC 9112 §3.2).
    @inlinable
    static func parseTarget(_ b: UnsafeRawBufferPointer, _ head: inout RequestHead) -> RequestRejection? {
        let t = head.target
        for k in t where b[k] == UInt8(ascii: "#") { return .invalidTarget }   // fragments are never sent
        if head.method == .connect {
            // authority-form: uri-host ":" port, nothing else.
            var hasColon = false
            for k in t {
                guard isHostChar(b[k]) else { return .invalidTarget }
                if b[k] == asciiColon { hasColon = true }
            }
            guard hasColon, b[t.lowerBound] != asciiColon else { return .invalidTarget }
            head.targetForm = .authority
            head.path = t.lowerBound..<t.lowerBound
            head.host = t
            return nil
        }
        var pathStart = t.lowerBound
        if b[pathStart] == UInt8(ascii: "/") {
            head.targetForm = .origin
        } else if t.count == 1 && b[pathStart] == UInt8(ascii: "*") {
            guard head.method == .options else { return .invalidTarget }
            head.targetForm = .asterisk
            head.path = pathStart..<pathStart
            return nil
        } else {
            // absolute-form: "http" / "https" "://" authority, then path and query.
            var k = pathStart
            while k < t.upperBound && b[k] != asciiColon { k &+= 1 }
            let scheme = pathStart..<k
            guard bytesEqualIgnoringCase(b, scheme, "http") || bytesEqualIgnoringCase(b, scheme, "https"),
                  t.upperBound &- k > 3, b[k &+ 1] == UInt8(ascii: "/"), b[k &+ 2] == UInt8(ascii: "/") else {
                return .invalidTarget
            }
            let authorityStart = k &+ 3
            k = authorityStart
            while k < t.upperBound && b[k] != UInt8(ascii: "/") && b[k] != UInt8(ascii: "?") {
                guard isHostChar(b[k]) else { return .invalidTarget }   // also refuses user@info
                k &+= 1
            }
            if k == authorityStart { return .invalidTarget }
            head.targetForm = .absolute
            head.host = authorityStart..<k
            pathStart = k
        }
        var q = pathStart
        while q < t.upperBound && b[q] != UInt8(ascii: "?") { q &+= 1 }
        head.path = pathStart..<q
        head.query = q < t.upperBound ? (q &+ 1)..<t.upperBound : nil
        return nil
    }
}
