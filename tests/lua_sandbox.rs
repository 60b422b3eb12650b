//! The Lua sandbox against hostile scripts: each one must end in a staid
//! error naming the script, promptly, with the host able to load again.
#![cfg(feature = "lua")]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/evil.rs"]
mod evil;
use evil::{roomy, timed, ROOMY, TIME, TIME_OUT};

use staid::source::Lua;
use staid::{Config, Error, ProblemKind};

#[derive(Config, Debug)]
struct App {
    #[config(default = 1)]
    port: u16,
    name: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    list: Option<Vec<i64>>,
}

/// What a load may take past the time limit: the grace the loader gives a
/// script thread, and scheduling on a busy machine.
const SLACK: Duration = Duration::from_millis(1500);

fn load(lua: Lua) -> (Result<App, Error>, Duration) {
    let start = Instant::now();
    let result = App::builder().source(lua).load();
    (result, start.elapsed())
}

/// Runs a script that must fail, and returns the whole error text. A script
/// under [`timed`] must end within its time limit and some slack.
fn hostile(lua: Lua) -> String {
    let (result, took) = load(lua);
    let err = result.expect_err("a hostile script must fail the load");
    assert!(took < ROOMY + SLACK, "took {took:?}");
    assert!(
        err.problems().iter().any(|p| p
            .origin()
            .is_some_and(|o| o.to_string().starts_with("evil.lua"))),
        "no problem names the script: {err}"
    );
    still_works();
    err.to_string()
}

/// Runs a script that must fail within [`TIME`].
fn hostile_timed(text: &str) -> String {
    let start = Instant::now();
    let err = hostile(timed(text));
    assert!(
        start.elapsed() < TIME + SLACK + SLACK,
        "took {:?}",
        start.elapsed()
    );
    err
}

/// The host still loads a good script right after a hostile one.
fn still_works() {
    let (result, took) = load(Lua::text("good.lua", "return { port = 8080 }"));
    assert_eq!(result.unwrap().port, 8080);
    assert!(took < SLACK, "took {took:?}");
}

fn missing_global(name: &str, line: usize) -> String {
    format!("error: attempt to index a nil value (global '{name}')\n  --> evil.lua:{line}")
}

/// The error of calling what the sandbox left out: `what` is `global 'x'`
/// or `field 'x'`.
fn nil_call(what: &str, line: usize) -> String {
    format!("error: attempt to call a nil value ({what})\n  --> evil.lua:{line}")
}

/// Each script must end on the time limit, within [`TIME`].
#[track_caller]
fn all_time_out(scripts: &[&str]) {
    for text in scripts {
        assert_eq!(hostile_timed(text), TIME_OUT, "{text}");
    }
}

/// Loads a good script, which must succeed.
fn good(script: &str) -> App {
    App::builder()
        .source(Lua::text("ok.lua", script))
        .load()
        .unwrap()
}

// Only the safe parts of the standard library.

#[test]
fn io_is_absent() {
    assert_eq!(
        hostile(roomy("local f = io.open('/etc/passwd')")),
        missing_global("io", 1)
    );
}

#[test]
fn os_execute_exit_and_remove_are_absent() {
    for (call, line) in [
        ("os.execute('touch /tmp/staid-pwned')", 2),
        ("os.exit(1)", 2),
        ("os.remove('/tmp/x')", 2),
        ("os.rename('/tmp/x', '/tmp/y')", 2),
        ("os.tmpname()", 2),
    ] {
        let name = call.split('(').next().unwrap().trim_start_matches("os.");
        assert_eq!(
            hostile(roomy(&format!("local x = 1\n{call}"))),
            nil_call(&format!("field '{name}'"), line)
        );
    }
    assert!(!std::path::Path::new("/tmp/staid-pwned").exists());
}

#[test]
fn os_getenv_sees_only_the_builders_environment() {
    let app = App::builder()
        .env_from([("APP_NAME", "from-builder")])
        .source(Lua::text(
            "evil.lua",
            "return { name = tostring(os.getenv('PATH')) .. tostring(os.getenv('HOME')) }",
        ))
        .load()
        .unwrap();
    assert_eq!(app.name.as_deref(), Some("nilnil"));
}

#[test]
fn require_and_package_are_absent() {
    assert_eq!(
        hostile(roomy("local x = 1\nrequire('os')")),
        nil_call("global 'require'", 2)
    );
    assert_eq!(
        hostile(roomy("package.loadlib('libc.so.6', 'system')")),
        missing_global("package", 1)
    );
}

#[test]
fn dofile_and_loadfile_are_absent() {
    for name in ["dofile", "loadfile"] {
        assert_eq!(
            hostile(roomy(&format!("{name}('/etc/passwd')"))),
            nil_call(&format!("global '{name}'"), 1)
        );
    }
}

#[test]
fn debug_is_absent() {
    assert_eq!(
        hostile(roomy("debug.sethook()\nwhile true do end")),
        missing_global("debug", 1)
    );
}

#[test]
fn collectgarbage_and_print_are_absent() {
    for (call, name) in [
        ("collectgarbage('stop')", "collectgarbage"),
        ("print('to the app output')", "print"),
    ] {
        assert_eq!(
            hostile(roomy(call)),
            nil_call(&format!("global '{name}'"), 1)
        );
    }
}

