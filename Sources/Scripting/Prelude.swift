/// The Lua half of wrk's scripting API, run in every Lua state before the user's script. It
/// is written for Volley from wrk's SCRIPTING document: the `wrk` table, `wrk.format`,
/// `wrk.lookup`, `wrk.connect`, thread objects (`addr`, `get`, `set`, `stop`) and the
/// statistics objects handed to `done()`. The few things Lua cannot do (name resolution,
/// connecting, reaching another thread's state) come from Swift as `native`; those functions
/// never raise errors themselves (a Lua error unwinding through Swift frames is not safe):
/// they return a message, and the Lua side raises it.
///
/// The chunk receives `native, scheme, host, port, path` and returns the functions Swift calls
/// (`internal`), kept in the registry.
enum Prelude {
    static let source = #"""
local native, scheme, host, port, path = ...
local internal = {}

-- Addresses (wrk.lookup, thread.addr): userdata printing as "ip:port".
local addr_fields = setmetatable({}, { __mode = "k" })
local addr_proto = newproxy(true)
getmetatable(addr_proto).__tostring = function(self)
   local f = addr_fields[self]
   return f.ip .. ":" .. f.port
end
local function make_addr(ip, portnum)
   local a = newproxy(addr_proto)
   addr_fields[a] = { ip = ip, port = portnum }
   return a
end

wrk = {
   scheme  = scheme,
   host    = host,
   port    = port,
   method  = "GET",
   path    = path,
   headers = {},
   body    = nil,
   thread  = nil,
}

function wrk.lookup(h, service)
   local found, err = native.lookup(tostring(h), tostring(service))
   if not found then error(err, 2) end
   local result = {}
   for i, entry in ipairs(found) do result[i] = make_addr(entry[1], entry[2]) end
   return result
end

function wrk.connect(addr)
   local f = addr_fields[addr]
   if not f then error("wrk.connect expects an address returned by wrk.lookup", 2) end
   return native.connect(f.ip, f.port)
end

-- A request in wrk's form: the request line, every header of the table (in the table's
-- order), an empty line, the body. Like wrk, it fills in Host and sets Content-Length on the
-- table it is given (wrk.headers when none is given).
function wrk.format(method, path, headers, body)
   method  = method  or wrk.method
   path    = path    or wrk.path
   headers = headers or wrk.headers
   body    = body    or wrk.body
   if headers["Host"] == nil then headers["Host"] = wrk.headers["Host"] end
   if body then headers["Content-Length"] = string.len(body) else headers["Content-Length"] = nil end
   local lines = { string.format("%s %s HTTP/1.1", method, path) }
   for name, value in pairs(headers) do
      lines[#lines + 1] = string.format("%s: %s", name, value)
   end
   lines[#lines + 1] = ""
   lines[#lines + 1] = body or ""
   return table.concat(lines, "\r\n")
end

-- Thread objects: userdata with addr, get, set and stop, as wrk's are.
local thread_ids = setmetatable({}, { __mode = "k" })
local thread_proto = newproxy(true)
do
   local methods = {
      get = function(self, name)
         local value, err = native.thread_get(thread_ids[self], tostring(name))
         if err then error(err, 2) end
         return value
      end,
      set = function(self, name, value)
         local err = native.thread_set(thread_ids[self], tostring(name), value)
         if err then error(err, 2) end
      end,
      stop = function(self)
         native.thread_stop(thread_ids[self])
      end,
   }
   local meta = getmetatable(thread_proto)
   meta.__index = function(self, key)
      if key == "addr" then
         local ip, p = native.thread_addr(thread_ids[self])
         if ip then return make_addr(ip, p) end
         return nil
      end
      return methods[key]
   end
   meta.__newindex = function(self, key, value)
      if key ~= "addr" then error("cannot set '" .. tostring(key) .. "' on thread", 2) end
      local f = addr_fields[value]
      if not f then error("thread.addr must be an address returned by wrk.lookup", 2) end
      native.thread_set_addr(thread_ids[self], f.ip, f.port)
   end
end
local function make_thread(id)
   local t = newproxy(thread_proto)
   thread_ids[t] = id
   return t
end

-- Setup state: setup(thread) for thread `id`.
function internal.setup(id)
   if type(setup) == "function" then setup(make_thread(id)) end
end

-- Thread state: wrk.thread, the Host header, init(args), then the request sent every time
-- when the script defines no request().
function internal.start(id, args)
   wrk.thread = make_thread(id)
   if wrk.headers["Host"] == nil then
      local h = wrk.host
      if h:find(":", 1, true) then h = "[" .. h .. "]" end
      if wrk.port then h = h .. ":" .. wrk.port end
      wrk.headers["Host"] = h
   end
   if type(init) == "function" then init(args) end
   local fixed = wrk.format()
   wrk.request = function() return fixed end
end

-- The statistics objects of done(): min, max, mean, stdev, percentile(p), obj(i) (the i-th
-- distinct value and its count) and #obj (the number of distinct values).
local stats_fields = setmetatable({}, { __mode = "k" })
local stats_proto = newproxy(true)
do
   local function percentile(self, p)
      local s = stats_fields[self]
      p = tonumber(p)
      if not p then error("percentile expects a number", 2) end
      local rank = math.floor(p / 100 * s.count + 0.5 + 0.5)
      local total = 0
      for i = 1, #s.values do
         total = total + s.counts[i]
         if total >= rank then return s.values[i] end
      end
      return 0
   end
   local meta = getmetatable(stats_proto)
   meta.__index = function(self, key)
      local s = stats_fields[self]
      if key == "percentile" then return percentile end
      return s.summary[key]
   end
   meta.__call = function(self, i)
      local s = stats_fields[self]
      i = tonumber(i) or 0
      if s.values[i] then return s.values[i], s.counts[i] end
      return 0, 0
   end
   meta.__len = function(self) return #stats_fields[self].values end
end
function internal.stats(values, counts, count, min, max, mean, stdev)
   local s = newproxy(stats_proto)
   stats_fields[s] = { values = values, counts = counts, count = count,
                       summary = { min = min, max = max, mean = mean, stdev = stdev } }
   return s
end

-- `--json -` owns standard output: the script's print and io.write go to standard error.
function internal.redirect_output()
   io.output(io.stderr)
   io.stdout = io.stderr
   print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      io.stderr:write(table.concat(parts, "\t"), "\n")
   end
end

return internal
"""#
}
