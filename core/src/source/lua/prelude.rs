//! What a script's globals are made of: the Lua prelude that wraps the
//! base library, the globals removed, and the restricted `os`.

use mlua::{Lua as State, Table, Value as LuaValue};

use super::sandbox::Policy;
use crate::source::Vars;

/// Replaces the parts of the base library that reach outside the sandbox or
/// escape its limits. `pcall`, `xpcall`, `load`, `coroutine.resume` and
/// `coroutine.close` re-raise once a limit is broken, and a memory error
/// they catch breaks the memory limit; each resume is charged
/// to the meter; `coroutine.wrap` is rebuilt on them, so that the dead
/// coroutine of a breach is never closed (its `__close` handlers would run
/// with hooks off); `load` takes text only, and none that would take the
/// parser too long ([`unparsable`](super::parse_guard::unparsable)); `setmetatable` refuses `__gc`,
/// whose finalizers would run when the state is closed, outside the
/// script's run, and records each metatable for the meter; `rawset`
/// refuses the read-only views, past whose metatables it would write. The
/// chunk returns the helpers of the read-only views.
pub(super) const PRELUDE: &str = r##"
local check, charge, pcall, xpcall, create, resume, close, status, load, setmetatable,
  rawget, select, type, next, error, rawset, metas, starved, parsable, concat = ...
-- Lua's error value for a failed allocation, and mlua's for one in a Rust
-- callback: either makes the memory breach sticky, as a hook does the
-- others. Compared here, so that a full heap needs no allocation to tell.
local memerr = "not enough memory"
local function caught(err)
  if err == memerr or type(err) == "userdata" then starved(err) end
end
local function pass(ok, ...)
  if not ok then caught((...)) end
  check()
  return ok, ...
end
_G.pcall = function(...) return pass(pcall(...)) end
-- Once a hook has raised, Lua runs message handlers with hooks off: the
-- wrapper keeps a handler from running at all after a breach.
_G.xpcall = function(f, handler, ...)
  if type(handler) ~= "function" then
    return pass(xpcall(f, handler, ...))
  end
  return pass(xpcall(f, function(...)
    check()
    return handler(...)
  end, ...))
end
coroutine.resume = function(co, ...)
  charge()
  return pass(resume(co, ...))
end
coroutine.close = function(co)
  check()
  return pass(close(co))
end
local function unwrap(co, ok, ...)
  if ok then return ... end
  local err = ...
  caught(err)
  check()
  -- As coroutine.wrap does: close what the dead coroutine left open.
  if status(co) == "dead" then
    local closed, close_err = close(co)
    if not closed then caught(close_err) end
    check()
    if not closed then err = close_err end
  end
  error(err, 0)
end
coroutine.wrap = function(f)
  local co = create(f)
  return function(...)
    charge()
    return unwrap(co, resume(co, ...))
  end