#[test]
fn string_dump_is_absent() {
    for text in [
        "local f = function() end\nstring.dump(f)",
        "local f = function() end\nlocal s = ('').dump(f)",
    ] {
        assert_eq!(hostile(roomy(text)), nil_call("field 'dump'", 2));
    }
}

#[test]
fn load_takes_text_chunks_only() {
    // A binary chunk is refused even when the script asks for mode "b".
    let err = hostile(roomy(
        "local f, e = load('\\27Lua\\84\\0', 'x', 'b')\nassert(f, e)",
    ));
    assert!(
        err.contains("attempt to load a binary chunk (mode is 't')"),
        "{err}"
    );
    assert!(err.ends_with("--> evil.lua:2"), "{err}");
    // Text chunks work, and see the same sandbox.
    let app = good("return { port = load('return 7')(), name = tostring(load('return io')()) }");
    assert_eq!((app.port, app.name.as_deref()), (7, Some("nil")));
}

#[test]
fn a_binary_script_file_is_refused() {
    let dir = Tmp::new();
    // The signature of a Lua 5.4 chunk, as UTF-8 text could hold it.
    let path = dir.write("evil.lua", b"\x1bLua\x54\x00");
    let err = App::builder().file(&path).load().unwrap_err();
    assert_eq!(err.problems()[0].kind(), ProblemKind::Syntax);
    assert!(
        err.to_string()
            .contains("attempt to load a binary chunk (mode is 't')"),
        "{err}"
    );
}

// The limits hold against every way around them.

#[test]
fn an_endless_loop_hits_the_time_limit() {
    assert_eq!(hostile_timed("while true do end"), TIME_OUT);
}

#[test]
fn an_endless_loop_hits_the_instruction_limit() {
    let lua = Lua::text("evil.lua", "local i = 0\nwhile true do i = i + 1 end")
        .instruction_limit(1_000_000)
        .time_limit(Duration::from_secs(30));
    assert_eq!(
        hostile(lua),
        "error: the script exceeded its instruction limit of 1000000\n  --> evil.lua"
    );
}

#[test]
fn a_loop_in_pcall_cannot_catch_the_limit() {
    all_time_out(&[
        "while true do\n  pcall(function() while true do end end)\nend",
        "for i = 1, 3 do pcall(pcall, pcall, function() while true do end end) end\n\
         return { port = 1 }",
    ]);
}

#[test]
fn xpcall_and_its_handler_cannot_catch_the_limit() {
    all_time_out(&[
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "while true do xpcall(error, function() while true do end end) end",
    ]);
}

#[test]
fn coroutines_are_metered_too() {
    all_time_out(&[
        "coroutine.wrap(function() while true do end end)()",
        // `coroutine.resume` returns errors like pcall: it must re-raise a limit.
        "while true do\n  coroutine.resume(coroutine.create(function() while true do end end))\nend",
        // Nested, and yielding between slices of work.
        "local co = coroutine.wrap(function()\n\
           while true do coroutine.wrap(function() for i = 1, 1e5 do end end)() coroutine.yield() end\n\
         end)\n\
         while true do co() end",
    ]);
}

#[test]
fn deep_recursion_ends_in_an_error() {
    let err = hostile(roomy("local function f(n) return 1 + f(n + 1) end\nf(1)"));
    assert!(
        err.contains("stack overflow") || err.contains("memory limit"),
        "{err}"
    );
    // Endless tail calls take no stack: the time limit ends them.
    assert_eq!(
        hostile_timed("local function f() return f() end\nf()"),
        TIME_OUT
    );
    // Recursion through a metamethod goes through C, which Lua bounds.
    let err = hostile(roomy(
        "local t = setmetatable({}, { __index = function(t, k) return t[k] end })\nreturn t.x",
    ));
    assert!(err.contains("stack overflow"), "{err}");
}

#[test]
fn string_rep_bombs_hit_the_memory_limit() {
    let memory = "error: the script exceeded its memory limit of 32 MiB\n  --> evil.lua\n  \
                  = help: raise it with `staid::source::Lua::memory_limit`";
    assert_eq!(hostile(roomy("local s = string.rep('x', 1 << 30)")), memory);
    assert_eq!(hostile(roomy("local s = ('x'):rep(1e8, ',')")), memory);
    assert_eq!(
        hostile(roomy("local s = 'x'\nwhile true do s = s .. s end")),
        memory
    );
    let err = hostile(roomy("local s = string.rep('x', 1 << 62)"));
    assert!(err.contains("resulting string too large"), "{err}");
}

#[test]
fn table_growth_hits_the_memory_limit() {
    let err = hostile(roomy("local t = {}\nfor i = 1, 1e9 do t[i] = { i } end"));
    assert!(
        err.starts_with("error: the script exceeded its memory limit"),
        "{err}"
    );
}

const MEMORY: &str = "error: the script exceeded its memory limit of 32 MiB\n  --> evil.lua\n  \
                      = help: raise it with `staid::source::Lua::memory_limit`";

