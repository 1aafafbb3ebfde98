internal import CLuaJIT
#if canImport(Glibc)
import Glibc
#endif

/// One LuaJIT state with the standard libraries, Volley's prelude and the user's script
/// loaded. Only the `Scripting` target sees Lua's types; it is used by one thread at a time.
final class LuaState {
    let L: OpaquePointer
    /// Registry reference of the prelude's `internal` table.
    private(set) var internalReference: Int32 = LUA_NOREF

    init() {
        guard let state = luaL_newstate() else { fatalError("LuaJIT could not allocate a state") }
        L = state
        luaL_openlibs(L)
    }

    deinit { lua_close(L) }

    /// Runs the prelude with the native functions and the URL's parts, then the script file.
    /// `configure` runs between the two (Volley's -m, -H and --body reach the `wrk` table).
    func load(script path: String, natives: NativeFunctions, url: URLParts, configure: (LuaState) -> Void) throws(ScriptError) {
        let prelude = Prelude.source
        let status = prelude.withCString { luaL_loadbuffer(L, $0, strlen($0), "=volley-prelude") }
        guard status == 0 else { throw .internal(popMessage()) }
        natives.push(on: L)
        pushOptional(url.scheme)
        pushOptional(url.host)
        pushOptional(url.port)
        pushOptional(url.path)
        guard lua_pcall(L, 5, 1, 0) == 0 else { throw .internal(popMessage()) }
        internalReference = luaL_ref(L, volley_lua_registryindex())
        configure(self)

        switch luaL_loadfile(L, path) {
        case 0: break
        case LUA_ERRFILE: throw .unreadable(path: path, reason: popMessage())
        case LUA_ERRSYNTAX: throw .syntax(popMessage())
        default: throw .internal(popMessage())
        }
        guard lua_pcall(L, 0, 0, 0) == 0 else { throw .runtime(function: "the script's main chunk", message: popMessage()) }
    }

    /// Calls `internal.<name>` with arguments pushed by `pushArguments` (which returns how many).
    func callInternal(_ name: String, results: Int32 = 0, pushArguments: () -> Int32 = { 0 }) -> String? {
        lua_rawgeti(L, volley_lua_registryindex(), internalReference)
        lua_getfield(L, -1, name)
        lua_remove(L, -2)
        let count = pushArguments()
        return lua_pcall(L, count, results, 0) == 0 ? nil : popMessage()
    }

    /// Whether the global `name` is a function (wrk's test for every optional hook).
    func isFunction(_ name: String) -> Bool {
        volley_lua_getglobal(L, name)
        defer { volley_lua_pop(L, 1) }
        return volley_lua_isfunction(L, -1) != 0
    }

    /// The error message on top of the stack, popped.
    func popMessage() -> String {
        defer { volley_lua_pop(L, 1) }
        return describe(at: -1)
    }

    /// A value of the stack as text (errors may be any value).
    func describe(at index: Int32) -> String {
        var length = 0
        if lua_type(L, index) == LUA_TSTRING || lua_type(L, index) == LUA_TNUMBER,
           let bytes = lua_tolstring(L, index, &length) {
            return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
        return "(error object is a \(String(cString: lua_typename(L, lua_type(L, index)))) value)"
    }

    func pushOptional(_ text: String?) {
        if let text { push(text) } else { lua_pushnil(L) }
    }

    func push(_ text: String) {
        var text = text
        text.withUTF8 { UnsafeRawBufferPointer($0).withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) } }
    }

    func push(bytes: UnsafeRawBufferPointer) {
        bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) }
    }

    /// Pushes a table of strings with indices `from`, `from + 1`, …
    func pushList(_ items: [String], from first: Int32) {
        lua_createtable(L, Int32(items.count), 0)
        for (i, item) in items.enumerated() {
            push(item)
            lua_rawseti(L, -2, first + Int32(i))
        }
    }
}
