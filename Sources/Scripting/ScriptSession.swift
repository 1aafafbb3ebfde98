internal import CLuaJIT
import Foundation
import Histogram
import LoadGen
import Metrics

/// A wrk Lua script for one run (`-s FILE -- ARGS`), in wrk's three phases: the setup state
/// (the script run once; `setup(thread)` for each thread; `done()` at the end) and one state
/// per load thread (the script run again; `init(args)`; then `request()`, `response()` and
/// `delay()` during the load).
public final class ScriptSession: @unchecked Sendable {
    /// What a result file records about the script.
    public let path: String
    public let arguments: [String]
    public let sha256: String
    private let url: String
    private let setupState: LuaState
    private let natives = NativeFunctions()
    private let configure: (LuaState) -> Void
    private var threadScripts: [LuaThreadScript] = []

    /// Loads the script into the setup state.
    /// - Parameters:
    ///   - url: the target URL as given (the `wrk` table's scheme, host, port and path).
    ///   - method, headers, body: Volley's `-m`, `-H` and `--body`, set on the `wrk` table
    ///     before the script runs (wrk itself has only `-H`).
    ///   - printToStandardError: the script's `print`/`io.write` go to standard error
    ///     (standard output carries `--json -`).
    public init(path: String, arguments: [String], url: String, method: String = "GET",
                headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                printToStandardError: Bool = false) throws(ScriptError) {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        self.path = path
        self.arguments = arguments
        self.sha256 = SHA256.hex(Array(contents))
        self.url = url
        let parts = URLParts(url)
        if let host = parts.host, case .success(let found) = AddressLookup.resolve(host: host, service: parts.port ?? parts.scheme ?? "http"),
           let first = found.first {
            natives.defaultAddress = first
        }
        configure = { lua in
            let L = lua.L
            volley_lua_getglobal(L, "wrk")
            if method != "GET" { lua.push(method); lua_setfield(L, -2, "method") }
            if let body { body.withUnsafeBytes { lua.push(bytes: $0) }; lua_setfield(L, -2, "body") }
            lua_getfield(L, -1, "headers")
            for header in headers {
                lua.push(header.name)
                lua.push(header.value)
                lua_settable(L, -3)
            }
            lua_settop(L, 0)
            if printToStandardError { _ = lua.callInternal("redirect_output") }
        }
        setupState = LuaState()
        try setupState.load(script: path, natives: natives, url: parts, configure: configure)
    }

    /// Makes the state of each of `count` load threads: runs the script in it, `setup(thread)`
    /// in the setup state, `init(args)` in the thread's state, and builds the request once to
    /// check it (and, when the script has no `request()`, to send it every time).
    public func makeThreads(count: Int) throws(ScriptError) -> [(script: ThreadScript, address: (host: String, port: UInt16)?)] {
        precondition(threadScripts.isEmpty, "threads are made once")
        natives.slots = (0..<count).map { _ in NativeFunctions.Slot() }
        let parts = URLParts(url)
        for index in 0..<count {
            let lua = LuaState()
            try lua.load(script: path, natives: natives, url: parts, configure: configure)
            natives.slots[index].lua = lua
            if let message = setupState.callInternal("setup", pushArguments: { lua_pushinteger(setupState.L, index); return 1 }) {
                throw .runtime(function: "setup()", message: message)
            }
            let args = [url] + arguments
            if let message = lua.callInternal("start", pushArguments: {
                lua_pushinteger(lua.L, index)
                // wrk's args table: [0] is the URL, the script's own arguments from [1].
                lua.pushList(args, from: 0)
                return 2
            }) {
                throw .runtime(function: "init()", message: message)
            }
            let script = LuaThreadScript(lua: lua, index: index, natives: natives)
            natives.slots[index].script = script
            // As wrk: thread 0's first request() is called once to count its requests (its
            // result is not sent); a script without request() builds its fixed request here.
            if index == 0 || !script.requestIsDynamic { try script.prepare() }
            threadScripts.append(script)
        }
        let perCall = threadScripts[0].requestsPerCall
        for script in threadScripts where script.requestIsDynamic { script.adoptRequestsPerCall(perCall) }
        return threadScripts.enumerated().map { index, script in
            guard let address = natives.slots[index].address, let port = UInt16(exactly: address.port) else {
                return (script, nil)
            }
            return (script, (address.ip, port))
        }
    }