#[test]
fn a_memory_error_cannot_be_caught() {
    let bomb = "function() local s = 'x' while true do s = s .. s end end";
    for text in [
        format!("local ok, e = pcall({bomb})\nreturn {{ name = tostring(ok) .. ' ' .. tostring(e) }}"),
        "local ok = pcall(string.rep, 'x', 1 << 30)\nreturn { port = ok and 1 or 2 }".to_owned(),
        format!("local ok, e = xpcall(error, {bomb})\nreturn {{ name = tostring(e) }}"),
        format!("local ok, e = coroutine.resume(coroutine.create({bomb}))\nreturn {{ name = tostring(e) }}"),
        format!("local ok, e = pcall(coroutine.wrap({bomb}))\nreturn {{ name = tostring(e) }}"),
        format!("local f = load([[local f = {bomb} f()]])\nlocal ok, e = pcall(f)\nreturn {{ name = tostring(e) }}"),
        // A reader that feeds one endless name to the lexer.
        "local f, e = load(function() return ('x'):rep(1 << 20) end)\n\
         return { name = tostring(e) }"
            .to_owned(),
        // Caught twice over: the outer pcall cannot catch the breach either.
        format!("for i = 1, 3 do pcall(pcall, {bomb}) end\nreturn {{ port = 1 }}"),
    ] {
        assert_eq!(hostile(roomy(&text)), MEMORY, "{text}");
    }
    // After a breach in a validate hook too.
    assert_eq!(
        hostile(roomy(&format!(
            "validate(function() pcall({bomb}) end)\nreturn {{}}"
        ))),
        MEMORY
    );
}

/// Over `wait` after a hostile load, the process spent little CPU: no core
/// is left spinning on what `what` started.
fn no_core_spinning(what: &str, wait: Duration) {
    let before = cpu_time();
    std::thread::sleep(wait);
    let spent = cpu_time() - before;
    assert!(
        spent < Duration::from_millis(300),
        "{what}: {spent:?} of CPU after the load"
    );
}

/// The CPU time this process has used, read from `/proc/self/stat` (in
/// clock ticks of 10 ms, as on every Linux the suite runs on).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // utime and stime, the 14th and 15th fields of the line.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Whether this is the test `name` run alone in a process of its own, so
/// that the CPU time it measures is its own and not that of the tests
/// running beside it; if not, runs it so and waits for it.
fn alone(name: &str) -> bool {
    if std::env::var_os("STAID_TEST_ALONE").is_some() {
        return true;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .env("STAID_TEST_ALONE", "1")
        .status()
        .unwrap();
    assert!(status.success());
    false
}

#[test]
fn library_calls_that_would_loop_past_every_limit_are_refused_up_front() {
    const NAME: &str = "library_calls_that_would_loop_past_every_limit_are_refused_up_front";
    if !alone(NAME) {
        return;
    }
    const STEPS: &str = "steps are more than one library call may take";
    const LEN: &str = "at a position cannot be used on a table with a __len metamethod";
    for (text, name, why) in [
        (
            "local s = string.rep('', 2^62)\nreturn {}",
            "string.rep",
            STEPS,
        ),
        (
            "local s = (''):rep(1 << 62, '')\nreturn {}",
            "string.rep",
            STEPS,
        ),
        (
            "table.move({1}, 1, 2^40, 2)\nreturn {}",
            "table.move",
            STEPS,
        ),
        (
            "local t = setmetatable({}, { __len = function() return 1 << 50 end })\n\
             table.insert(t, 1, 'x')\nreturn {}",
            "table.insert",
            LEN,
        ),
        (
            "local t = setmetatable({}, { __len = function() return 1 << 50 end })\n\
             table.remove(t, 1)\nreturn {}",
            "table.remove",
            LEN,
        ),
        // Lua's parser matches each goto with every label of its function.
        (
            "local p = {} for i = 1, 10000 do p[i] = '::l' .. i .. ':: goto l' .. i end\n\
             load(table.concat(p, '\\n'))\nreturn {}",
            "load:",
            "take 100000000 steps to parse, more than a configuration script may take",
        ),
        (
            "local p = {} for i = 1, 10000 do p[i] = '::l' .. i .. ':: goto l' .. i .. '\\n' end\n\
             local i = 0\n\
             load(function() i = i + 1 return p[i] end)\nreturn {}",
            "load:",
            "take 100000000 steps to parse, more than a configuration script may take",
        ),
        // A `__len` that answers a guard one length and the call another,
        // behind a `__metatable` that hides it from `getmetatable`.
        (
            "local c = 0\n\
             local t = setmetatable({}, { __metatable = false, __len = function()\n\
               c = c + 1 if c == 1 then return 1 end return 1 << 62 end })\n\
             table.insert(t, 1, 'x')\nreturn {}",
            "table.insert",
            LEN,
        ),
    ] {
        // More than enough to see a core spinning, with a limit that the
        // refusal must come well within.
        let (result, took) = load(timed(text));
        let err = result.expect_err(text).to_string();
        assert!(took < TIME, "{text}: took {took:?}");
        assert!(
            err.starts_with(&format!("error: {name} "))
                || err.starts_with(&format!("error: {name}: ")),
            "{text}: {err}"
        );
        assert!(err.contains(why), "{text}: {err}");
        no_core_spinning(text, Duration::from_secs(2));
        still_works();
    }
    // What the guards leave alone still works.
    let app = good(
        "local t = {1, 2, 3}\ntable.insert(t, 1, 0)\ntable.remove(t, 2)\n\
         table.move(t, 1, 3, 2)\nreturn { name = string.rep('ab', 3, '-') .. string.rep('', 10) \
         .. #t, list = t }",
    );
    assert_eq!(app.name.as_deref(), Some("ab-ab-ab4"));
    assert_eq!(app.list, Some(vec![0, 0, 2, 3]));
    // Shifting a table with an `__index` walks it for every item in C.
    let (result, _) = load(timed(
        "local t = setmetatable({1, 2}, { __index = {} })\ntable.insert(t, 1, 0)\nreturn {}",
    ));
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("table.insert at a position cannot be used on a table with __index"),);
    // Lists read through the configuration's read-only views, and a short
    // chain, are read whole.
    let app = App::builder()
        .toml_str("list = [1, 2, 3]\nname = \"x\"")
        .source(timed(
            "local t = setmetatable({}, { __index = setmetatable({}, { __index = config.list }) })\n\
             return { name = table.concat(config.list, ',') .. ';' .. table.concat(t, ',', 1, 3), \
             list = { table.unpack(config.list) } }",
        ))
        .load()
        .unwrap();
    assert_eq!(app.name.as_deref(), Some("1,2,3;1,2,3"));
    assert_eq!(app.list, Some(vec![1, 2, 3]));
}

