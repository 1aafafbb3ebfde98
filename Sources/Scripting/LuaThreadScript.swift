internal import CLuaJIT
import HTTP1
import LoadGen

/// One load thread's Lua state in its running phase: `request()`, `response()` and `delay()`
/// as the engine calls them. Per request it allocates nothing on the Swift side: the request's
/// bytes are read straight out of the Lua string, kept on the Lua stack until the next call.
final class LuaThreadScript: ThreadScript, @unchecked Sendable {
    /// A function that fails this many times in a row means every request fails: the thread stops.
    static let failureStreakLimit = 100

    let lua: LuaState
    let index: Int
    /// The native functions' context outlives every state that calls them.
    private let natives: NativeFunctions
    let requestIsDynamic: Bool
    let wantsResponses: Bool
    let hasDelay: Bool
    private(set) var requestsPerCall = 1
    private(set) var fixedRequest: [UInt8] = []
    var stopThread: (() -> Void)?
    /// Errors of request(), response() and delay() on this thread.
    private(set) var errors = ScriptErrorTally()
    /// True once the thread stopped because its script failed every time.
    private(set) var gaveUp = false
    private var failureStreak = 0
    /// Chunked bodies decoded for response(); reused.
    private var decodedBody: [UInt8] = []

    init(lua: LuaState, index: Int, natives: NativeFunctions) {
        self.lua = lua
        self.index = index
        self.natives = natives
        requestIsDynamic = lua.isFunction("request")
        wantsResponses = lua.isFunction("response")
        hasDelay = lua.isFunction("delay")
    }

    /// Builds one request outside the run (the fixed one, or the one wrk calls to count the
    /// requests a call returns) and counts its requests.
    func prepare() throws(ScriptError) {
        let L = lua.L
        lua_settop(L, 0)
        if requestIsDynamic {
            volley_lua_getglobal(L, "request")
        } else {
            volley_lua_getglobal(L, "wrk")
            lua_getfield(L, -1, "request")
            lua_remove(L, 1)
        }
        guard lua_pcall(L, 0, 1, 0) == 0 else { throw .runtime(function: "request()", message: lua.popMessage()) }
        guard let bytes = stringOnTop() else {
            throw .invalidRequest("request() returned a \(String(cString: lua_typename(L, lua_type(L, -1)))), not a string")
        }
        switch RequestCounter.count(bytes) {
        case .success(let n): requestsPerCall = n
        case .failure(let error): throw error
        }
        if !requestIsDynamic { fixedRequest = Array(bytes) }
        lua_settop(L, 0)
    }

    /// Threads other than the first build no request before the run (as in wrk): they count
    /// what the first one counted.
    func adoptRequestsPerCall(_ n: Int) { requestsPerCall = n }

    // MARK: - ThreadScript

    @inline(__always)
    func nextRequest() -> UnsafeRawBufferPointer? {
        let L = lua.L
        while !gaveUp {
            lua_settop(L, 0)   // lets the previous request's string go
            volley_lua_getglobal(L, "request")
            if lua_pcall(L, 0, 1, 0) == 0 {
                if let bytes = stringOnTop() {
                    failureStreak = 0
                    return bytes
                }
                let type = String(cString: lua_typename(L, lua_type(L, -1)))
                failed("request()", "request() returned a \(type), not a string")
            } else {
                failed("request()", lua.popMessage())
            }
        }
        return nil
    }

    func response(status: Int, raw: UnsafeRawBufferPointer) {
        let L = lua.L
        lua_settop(L, 0)
        volley_lua_getglobal(L, "response")
        lua_pushinteger(L, status)
        let bodyStart = ResponseHeaders.push(raw, on: L)
        pushBody(UnsafeRawBufferPointer(rebasing: raw[bodyStart...]), head: UnsafeRawBufferPointer(rebasing: raw[..<bodyStart]))
        if lua_pcall(L, 3, 0, 0) == 0 {
            failureStreak = 0
        } else {
            failed("response()", lua.popMessage())
        }
    }

    func delayMillis() -> UInt64 {
        let L = lua.L
        lua_settop(L, 0)
        volley_lua_getglobal(L, "delay")
        guard lua_pcall(L, 0, 1, 0) == 0 else { failed("delay()", lua.popMessage()); return 0 }
        let millis = lua_tonumber(L, -1)
        return millis.isFinite && millis > 0 ? UInt64(min(millis, 3_600_000)) : 0
    }

