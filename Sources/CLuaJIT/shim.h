/* LuaJIT (Debian's libluajit2-5.1-dev, the Lua that Debian's wrk links). Lua 5.1's API has
   many function-like macros, which Swift cannot import: each one Volley uses is restated
   here as an inline function with the same meaning. */
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <luajit.h>

static inline void volley_lua_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }
static inline void volley_lua_getglobal(lua_State *L, const char *name) { lua_getfield(L, LUA_GLOBALSINDEX, name); }
static inline void volley_lua_setglobal(lua_State *L, const char *name) { lua_setfield(L, LUA_GLOBALSINDEX, name); }
static inline void volley_lua_newtable(lua_State *L) { lua_createtable(L, 0, 0); }
static inline int volley_lua_isfunction(lua_State *L, int i) { return lua_type(L, i) == LUA_TFUNCTION; }
static inline int volley_lua_isnil(lua_State *L, int i) { return lua_type(L, i) == LUA_TNIL; }
static inline int volley_lua_upvalueindex(int i) { return LUA_GLOBALSINDEX - i; }
static inline int volley_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline const char *volley_lua_tostring(lua_State *L, int i) { return lua_tolstring(L, i, NULL); }
static inline void volley_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcclosure(L, f, 0); }