/// A table whose `__index` or `__newindex` is a chain of tables, walked for
/// every item: `table.concat`, `unpack` and `move` read it item by item in
/// Lua, so each ends on the limits and leaves no core spinning, also when
/// the chain is built as the call goes or a `__len` answers twice.
#[test]
fn library_calls_over_an_index_chain_end_on_the_limits() {
    const NAME: &str = "library_calls_over_an_index_chain_end_on_the_limits";
    if !alone(NAME) {
        return;
    }
    let chain = "local t = {} local cur = t\n\
                 for i = 1, 1990 do local nx = {} setmetatable(cur, { __index = nx, __newindex = nx }) \
                 cur = nx end\n";
    for call in [
        "local n = select('#', table.unpack(t, 1, 500000))",
        "for i = 1, 500000 do rawset(cur, i, '') end local s = table.concat(t, '', 1, 500000)",
        "table.move({}, 1, 2000000, 1, t)",
    ] {
        let text = format!("{chain}{call}\nreturn {{}}");
        let (result, took) = load(timed(&text));
        let err = result.expect_err(&text).to_string();
        assert!(took < TIME + SLACK, "{call}: took {took:?}");
        assert!(
            err.starts_with("error: the script exceeded its"),
            "{call}: {err}"
        );
        no_core_spinning(call, Duration::from_secs(1));
    }
    let text =
        // A chain swapped in by the first lookup.
        "local deep = {} local cur = deep\n\
         for i = 1, 1990 do local nx = {} setmetatable(cur, { __index = nx }) cur = nx end\n\
         for i = 1, 900000 do rawset(cur, i, 1) end\n\
         local mt = {} local t = setmetatable({}, mt)\n\
         mt.__index = function(self, k) mt.__index = deep return deep[k] end\n\
         local n = select('#', table.unpack(t, 1, 900000))\nreturn {}";
    let (result, took) = load(timed(text));
    assert!(took < TIME + SLACK, "{text}: took {took:?}");
    assert!(result.is_err(), "{text}");
    no_core_spinning(text, Duration::from_secs(1));
    // A `__len` that answers 0, then 900000: read once, so the call copies
    // what the first answer said, nothing. Read twice, the copy would walk
    // the chain for 900000 items and end on the instruction limit.
    let text = "local deep = {} local cur = deep\n\
         for i = 1, 1990 do local nx = {} setmetatable(cur, { __index = nx }) cur = nx end\n\
         for i = 1, 900000 do rawset(cur, i, 'x') end\n\
         local c = 0\n\
         local t = setmetatable({}, { __index = deep, __len = function() c = c + 1 \
         if c == 1 then return 0 end return 900000 end })\n\
         local s = table.concat(t)\n\
         if c ~= 1 or s ~= '' then error('the length was read ' .. c .. ' times') end\n\
         return {}";
    let (result, _) = load(roomy(text));
    assert!(result.is_ok(), "{result:?}");
    no_core_spinning(text, Duration::from_secs(1));
    still_works();
}

