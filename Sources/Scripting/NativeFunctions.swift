internal import CLuaJIT
#if canImport(Glibc)
import Glibc
#endif

/// The functions the prelude gets from Swift (`native`): name resolution, connecting, and a
/// thread object's reach into its thread's state. Each is a C function with this object as its
/// upvalue; none raises a Lua error (it returns nil and a message instead).
final class NativeFunctions: @unchecked Sendable {
    /// One per load thread: its state once made, the address `setup()` chose, its script.
    final class Slot {
        var lua: LuaState?
        var address: (ip: String, port: Int)?
        weak var script: LuaThreadScript?
    }

    /// Filled before any thread runs and only read afterwards.
    var slots: [Slot] = []
    /// The target's address, which every thread uses unless `setup()` changes it.
    var defaultAddress: (ip: String, port: Int)?

    func push(on L: OpaquePointer) {
        let functions: [(String, lua_CFunction)] = [
            ("lookup", NativeFunctions.lookup), ("connect", NativeFunctions.connect),
            ("thread_get", NativeFunctions.threadGet), ("thread_set", NativeFunctions.threadSet),
            ("thread_stop", NativeFunctions.threadStop), ("thread_addr", NativeFunctions.threadAddress),
            ("thread_set_addr", NativeFunctions.threadSetAddress),
        ]
        lua_createtable(L, 0, Int32(functions.count))
        for (name, function) in functions {
            lua_pushlightuserdata(L, Unmanaged.passUnretained(self).toOpaque())
            lua_pushcclosure(L, function, 1)
            lua_setfield(L, -2, name)
        }
    }

    // MARK: - The C functions

    private static func context(_ L: OpaquePointer) -> NativeFunctions {
        Unmanaged<NativeFunctions>.fromOpaque(lua_touserdata(L, volley_lua_upvalueindex(1))!).takeUnretainedValue()
    }

    private static func string(_ L: OpaquePointer, _ index: Int32) -> String {
        guard let text = volley_lua_tostring(L, index) else { return "" }
        return String(cString: text)
    }

    private static func push(_ L: OpaquePointer, _ text: String) {
        lua_pushstring(L, text)
    }

    private static func slot(_ L: OpaquePointer, _ index: Int32) -> Slot? {
        let id = Int(lua_tointeger(L, index))
        let slots = context(L).slots
        return id >= 0 && id < slots.count ? slots[id] : nil
    }

    /// lookup(host, service) → { {ip, port}, … } or nil, message.
    private static let lookup: lua_CFunction = { state in
        guard let L = state else { return 0 }
        let host = string(L, 1), service = string(L, 2)
        switch AddressLookup.resolve(host: host, service: service) {
        case .success(let addresses):
            lua_createtable(L, Int32(addresses.count), 0)
            for (i, address) in addresses.enumerated() {
                lua_createtable(L, 2, 0)
                push(L, address.ip)
                lua_rawseti(L, -2, 1)
                lua_pushinteger(L, address.port)
                lua_rawseti(L, -2, 2)
                lua_rawseti(L, -2, Int32(i + 1))
            }
            return 1
        case .failure(let message):
            lua_pushnil(L)
            push(L, "unable to resolve \(host):\(service): \(message.text)")
            return 2
        }
    }

    /// connect(ip, port) → whether a TCP connection opens (2 s at most).
    private static let connect: lua_CFunction = { state in
        guard let L = state else { return 0 }
        lua_pushboolean(L, AddressLookup.canConnect(ip: string(L, 1), port: Int(lua_tointeger(L, 2))) ? 1 : 0)
        return 1
    }

    /// thread_get(id, name) → the global `name` of thread `id`'s state, copied; or nil, message.
    private static let threadGet: lua_CFunction = { state in
        guard let L = state else { return 0 }
        guard let other = slot(L, 1)?.lua?.L else { lua_pushnil(L); push(L, "the thread has no state"); return 2 }
        volley_lua_getglobal(other, volley_lua_tostring(L, 2))
        let problem = ValueCopy.copy(from: other, at: lua_gettop(other), to: L)
        volley_lua_pop(other, 1)
        if let problem { lua_pushnil(L); push(L, problem); return 2 }
        return 1
    }

    /// thread_set(id, name, value) → nothing, or a message.
    private static let threadSet: lua_CFunction = { state in
        guard let L = state else { return 0 }
        guard let other = slot(L, 1)?.lua?.L else { push(L, "the thread has no state"); return 1 }
        if let problem = ValueCopy.copy(from: L, at: 3, to: other) { push(L, problem); return 1 }
        volley_lua_setglobal(other, volley_lua_tostring(L, 2))
        return 0
    }

    /// thread_stop(id): the thread ends its load (only while it runs, as in wrk).
    private static let threadStop: lua_CFunction = { state in
        guard let L = state else { return 0 }
        slot(L, 1)?.script?.stopThread?()
        return 0
    }

    /// thread_addr(id) → ip, port.
    private static let threadAddress: lua_CFunction = { state in
        guard let L = state else { return 0 }
        guard let address = slot(L, 1)?.address ?? context(L).defaultAddress else { return 0 }
        push(L, address.ip)
        lua_pushinteger(L, address.port)
        return 2
    }

    /// thread_set_addr(id, ip, port).
    private static let threadSetAddress: lua_CFunction = { state in
        guard let L = state else { return 0 }
        slot(L, 1)?.address = (string(L, 2), Int(lua_tointeger(L, 3)))
        return 0
    }
}

/// Copies a value from one Lua state to another: booleans, nil, numbers, strings and tables
/// of those, as wrk's thread:get/set allow.
enum ValueCopy {
    /// Pushes a copy of `src[index]` on `dst`; returns why not (nothing pushed) on failure.
    static func copy(from src: OpaquePointer, at index: Int32, to dst: OpaquePointer, depth: Int = 0) -> String? {
        let index = index < 0 ? lua_gettop(src) + index + 1 : index
        switch lua_type(src, index) {
        case LUA_TNIL: lua_pushnil(dst)
        case LUA_TBOOLEAN: lua_pushboolean(dst, lua_toboolean(src, index))
        case LUA_TNUMBER: lua_pushnumber(dst, lua_tonumber(src, index))
        case LUA_TSTRING:
            var length = 0
            let bytes = lua_tolstring(src, index, &length)
            lua_pushlstring(dst, bytes, length)
        case LUA_TTABLE:
            if depth > 64 { return "cannot transfer a table nested more than 64 deep (a cycle?) to thread" }
            lua_createtable(dst, 0, 0)
            lua_pushnil(src)
            while lua_next(src, index) != 0 {
                if let problem = copy(from: src, at: -2, to: dst, depth: depth + 1) {
                    volley_lua_pop(src, 2); volley_lua_pop(dst, 1); return problem
                }
                if let problem = copy(from: src, at: -1, to: dst, depth: depth + 1) {
                    volley_lua_pop(src, 2); volley_lua_pop(dst, 2); return problem
                }
                lua_settable(dst, -3)
                volley_lua_pop(src, 1)
            }
        default:
            return "cannot transfer '\(String(cString: lua_typename(src, lua_type(src, index))))' to thread"
        }
        return nil
    }
}
