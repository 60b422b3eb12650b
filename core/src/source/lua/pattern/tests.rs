//! The port against Lua's own matcher, and its meter.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::{Lua as State, MultiValue, Table, Value as LuaValue};

use super::super::meter::{Meter, Noticed};
use super::install;

fn meter() -> Rc<Meter> {
    Rc::new(Meter {
        used: Cell::new(0),
        limit: u64::MAX,
        deadline: Cell::new(Instant::now() + Duration::from_secs(3600)),
        breach: Cell::new(None),
        disarm: OnceCell::new(),
        disarming: Cell::new(false),
        noticed: Noticed::default(),
        held: Cell::new(0),
    })
}

/// A result or an error, as text to compare.
fn shown(result: mlua::Result<MultiValue>) -> String {
    match result {
        Ok(values) => values
            .iter()
            .map(|v| match v {
                LuaValue::String(s) => format!("{:?}", String::from_utf8_lossy(&s.as_bytes())),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Err(e) => {
            let mut e = &e;
            while let mlua::Error::CallbackError { cause, .. } = e {
                e = cause;
            }
            let text = e.to_string();
            let text = text.split("\nstack traceback").next().unwrap_or("");
            format!("error: {}", text.trim_start_matches("runtime error: "))
        }
    }
}

/// A small deterministic generator (xorshift).
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len())]
    }
}

const SUBJECT: &[&str] = &[
    "a", "a", "a", "b", "b", "(", ")", " ", "1", "x", "%", ".", "\0", "é", "-",
];
/// Items of patterns, the common ones more often so that many match.
const ATOMS: &[&str] = &[
    "a", "a", "b", ".", ".", "a*", "b+", ".-", "(.-)", "(a+)", "(%a*)", "%w+", "[ab]*", "()",
    "(a)%1", "%s*", "%d?", "%a", "%d", "%s", "%w", "%p", "%S", "%z", "[ab]", "[^a]", "[a-c]",
    "[%a_]", "[]a]", "[^]", "(", ")", "%1", "%2", "%0", "%b()", "%bxx", "%f[%w]", "%f[%W]", "*",
    "+", "-", "?", "^", "$", "%", "[", "]", "%%", "%.", "x", "\0", "é",
];

/// Calls the C function and the port on the same arguments.
fn both(lua: &State, name: &str, mine: &Table, args: &[LuaValue]) -> (String, String) {
    let c: Table = lua.globals().get("string").unwrap();
    let call = |t: &Table| {
        let f: mlua::Function = t.get(name).unwrap();
        f.call::<MultiValue>(MultiValue::from_vec(args.to_vec()))
    };
    (shown(call(&c)), shown(call(mine)))
}

/// Every value of a `gmatch` iterator, at most 20.
fn iterate(f: mlua::Result<MultiValue>) -> mlua::Result<MultiValue> {
    let LuaValue::Function(next) = f?.pop_front().unwrap() else {
        panic!("gmatch returns a function");
    };
    let mut all = MultiValue::new();
    for _ in 0..20 {
        let got = next.call::<MultiValue>(())?;
        if got.is_empty() {
            break;
        }
        all.extend(got);
        all.push_back(LuaValue::Boolean(true));
    }
    Ok(all)
}

#[test]
fn matches_as_lua_does() {
    let lua = State::new();
    let mine = lua.create_table().unwrap();
    install(&lua, &mine, &meter(), 1 << 30).unwrap();
    let repls: Vec<LuaValue> = vec![
        LuaValue::String(lua.create_string("<%0|%1>").unwrap()),
        LuaValue::String(lua.create_string("%%-%2").unwrap()),
        LuaValue::String(lua.create_string("x%").unwrap()),
        LuaValue::Integer(7),
        lua.load("return { a = 'A', b = false, ['('] = {} }").eval().unwrap(),
        lua.load("return function(a, b) if a == 'b' then return nil end return tostring(a) .. '!' .. tostring(b) end")
            .eval()
            .unwrap(),
    ];
    let mut gen = Gen(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    let mut kinds = [0; 3];
    for _ in 0..30_000 {
        let subject: String = (0..gen.below(14)).map(|_| gen.pick(SUBJECT)).collect();
        let pattern: String = (0..1 + gen.below(4)).map(|_| gen.pick(ATOMS)).collect();
        let s = LuaValue::String(lua.create_string(&subject).unwrap());
        let p = LuaValue::String(lua.create_string(&pattern).unwrap());
        let init = match gen.below(4) {
            0 => LuaValue::Nil,
            _ => LuaValue::Integer(gen.below(16) as i64 - 5),
        };
        let plain = LuaValue::Boolean(gen.below(3) == 0);
        let repl = repls[gen.below(repls.len())].clone();
        let max = match gen.below(3) {
            0 => LuaValue::Nil,
            _ => LuaValue::Integer(gen.below(4) as i64 - 1),
        };
        for (name, args) in [
            ("find", vec![s.clone(), p.clone(), init.clone(), plain]),
            ("match", vec![s.clone(), p.clone(), init.clone()]),
            ("gsub", vec![s.clone(), p.clone(), repl, max]),
        ] {
            let (c, ours) = both(&lua, name, &mine, &args);
            kinds[match c.as_str() {
                _ if name == "gsub" => 0,
                "Nil" => 0,
                c if c.starts_with("error") => 1,
                _ => 2,
            }] += 1;
            assert_eq!(
                ours,
                c,
                "string.{name}({subject:?}, {pattern:?}, {:?})",
                &args[2..]
            );
            compared += 1;
        }
        let c: Table = lua.globals().get("string").unwrap();
        let gmatch = |t: &Table| {
            let f: mlua::Function = t.get("gmatch").unwrap();
            iterate(f.call::<MultiValue>((s.clone(), p.clone(), init.clone())))
        };
        assert_eq!(
            shown(gmatch(&mine)),
            shown(gmatch(&c)),
            "string.gmatch({subject:?}, {pattern:?}, {init:?})"
        );
    }
    assert_eq!(compared, 90_000);
    // Many searches found something, and errors were compared too.
    assert!(kinds[2] > 8_000 && kinds[1] > 5_000, "{kinds:?}");
}

#[test]
fn a_long_match_is_charged_to_the_meter() {
    let lua = State::new();
    let string = lua.create_table().unwrap();
    let meter = meter();
    install(&lua, &string, &meter, 1 << 30).unwrap();
    let find: mlua::Function = string.get("find").unwrap();
    let subject = "a".repeat(4096);
    find.call::<MultiValue>((subject.as_str(), ".-b")).unwrap();
    // Some 8 million steps, charged by the thousand.
    assert!(meter.used.get() > 8_000_000, "{}", meter.used.get());
    meter.deadline.set(Instant::now());
    let err = find
        .call::<MultiValue>((subject.as_str(), ".-b"))
        .unwrap_err();
    assert!(err.to_string().contains("staid: limit: Time"), "{err}");
}