/// Library calls whose work grows faster than their input, with nothing
/// allocated to stop them: each ends on the time limit, and leaves no core
/// spinning after the load.
#[test]
fn searches_and_sorts_that_would_run_for_minutes_end_on_the_limit() {
    const NAME: &str = "searches_and_sorts_that_would_run_for_minutes_end_on_the_limit";
    if !alone(NAME) {
        return;
    }
    let long = "local h = string.rep('a', 4 << 20)\nlocal n = string.rep('a', 2 << 20) .. 'b'\n";
    for text in [
        // A search for a long needle: plain, or a pattern without specials.
        format!("{long}string.find(h, n, 1, true)"),
        format!("{long}string.find(h, n)"),
        // Through the matcher.
        format!("{long}string.match(h, n .. '.?')"),
        format!("{long}string.gsub(h, n, '')"),
        format!("{long}for m in h:gmatch(n) do end"),
        // Short patterns that backtrack.
        "string.find(string.rep('a', 1 << 20), '.-b')".to_owned(),
        "string.find(string.rep('a', 200), string.rep('a*', 12) .. 'b')".to_owned(),
        "string.find(string.rep('(', 1 << 20), '%b()')".to_owned(),
        // Comparisons of long equal strings, and a comparator in C.
        "local s = string.rep('x', 4 << 20) local t = {} for i = 1, 200000 do t[i] = s end\n\
         table.sort(t)"
            .to_owned(),
        "local t = {} for i = 1, 1000000 do t[i] = -i end\n\
         for i = 1, 100 do table.sort(t, rawequal) end"
            .to_owned(),
    ] {
        assert_eq!(hostile_timed(&text), TIME_OUT, "{text}");
        no_core_spinning(&text, Duration::from_secs(1));
    }
    // Searches and sorts that end are as Lua's.
    let app = good(
        "local t = { 'b', 'c', 'a' } table.sort(t)\n\
         local n = { 3, 1, 2 } table.sort(n, function(a, b) return a > b end)\n\
         local s = ('key = value'):gsub('(%w+) = (%w+)', '%2=%1')\n\
         return { name = table.concat(t) .. table.concat(n) .. s .. ('hello'):find('l') }",
    );
    assert_eq!(app.name.as_deref(), Some("abc321value=key3"));
    let (err, _) = load(Lua::text("t.lua", "local t = { 1, 'x' }\ntable.sort(t)"));
    assert_eq!(
        err.unwrap_err().to_string(),
        "error: attempt to compare string with number\n  --> t.lua:2"
    );
}

/// A time limit shorter than setting up the sandbox (a short limit on a
/// busy machine) is broken like any other, not a failure to set it up.
#[test]
fn a_time_limit_broken_while_the_sandbox_is_set_up_is_the_time_limit() {
    let err =
        hostile(Lua::text("evil.lua", "return { port = 2 }").time_limit(Duration::from_nanos(1)));
    assert_eq!(
        err,
        "error: the script exceeded its time limit of 1ns\n  --> evil.lua"
    );
}

/// A last library call that runs past the time limit, with no instruction
/// after it for the hook to see the clock: the run still broke the limit.
#[test]
fn a_script_past_its_time_limit_in_its_last_call_fails() {
    let slow = "for i = 1, 40 do string.rep('ab', 1 << 20) end";
    for text in [
        format!("{slow}\nreturn {{ port = 2 }}"),
        format!("validate(function() {slow} end)\nreturn {{ port = 2 }}"),
    ] {
        let limit = Duration::from_millis(5);
        let (result, took) = load(Lua::text("evil.lua", text.clone()).time_limit(limit));
        assert!(
            took > limit,
            "{text}: the test needs a slower call, took {took:?}"
        );
        assert_eq!(
            result.expect_err(&text).to_string(),
            "error: the script exceeded its time limit of 5ms\n  --> evil.lua"
        );
    }
    still_works();
    // A script text that would keep the parser going is refused before it.
    let gotos: String = (0..5000).map(|i| format!("::l{i}:: goto l{i}\n")).collect();
    let (result, took) = load(timed(&gotos));
    assert!(took < TIME, "took {took:?}");
    assert_eq!(
        result.unwrap_err().to_string(),
        "error: the script cannot be parsed: its 5000 labels and 5000 gotos take 25000000 \
         steps to parse, more than a configuration script may take (at most 2097152)\n  --> \
         evil.lua"
    );
    // A `break` is a goto to its loop's end; and labels alone are checked
    // against each other.
    let breaks = format!(
        "local x = false\nwhile true do\n{}{}end\nreturn {{}}",
        "if x then break end\n".repeat(20_000),
        (0..8000)
            .map(|i| format!("::b{i}:: x = 1\n"))
            .collect::<String>(),
    );
    let labels: String = (0..30_000).map(|i| format!("::l{i}::\n")).collect();
    for (text, why) in [
        (
            breaks,
            "its 8000 labels and 20000 breaks take 160000000 steps",
        ),
        (labels, "its 30000 labels take 900000000 steps"),
    ] {
        let (result, took) = load(timed(&text));
        assert!(took < TIME, "took {took:?}");
        let err = result.unwrap_err().to_string();
        assert!(err.contains(why), "{err}");
    }
    // Loops with a break and a `continue` label each, a thousand of them,
    // and the word in other words (`breakfast`), load.
    let loops = "for i = 1, 2 do if i == 2 then break end if i then goto continue end \
                 ::continue:: end -- breakfast\n"
        .repeat(1100)
        + "return {}";
    let (result, _) = load(timed(&loops));
    assert!(result.is_ok(), "{result:?}");
    still_works();
}