end
local function read_all(reader)
  local parts = {}
  while true do
    local piece = reader()
    if piece == nil or piece == "" then return concat(parts) end
    if type(piece) ~= "string" then error("reader function must return a string", 0) end
    parts[#parts + 1] = piece
  end
end
_G.load = function(chunk, _name, mode, ...)
  -- A reader's pieces are read first, so that the whole text is checked
  -- as a string is; `load` answers a reader's error with nil and it.
  if type(chunk) == "function" then
    local ok, text = pass(pcall(read_all, chunk))
    if not ok then return nil, text end
    chunk = text
  end
  if type(chunk) == "string" then parsable(chunk) end
  -- One name for every chunk: a name of the script's choosing would put
  -- another file and line in the messages of its errors.
  if select("#", ...) > 0 then
    return pass(load(chunk, "=(load)", "t", (...)))
  end
  return pass(load(chunk, "=(load)", "t"))
end
_G.setmetatable = function(t, mt)
  if type(mt) == "table" then
    if rawget(mt, "__gc") ~= nil then
      error("__gc metamethods are not allowed in a configuration script", 2)
    end
    metas[mt] = true
  end
  return setmetatable(t, mt)
end
local data_of = {}
-- The data itself never reaches the script (as `pairs`' second value it
-- could be written to): the iterator closes over it, and the state is the
-- read-only view.
local function view_pairs(t)
  local data = data_of[t]
  return function(_, k) return next(data, k) end, t, nil
end
local function view_len(t) return #data_of[t] end
local readonly = "the configuration is read-only: return a table with the values to set"
local function deny() error(readonly, 2) end
-- `rawset` would write past the views' metatables.
_G.rawset = function(t, k, v)
  if data_of[t] ~= nil then error(readonly, 2) end
  return rawset(t, k, v)
end
-- Clearing existing fields during a traversal is allowed, and allocates
-- nothing.
local function disarm()
  for mt in next, metas do
    for k in next, mt do rawset(mt, k, nil) end
  end
end
return data_of, view_pairs, view_len, deny, disarm
"##;

/// Guards the library calls that loop in C, past every hook, without
/// allocating as they go, so that no limit stops them: a count of empty
/// strings for `string.rep`, a range for `table.move`, and the length of a
/// table (a border that a few keys can make huge, or a `__len`) for
/// `table.insert` and `table.remove` at a position. Each is refused before
/// it starts when it would step more than `bound` times, the memory limit
/// in table slots: more than any table the script could fill. `table.sort`
/// compares through a Lua function, so that its comparisons are metered.
/// The chunk gets the real functions as locals, out of the script's reach.
pub(super) const LIBRARY: &str = r##"
local string, table, bound, rep, move, insert, remove, tointeger, select, error, rawlen,
  has_len, sort, type, concat, unpack, chain, raw_tostring, format, has_meta, has_tostring,
  conversions, tonumber = ...
-- No heap address reaches a script: a table (without `__tostring`), a
-- function or a coroutine is its type's name, which nothing can cut an
-- address out of.
local function tostring(...)
  if select("#", ...) > 0 then
    local v = ...
    local t = type(v)
    if t == "function" or t == "thread" or (t == "table" and not has_tostring(v)) then
      return t
    end
  end
  return raw_tostring(...)
end
_G.tostring = tostring
-- `%s` of a table would print its address: it takes what `tostring` says,
-- and `%p` is refused.
string.format = function(fmt, ...)
  if type(fmt) ~= "string" then return format(fmt, ...) end
  local convs = conversions(fmt)
  if convs.p then
    error("string.format: %p is not available in a configuration script", 2)
  end
  if not convs.s then return format(fmt, ...) end
  local n = select("#", ...)
  local args = { ... }
  for i = 1, n do
    local t = type(args[i])
    if convs[i] == "s" and (t == "table" or t == "function" or t == "thread") then
      args[i] = tostring(args[i])
    end
  end
  return format(fmt, unpack(args, 1, n))
end
local function refuse(name, steps)
  error(name .. ": " .. steps .. " steps are more than one library call may take in a "
    .. "configuration script (at most " .. bound .. ")", 3)
end
string.rep = function(s, n, ...)
  local count = tointeger(n)
  if count and count > bound then
    -- As Lua checks them; `rep(x, 1)` is `x` as a string.
    local empty = #rep(s, 1) == 0
    if select("#", ...) > 0 then
      empty = empty and #rep((...), 1) == 0
    end
    -- Anything else allocates its result first, within the memory limit.
    if empty then refuse("string.rep", count) end
  end
  return rep(s, n, ...)
end
-- A table with a metatable is copied item by item in Lua, where each lookup
-- is an instruction the hook counts: in C, one call could walk an
-- `__index` chain (built as the call goes, or behind a `__len` that
-- answers twice) for every item, past every limit.
local function int(v) return tointeger(tonumber(v)) end
local function plain(t, first, last)
  local p = {}
  for k = first, last do p[k] = t[k] end
  return p
end
table.move = function(a1, f, e, t, ...)
  local first, last = tointeger(f), tointeger(e)
  if first and last and last >= first and last - first >= bound then
    refuse("table.move", last - first + 1)
  end
  local a2 = a1
  if select("#", ...) > 0 then a2 = ... end
  local from, to, at = int(f), int(e), int(t)
  if (has_meta(a1) or has_meta(a2)) and from and to and at then
    if to >= from then
      if at > to or at <= from or a2 ~= a1 then
        for k = 0, to - from do a2[at + k] = a1[from + k] end
      else
        for k = to - from, 0, -1 do a2[at + k] = a1[from + k] end
      end
    end
    return a2
  end
  return move(a1, f, e, t, ...)
end
table.concat = function(t, sep, i, j, ...)
  if has_meta(t) then
    local first = i == nil and 1 or int(i)
    local last = j == nil and #t or int(j)
    if first and last then return concat(plain(t, first, last), sep, first, last) end
  end
  return concat(t, sep, i, j, ...)
end
table.unpack = function(t, i, j, ...)
  if has_meta(t) then
    local first = i == nil and 1 or int(i)
    local last = j == nil and #t or int(j)
    if first and last then return unpack(plain(t, first, last), first, last) end
  end
  return unpack(t, i, j, ...)
end
-- The length the real call shifts over. A `__len` could answer a guard
-- one length and the call another, so a table with one is refused; any
-- other's length is its border, the same to both.
local function shifted(name, t)
  if has_len(t) then
    error(name .. " at a position cannot be used on a table with a __len metamethod "
      .. "in a configuration script", 3)
  end
  -- Shifting walks an `__index` or `__newindex` for every item, in C.
  if chain(t, "__index") > 0 or chain(t, "__newindex") > 0 then
    error(name .. " at a position cannot be used on a table with __index or __newindex "
      .. "in a configuration script", 3)
  end
  local n = rawlen(t)
  if n > bound then refuse(name, n) end
end
table.insert = function(t, ...)
  if select("#", ...) >= 2 then shifted("table.insert", t) end
  return insert(t, ...)
end
table.remove = function(t, ...)
  if select("#", ...) >= 1 then shifted("table.remove", t) end
  return remove(t, ...)
end
-- Each comparison is a call of Lua code, which the hook sees: compared in
-- C, a sort of long equal strings runs for minutes past every limit.
local function less(a, b) return a < b end
table.sort = function(t, comp)
  if comp == nil then return sort(t, less) end
  -- Anything else that is not a function is sort's own error to give.
  if type(comp) ~= "function" then return sort(t, comp) end
  return sort(t, function(a, b) return comp(a, b) end)
end
"##;

/// Base-library globals that reach the file system, the process or the
/// collector, or that write to the application's output.
pub(super) const REMOVED: &[&str] = &[
    "dofile",
    "loadfile",
    "require",
    "package",
    "collectgarbage",
    "print",
    "warn",
    "debug",
    "io",
];

/// Keeps the harmless clock functions of `os`, and makes `os.getenv` read
/// the builder's environment (so `env_from` applies to scripts too), within
/// the policy: only the variables the application named, if it named
/// some; never a variable that sets a secret field the script may not
/// read; and, unless named, no variable whose name says it holds a
/// credential.
pub(super) fn restrict_os(
    state: &State,
    globals: &Table,
    env: Vars,
    policy: &Policy,
) -> mlua::Result<()> {
    let full: Table = globals.raw_get("os")?;
    let os = state.create_table()?;
    for name in ["time", "clock", "date", "difftime"] {
        os.raw_set(name, full.raw_get::<LuaValue>(name)?)?;
    }
    let allowed = policy.env_allowed.clone();
    let hidden = policy.env_hidden.clone();
    let revealed = policy.env_revealed.clone();
    let getenv = state.create_function(move |_, name: mlua::LuaString| {
        let Ok(name) = name.to_str() else {
            return Ok(None);
        };
        let name: &str = &name;
        let visible = !hidden.iter().any(|h| h == name)
            && (revealed.iter().any(|r| r == name)
                || match &allowed {
                    Some(allowed) => allowed.iter().any(|a| a == name),
                    None => !names_a_credential(name),
                });
        Ok(visible.then(|| env.get(name).map(str::to_owned)).flatten())
    })?;
    os.raw_set("getenv", getenv)?;
    globals.raw_set("os", os)
}

/// Whether a variable's name says it holds a credential, case ignored:
/// it holds one of [`INSIDE`] anywhere (`PGPASSWORD`, `APITOKEN`), one of
/// its words ends with one of [`ENDING`] (`API_KEY`, `SSHPASS`, `OAUTH`,
/// `MYSQL_PWD`), or one of its words is one of [`WORDS`] (`SIM_PIN`).
/// The shell's `PWD` and `OLDPWD` are directories, and are read.
pub(super) fn names_a_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if ["PWD", "OLDPWD"].contains(&upper.as_str()) {
        return false;
    }
    INSIDE.iter().any(|w| upper.contains(w))
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| ENDING.iter().any(|w| word.ends_with(w)) || WORDS.contains(&word))
}

/// Words that say a credential wherever they stand in a name.
const INSIDE: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "CREDENTIAL",
    "PRIVATE",
    "AUTHORIZATION",
    "COOKIE",
    "SIGNATURE",
];

/// Words that say a credential at the end of a word of a name, and could
/// begin an ordinary one (`KEYBOARD`, `PASSENGER`, `AUTHOR`).
const ENDING: &[&str] = &["KEY", "KEYS", "PASS", "AUTH", "PWD", "PW"];

/// Words that say a credential only as a word of their own (`PIN` begins
/// and ends too many others: `PING`, `SPIN`).
const WORDS: &[&str] = &["PIN", "SESSION"];