    // MARK: - Private

    @inline(__always)
    private func stringOnTop() -> UnsafeRawBufferPointer? {
        let L = lua.L
        guard lua_type(L, -1) == LUA_TSTRING else { return nil }
        var length = 0
        guard let bytes = lua_tolstring(L, -1, &length) else { return nil }
        return UnsafeRawBufferPointer(start: bytes, count: length)
    }

    /// The body as wrk hands it to Lua: decoded when it was sent chunked.
    private func pushBody(_ body: UnsafeRawBufferPointer, head: UnsafeRawBufferPointer) {
        guard ResponseHeaders.isChunked(head) else { lua.push(bytes: body); return }
        decodedBody.removeAll(keepingCapacity: true)
        var decoder = ChunkedBodyDecoder(strict: false)
        var rest = body
        decoding: while !rest.isEmpty {
            switch decoder.decode(rest) {
            case .data(let span):
                decodedBody.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[span]))
                rest = UnsafeRawBufferPointer(rebasing: rest[span.upperBound...])
            case .needMore, .done, .error:
                break decoding
            }
        }
        decodedBody.withUnsafeBytes { lua.push(bytes: $0) }
    }

    private func failed(_ function: String, _ message: @autoclosure () -> String) {
        errors.record(function: function, message: message())
        failureStreak += 1
        if failureStreak >= Self.failureStreakLimit && !gaveUp {
            gaveUp = true
            stopThread?()
        }
    }
}

/// The header fields of a raw response, pushed as the table wrk hands to `response()`.
enum ResponseHeaders {
    /// Pushes `{name = value, …}` (a repeated name keeps its last value, as in wrk); returns
    /// where the body starts.
    static func push(_ raw: UnsafeRawBufferPointer, on L: OpaquePointer) -> Int {
        lua_createtable(L, 0, 8)
        var bodyStart = raw.count
        forEachField(raw, bodyStart: &bodyStart) { name, value in
            lua_pushlstring(L, name.baseAddress?.assumingMemoryBound(to: CChar.self), name.count)
            lua_pushlstring(L, value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count)
            lua_rawset(L, -3)
        }
        return bodyStart
    }

    /// Whether the head's Transfer-Encoding ends in chunked.
    static func isChunked(_ head: UnsafeRawBufferPointer) -> Bool {
        var chunked = false
        var ignored = 0
        forEachField(head, bodyStart: &ignored) { name, value in
            if asciiEqual(name, "transfer-encoding") {
                chunked = value.count >= 7 && asciiEqual(UnsafeRawBufferPointer(rebasing: value[(value.count - 7)...]), "chunked")
            }
        }
        return chunked
    }

    /// Calls `body` with each field's name and value (surrounding whitespace trimmed) after the
    /// status line, up to the empty line; sets `bodyStart` after it.
    static func forEachField(_ raw: UnsafeRawBufferPointer, bodyStart: inout Int,
                             _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), colon = UInt8(ascii: ":")
        var i = 0
        while i < raw.count && raw[i] != lf { i += 1 }   // the status line
        i += 1
        while i < raw.count {
            var end = i
            while end < raw.count && raw[end] != lf { end += 1 }
            var stop = end
            if stop > i && raw[stop - 1] == cr { stop -= 1 }
            if stop == i { bodyStart = min(end + 1, raw.count); return }
            var c = i
            while c < stop && raw[c] != colon { c += 1 }
            if c < stop {
                var v = c + 1
                while v < stop && (raw[v] == 0x20 || raw[v] == 0x09) { v += 1 }
                var w = stop
                while w > v && (raw[w - 1] == 0x20 || raw[w - 1] == 0x09) { w -= 1 }
                body(UnsafeRawBufferPointer(rebasing: raw[i..<c]), UnsafeRawBufferPointer(rebasing: raw[v..<w]))
            }
            i = end + 1
        }
        bodyStart = raw.count
    }

    private static func asciiEqual(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        for i in 0..<bytes.count where bytes[i] | 0x20 != expected[i] { return false }
        return true
    }
}