/// Lua's parser takes the square of a chain of `and`, `or` or `elseif`:
/// a long one is refused before it is parsed, in the script's text and in
/// `load`; a script with many short chains loads.
#[test]
fn a_long_chain_of_and_or_elseif_is_refused_before_it_is_parsed() {
    let chain = format!(
        "local a = 1\nlocal b = {}a\nreturn {{}}",
        "a and ".repeat(30_000)
    );
    let (result, took) = load(timed(&chain));
    assert!(took < TIME, "took {took:?}");
    assert_eq!(
        result.unwrap_err().to_string(),
        "error: the script cannot be parsed: a chain of 30000 `and`, `or` or `elseif` takes up \
         to 900000000 steps to parse, more than a configuration script may take (at most \
         134217728)\n  --> evil.lua"
    );
    // Across lines, with the operator where a line ends.
    let lines = format!(
        "local a = 1\nlocal b = {}a\nreturn {{}}",
        "a or\n".repeat(30_000)
    );
    let (result, _) = load(timed(&lines));
    assert!(result.unwrap_err().to_string().contains("a chain of 30000"));
    let loaded = "local f = load('return ' .. string.rep('1 or ', 300000) .. '1')\n\
                  return { port = f and f() or 0 }";
    let err = hostile_timed(loaded);
    assert!(err.contains("takes up to 90000000000 steps"), "{err}");
    // Many short chains, and chains of words in a comment, are cheap.
    let short: String = (0..12000)
        .map(|i| format!("x{i} = h == nil and {i} or h -- this or that and so on\n"))
        .collect();
    let (result, _) = load(timed(&format!("{short}return {{ port = 2 }}")));
    assert_eq!(result.unwrap().port, 2);
}