    /// Whether the script defines `request()` (a request built per request).
    public var buildsEachRequest: Bool { threadScripts.first?.requestIsDynamic ?? false }

    /// Errors of request()/response()/delay() over all threads (read after the run).
    public var errors: ScriptErrorTally {
        var total = ScriptErrorTally()
        for script in threadScripts { total.add(script.errors) }
        return total
    }

    /// True when every thread stopped because its script failed every time.
    public var everyRequestFailed: Bool { !threadScripts.isEmpty && threadScripts.allSatisfy(\.gaveUp) }

    /// The script as a result file records it, with the run's errors.
    public var reference: ScriptReference {
        let tally = errors
        return ScriptReference(path: path, sha256: sha256, arguments: arguments, errors: tally.total,
                               errorMessages: tally.entries.map { "\($0.function): \($0.firstMessage)" })
    }

    /// Whether the script defines `done()`.
    public var hasDone: Bool { setupState.isFunction("done") }

    /// Calls `done(summary, latency, requests)` in the setup state, after the threads are joined.
    public func done(_ measurement: LoadMeasurement) throws(ScriptError) {
        guard hasDone else { return }
        let lua = setupState
        let L = lua.L
        lua_settop(L, 0)
        volley_lua_getglobal(L, "done")
        pushSummary(measurement, on: lua)
        try pushStatistics(measurement.latency, on: lua)
        try pushStatistics(measurement.requestRate, on: lua)
        guard lua_pcall(L, 3, 0, 0) == 0 else { throw .runtime(function: "done()", message: lua.popMessage()) }
        fflush(nil)
    }

    /// wrk's summary table: duration (µs), requests, bytes, errors by class (a response that is
    /// not HTTP counts as a read error, as in wrk).
    private func pushSummary(_ m: LoadMeasurement, on lua: LuaState) {
        let L = lua.L
        lua_createtable(L, 0, 4)
        func set(_ name: String, _ value: UInt64) {
            lua_pushnumber(L, Double(value))
            lua_setfield(L, -2, name)
        }
        set("duration", m.elapsedNanoseconds / 1000)
        set("requests", m.requests)
        set("bytes", m.bytesRead)
        lua_createtable(L, 0, 5)
        set("connect", m.errors.connect)
        set("read", m.errors.read + m.errors.parse)
        set("write", m.errors.write)
        set("status", m.errors.status)
        set("timeout", m.errors.timeout)
        lua_setfield(L, -2, "errors")
    }

    /// A statistics object over a histogram: its distinct values with their counts.
    private func pushStatistics(_ histogram: Histogram<UInt64>, on lua: LuaState) throws(ScriptError) {
        let L = lua.L
        let count = histogram.totalCount
        let stats = LatencyStats(histogram)
        var values: [UInt64] = []
        var counts: [UInt64] = []
        for item in histogram.recordedValues() where item.count > 0 {
            values.append(min(histogram.highestEquivalentForValue(item.value), histogram.maxRecorded))
            counts.append(UInt64(item.count))
        }
        lua_rawgeti(L, volley_lua_registryindex(), lua.internalReference)
        lua_getfield(L, -1, "stats")
        lua_remove(L, -2)
        for list in [values, counts] {
            lua_createtable(L, Int32(list.count), 0)
            for (i, v) in list.enumerated() {
                lua_pushnumber(L, Double(v))
                lua_rawseti(L, -2, Int32(i + 1))
            }
        }
        lua_pushnumber(L, Double(count))
        lua_pushnumber(L, Double(count == 0 ? 0 : stats.min))
        lua_pushnumber(L, Double(stats.max))
        lua_pushnumber(L, stats.mean)
        lua_pushnumber(L, stats.stdev)
        guard lua_pcall(L, 7, 1, 0) == 0 else { throw .internal(lua.popMessage()) }
    }
}