/// Lua's parser compares each name with the locals and upvalues of every
/// function around it, in C: nested functions full of locals, and a name
/// written many times inside them, are refused before they are parsed, in
/// the script's text and in `load`. A text of 1.5 MB kept the parser busy
/// for 15 s of CPU, past the time limit.
#[test]
fn names_among_many_nested_locals_are_refused_before_they_are_parsed() {
    let nest = |names: &str, body: &str| {
        let mut text = String::new();
        for depth in 0..163 {
            let locals: Vec<String> = (0..199).map(|i| format!("v{depth}_{i}")).collect();
            text.push_str(&format!("local {}\nlocal function f()\n", locals.join(",")));
        }
        text.push_str(&format!("local t = {{{names}}}\n{body}"));
        text + &"end\n".repeat(163) + "return { port = 2 }\n"
    };
    let uses: Vec<String> = (0..199).map(|i| format!("v0_{i}")).collect();
    let bomb = nest(&uses.join(","), &format!("x{{{}}}\n", "x,".repeat(400_000)));
    let (result, took) = load(timed(&bomb));
    assert!(took < TIME, "took {took:?}");
    let err = result.unwrap_err().to_string();
    assert!(
        err.starts_with("error: the script cannot be parsed: looking up its 400"),
        "{err}"
    );
    // The same chunk made by the script and given to `load`.
    let made = r#"
local parts = {}
for d = 0, 162 do
  local names = {}
  for i = 0, 198 do names[#names + 1] = "v" .. d .. "_" .. i end
  parts[#parts + 1] = "local " .. table.concat(names, ",") .. "\nlocal function f()\n"
end
parts[#parts + 1] = "x{" .. string.rep("x,", 700000) .. "}\n" .. string.rep("end\n", 163)
local f, e = load(table.concat(parts))
error(e)
"#;
    let err = hostile_timed(made);
    assert!(
        err.contains("load: the chunk cannot be parsed: looking up its 700"),
        "{err}"
    );
    still_works();
    // As deep, with a few names inside: loads.
    let (result, _) = load(timed(&nest(&uses.join(","), "local y = t[1]\n")));
    assert_eq!(result.unwrap().port, 2);
}

/// No heap address reaches a script: `tostring` and `string.format` give a
/// table, function or coroutine by its type's name (so no message can show
/// an address however the script cuts it), `%p` is refused, and a table's
/// own `__tostring` is what it says.
#[test]
fn a_script_sees_no_heap_address() {
    let app = good(
        "local co = coroutine.create(function() end)\n\
         local me = setmetatable({}, { __tostring = function() return 'me' end })\n\
         local named = setmetatable({}, { __name = 'Thing' })\n\
         return { name = table.concat({ tostring({}), tostring(print or tostring), \
         tostring(co), string.format('%s/%s', {}, me), ('%s'):format(named), \
         tostring(me), tostring(1.5), tostring(nil) }, '|') }",
    );
    assert_eq!(
        app.name.as_deref(),
        Some("table|function|thread|table/me|table|me|1.5|nil")
    );
    for script in [
        "error('at ' .. tostring({}):sub(8))",
        "error(tostring({}):reverse())",
    ] {
        let err = hostile(Lua::text("evil.lua", script));
        assert!(!err.contains("0x"), "{script}: {err}");
    }
    for script in [
        "error(string.format('%p', {}))",
        // The guard does not go through what the script can replace.
        "string.find = function() return nil end\nerror(string.format('%-10p', {}))",
    ] {
        let err = hostile(Lua::text("evil.lua", script));
        assert!(
            err.starts_with("error: string.format: %p is not available in a configuration script"),
            "{script}: {err}"
        );
    }
    // Formats without `%p` or a table are Lua's own.
    let app = good(
        "local ok, e = pcall(tostring, setmetatable({}, { __tostring = function() error('boom', 0) end }))\n\
         return { name = string.format('%d%% lost, %5.1f%%p, %q, %s', 5, 2.5, 'a', e) }",
    );
    assert_eq!(app.name.as_deref(), Some("5% lost,   2.5%p, \"a\", boom"));
}

#[test]
fn an_error_object_whose_tostring_loops_is_stopped() {
    all_time_out(&[
        "error(setmetatable({}, { __tostring = function() while true do end end }))",
        "validate(function() error(setmetatable({}, { __tostring = function() while true do end end })) end)",
    ]);
}

#[test]
fn the_string_metatable_is_out_of_reach() {
    assert_eq!(
        hostile(roomy("getmetatable('').__index = function() return 1 end")),
        "error: attempt to index a boolean value\n  --> evil.lua:1"
    );
    // Replacing a library function only changes the script's own state: the
    // loop in it is metered like any other.
    assert_eq!(
        hostile_timed(
            "string.len = function() while true do end end\nreturn { name = ('x'):len() }"
        ),
        TIME_OUT
    );
}

#[test]
fn finalizers_are_refused_and_close_handlers_are_metered() {
    assert_eq!(
        hostile(roomy(
            "setmetatable({}, { __gc = function() while true do end end })"
        )),
        "error: __gc metamethods are not allowed in a configuration script\n  --> evil.lua:1"
    );
    assert_eq!(
        hostile_timed(
            "do\n  local x <close> = setmetatable({}, { __close = function() while true do end end })\nend"
        ),
        TIME_OUT
    );
}

#[test]
fn callbacks_from_library_functions_are_metered() {
    all_time_out(&[
        "string.gsub('abc', '%w', function() while true do end end)",
        "table.sort({3, 2, 1}, function() while true do end end)",
        "load(function() while true do end end)",
    ]);
}

#[test]
fn a_pathological_pattern_ends_on_the_time_limit() {
    // The matcher counts its steps as instructions.
    all_time_out(&[
        "return { name = tostring(string.find(('a'):rep(30), ('a?'):rep(30) .. ('a'):rep(30))) }",
    ]);
}

#[test]
fn a_call_that_cannot_be_interrupted_returns_within_the_time_limit() {
    // The parser cannot be interrupted: the load abandons the script's
    // thread at the deadline and stays responsive. A comment of 256 MiB of
    // newlines takes the parser seconds, also where Lua is built optimised.
    let text: std::sync::Arc<str> =
        std::sync::Arc::from(format!("--[[{}]]\nreturn {{}}", "\n".repeat(256 << 20)));
    let start = Instant::now();
    let err = hostile(Lua::text("evil.lua", text).time_limit(Duration::from_millis(10)));
    assert!(start.elapsed() < SLACK, "took {:?}", start.elapsed());
    // Which message depends on whether the thread looked at the clock once
    // past the deadline before the parser started (staid scans the text
    // first): either way the load returned long before the parser did.
    assert!(
        err == "error: the script exceeded its time limit of 10ms inside a library call that \
                cannot be interrupted (such as Lua's parser reading a long script)\n  --> evil.lua"
            || err == "error: the script exceeded its time limit of 10ms\n  --> evil.lua",
        "{err}"
    );
}

#[test]
fn a_validate_hook_is_limited_like_the_script() {
    assert_eq!(
        hostile_timed("validate(function(cfg) while true do end end)"),
        TIME_OUT
    );
    let err = hostile(roomy(
        "validate(function(cfg) local t = {} for i = 1, 1e9 do t[i] = i end end)",
    ));
    assert!(
        err.starts_with("error: the script exceeded its memory limit"),
        "{err}"
    );
}

#[test]
fn the_configuration_cannot_be_changed_behind_the_loaders_back() {
    let app = App::builder()
        .toml_str("port = 5")
        .source(Lua::text(
            "evil.lua",
            "assert(not pcall(rawset, config, 'port', 6))\n\
             assert(getmetatable(config) == 'read-only')\n\
             assert(not pcall(setmetatable, config, nil))\n\
             validate(function(cfg) assert(cfg.port == 5, 'hook saw ' .. tostring(cfg.port)) end)\n\
             return { labels = { a = 'b' }, list = { 1, 2 } }",
        ))
        .load()
        .unwrap();
    assert_eq!(app.port, 5);
    assert_eq!(app.labels.unwrap()["a"], "b");
    assert_eq!(app.list, Some(vec![1, 2]));
}

#[test]
fn huge_and_self_referencing_results_are_refused() {
    assert_eq!(
        hostile(roomy(
            "local t = {}\nfor i = 1, 200000 do t[i] = i end\nreturn { list = t }"
        )),
        "error: the script returned more than 100000 values\n  --> evil.lua"
    );
    let err = hostile(roomy("local t = {}\nt.t = t\nreturn { labels = t }"));
    assert!(
        err.contains("tables are nested deeper than 128 levels (does a table contain itself?)"),
        "{err}"
    );
}

#[test]
fn a_format_bomb_is_an_error() {
    let err = hostile(roomy("return { name = string.format('%099999d', 1) }"));
    assert!(err.contains("invalid conversion"), "{err}");
}

#[test]
fn the_host_keeps_working_after_many_hostile_scripts() {
    for _ in 0..3 {
        assert_eq!(hostile_timed("while true do end"), TIME_OUT);
        let err = hostile(roomy("local s = string.rep('x', 1 << 30)"));
        assert!(err.contains("memory limit"), "{err}");
    }
}

#[test]
fn coroutines_still_work_as_lua_defines_them() {
    // A generator through the rebuilt `coroutine.wrap`, and `<close>` run
    // when a coroutine ends normally.
    let app = good(
        "local n, closed = 0, false\n\
         for v in coroutine.wrap(function() for i = 1, 4 do coroutine.yield(i) end end) do\n\
           n = n + v\n\
         end\n\
         coroutine.wrap(function()\n\
           local x <close> = setmetatable({}, { __close = function() closed = true end })\n\
         end)()\n\
         return { port = n, name = tostring(closed) }",
    );
    assert_eq!((app.port, app.name.as_deref()), (10, Some("true")));
    // An error inside a wrapped coroutine keeps its line.
    assert_eq!(
        hostile(roomy(
            "local f = coroutine.wrap(function()\n  error('boom')\nend)\nf()"
        )),
        "error: boom\n  --> evil.lua:2"
    );
}

/// Sections whose elements hold secrets.
#[derive(Config, Debug)]
#[allow(dead_code)]
struct Vaulted {
    #[config(nested)]
    routes: Vec<Keyed>,
    #[config(nested)]
    upstreams: BTreeMap<String, Keyed>,
    #[config(nested)]
    store: Option<Locked>,
    #[config(default = "")]
    out: String,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Keyed {
    #[config(default = "/")]
    path: String,
    #[config(secret)]
    key: Option<String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
enum Locked {
    Memory,
    Disk(LockedDisk),
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct LockedDisk {
    #[config(default = "/d")]
    dir: String,
    #[config(secret)]
    passphrase: Option<String>,
}

const VAULTED: &str = "[[routes]]\nkey = \"SECRET-ROUTE\"\n[upstreams.x]\nkey = \"SECRET-UP\"\n\
                       [store]\nkind = \"disk\"\npassphrase = \"SECRET-DISK\"\n";

/// A script sees no secret inside a list, a map or an enum section, and
/// what it would copy out of one is refused without showing it.
#[test]
fn a_script_sees_no_secret_inside_lists_maps_or_variants() {
    let read = "local s = ''\n\
                for _, r in ipairs(config.routes) do s = s .. tostring(r.key) .. ';' end\n\
                for n, r in pairs(config.upstreams) do s = s .. n .. '=' .. tostring(r.key) .. ';' end\n\
                s = s .. tostring(config.store.passphrase) .. ',' .. config.store.kind\n\
                return { out = s }";
    let app = Vaulted::builder()
        .toml_str(VAULTED)
        .source(Lua::text("peek.lua", read))
        .load()
        .unwrap();
    assert_eq!(app.out, "nil;x=nil;nil,disk");
    assert_eq!(app.routes[0].key.as_deref(), Some("SECRET-ROUTE"));
    // Nor does `pairs` over an element list what it hides.
    let keys = "local s = ''\nfor k in pairs(config.upstreams.x) do s = s .. k .. ';' end\n\
                for k in pairs(config.store) do s = s .. k .. ';' end\nreturn { out = s }";
    let app = Vaulted::builder()
        .toml_str(VAULTED)
        .source(Lua::text("keys.lua", keys))
        .load()
        .unwrap();
    assert!(
        !app.out.contains("key;") && !app.out.contains("passphrase"),
        "{}",
        app.out
    );
}

/// Two variants with a field of one key, secret in one only: the script
/// sees the key of the variant chosen, and only if it is not secret there.
#[test]
fn a_variants_secret_is_hidden_though_another_variant_shares_its_key() {
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Authed {
        #[config(nested)]
        auth: Auth,
        #[config(default = "")]
        out: String,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    enum Auth {
        Plain(PlainAuth),
        Vault(VaultAuth),
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct PlainAuth {
        key: String,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct VaultAuth {
        #[config(secret)]
        key: String,
    }
    let peek = || Lua::text("peek.lua", "return { out = tostring(config.auth.key) }");
    let app = Authed::builder()
        .toml_str("[auth]\nkind = \"vault\"\nkey = \"SECRET-V\"\n")
        .source(peek())
        .load()
        .unwrap();
    assert_eq!(app.out, "nil");
    let app = Authed::builder()
        .toml_str("[auth]\nkind = \"plain\"\nkey = \"public\"\n")
        .source(peek())
        .load()
        .unwrap();
    assert_eq!(app.out, "public");
}
