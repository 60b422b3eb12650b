//! TOML semantics, and the tree checked value for value, origin for origin,
//! against the one built from `toml`'s own document parser.

use std::path::Path;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::parse;
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::snippet::Lines;
use crate::value::{Kind, Table, Value};

fn file() -> Arc<Path> {
    Arc::from(Path::new("t.toml"))
}

fn load(text: &str) -> Result<Value, Vec<Problem>> {
    let (value, problems) = parse(text, &file(), &Lines::new(text));
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => Err(problems),
    }
}

fn messages(text: &str) -> Vec<String> {
    match load(text) {
        Ok(value) => panic!("{text:?} was read: {value:?}"),
        Err(problems) => problems.iter().map(|p| p.message().to_owned()).collect(),
    }
}

fn at(value: &Value, path: &str) -> (Kind, String) {
    let node = value.get(path).unwrap_or_else(|| panic!("no {path}"));
    (node.kind.clone(), node.origin.to_string())
}

fn int(i: i128) -> Kind {
    Kind::Integer(i)
}

/// The tree as `toml`'s document parser gives it, converted the way staid
/// did before it read the parser's events itself.
fn reference(text: &str) -> Option<Value> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return None;
    }
    let lines = Lines::new(text);
    let origin = |offset: usize| {
        let (line, column) = lines.position(offset);
        Origin::File {
            path: file(),
            line,
            column,
        }
    };
    fn table(t: &DeTable<'_>, origin: &dyn Fn(usize) -> Origin) -> Table {
        t.iter()
            .map(|(k, v)| (k.get_ref().to_string(), value(v, origin)))
            .collect()
    }
    fn value(v: &Spanned<DeValue<'_>>, origin: &dyn Fn(usize) -> Origin) -> Value {
        let kind = match v.get_ref() {
            DeValue::String(s) => Kind::String(s.to_string()),
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Kind::Integer(n),
                Err(_) => Kind::String(i.as_str().to_owned()),
            },
            DeValue::Float(x) => Kind::Float(x.as_str().parse().unwrap_or(f64::NAN)),
            DeValue::Boolean(b) => Kind::Bool(*b),
            DeValue::Datetime(d) => Kind::Datetime(d.to_string()),
            DeValue::Array(items) => Kind::Array(items.iter().map(|i| value(i, origin)).collect()),
            DeValue::Table(t) => Kind::Table(table(t, origin)),
        };
        Value::new(kind, origin(v.span().start))
    }
    Some(Value::new(
        Kind::Table(table(doc.get_ref(), &origin)),
        origin(0),
    ))
}

/// Both read it to the same tree (compared through `Debug`, where NaN
/// equals NaN and -0.0 differs from 0.0), or both refuse it.
#[track_caller]
fn same_as_toml(text: &str) {
    let mine = load(text).ok();
    let theirs = reference(text);
    match (&mine, &theirs) {
        (Some(a), Some(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}"),
        (None, None) => {}
        _ => panic!(
            "{text:?}: staid read it: {}, toml: {}",
            mine.is_some(),
            theirs.is_some()
        ),
    }
}

/// The text of the large load benchmark.
#[path = "../../../../benches/workloads/large.rs"]
mod large;
use large::large_text;

const VALID: &[&str] = &[
    "",
    "\u{feff}a = 1\n",
    "# only a comment",
    "a = 1\nb.c = 2\nb.d.e = 'x'\n[f]\ng = true\n",
    "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n",
    "[a.b.c]\n[a]\nb.d = 1\n",
    "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
    "[[a]]\nx = 1\n[a.b]\ny = 2\n[[a]]\nx = 3\n[[a.c]]\nz = 4\n[[a.c]]\n",
    "[[p.a]]\n[p.a.b.c]\n[p]\na.b.z = 1\n",
    "[[a]]\n[[a.b]]\n[a.b.c]\nd = 1\n[[a]]\n[[a.b]]\n",
    "a = { b = 1, c.d = 2, c.e = [1, { f = 3 }] }\nx = [[1, 2], [], ['a']]\n",
    "a = [\n  1, # one\n  2,\n]\nb = {\n  c = 1, # TOML 1.1\n  d = 2,\n}\n",
    "\"quoted key\" = 1\n'lit.eral' = 2\n\"é\\u00e9\" = 3\na.\"b.c\".d = 4\n1234 = 5\n",
    "a = \"tab\\tnewline\\n\\\"quote\\\" \\u00e9 \\U0001F600\"\nb = 'C:\\path'\n",
    "a = \"\"\"\nline one\nline two \\\n   joined\"\"\"\nb = 1\nc = '''\nraw \\n\n'''\nd = 2\n",
    "a = 1\r\nb = \"x\"\r\n[c]\r\nd = [\r\n 1,\r\n 2]\r\n",
    "name = \"ééé\"\nport = 1\nnested = { k = \"ü\", n = 2 }\n",
    "a = 0xDEAD_beef\nb = 0o755\nc = 0b1101\nd = +17\ne = -17\nf = 1_000\ng = 0\nh = -0\n",
    "a = 9223372036854775807\nb = -9223372036854775808\nc = 9223372036854775808\n",
    "a = 1.5\nb = -0.0\nc = 5e+22\nd = 1e06\ne = -2E-2\nf = 6.626e-34\ng = 9_224_617.445_991\nh = 1e-400\n",
    "a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan\n",
    "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00-07:00\nc = 1979-05-27t07:32:00.999999z\n\
     d = 1979-05-27T07:32:00\ne = 1979-05-27\nf = 07:32:00\ng = 00:32:00.5\n",
    "a = true\nb = false\nc = []\nd = {}\n",
    "a = 1 # comment\n  b = 2\t# tab\n[ c . d ]\ne = 3\n[[ f ]]\n",
];

const INVALID: &[&str] = &[
    "a = 1\na = 2\n",
    "[a]\n[a]\n",
    "a.b = 1\n[a]\n",
    "[a.b]\n[a]\nb.c = 1\n",
    "a = {}\n[a]\n",
    "a = { b = 1 }\na.c = 2\n",
    "a = { b = 1 }\n[a.c]\n",
    "a = [1]\n[[a]]\n",
    "a = [1]\n[a.b]\n",
    "[[a]]\n[a]\n",
    "[a]\n[[a]]\n",
    "a = 1\na.b = 2\n",
    "a = 1\n[a.b]\n",
    "x = { a = { b = 1 }, a.c = 2 }\n",
    "x = { a.b = 1, a = 2 }\n",
    "x = { a = 1, a = 2 }\n",
    "x = { a = [1], a.b = 2 }\n",
    "[[p.a]]\n[p]\na.z = 1\n",
    "a = \n",
    "a = 'x\n",
    "[a\nb = 1\n",
    "a = 1 2\n",
    "a = 0xg\n",
    "a = 1979-13-40\n",
    "a = 07\n",
    "a = 1__0\n",
    "\"a\\q\" = 1\n",
    "a = 1 # \u{7}\n",
    "a = 1\rb = 2\n",
    "a = nan2\n",
    "a = +0x1\n",
    "[a.]\n",
    "a..b = 1\n",
    "= 1\n",
    "a = [1,,2]\n",
    "a = \"\"\"x\n",
    "a = 1\n]\n",
    "a = { b = 1\nc = 2\n",
    "a = [1, 2\n[b]\n",
];

#[test]
fn valid_documents_read_as_toml_reads_them() {
    for text in VALID {
        assert!(load(text).is_ok(), "{text:?}: {:?}", load(text).err());
        same_as_toml(text);
    }
    same_as_toml(include_str!("../../../../fixtures/bench/typical.toml"));
    same_as_toml(&large_text());
}

#[test]
fn invalid_documents_are_refused_as_toml_refuses_them() {
    for text in INVALID {
        assert!(load(text).is_err(), "{text:?} was read");
        same_as_toml(text);
    }
}

#[test]
fn dotted_keys_and_headers_build_the_same_tables() {
    let value = load("a.b = 1\n[c]\nd.e = 2\n[c.f]\ng = 3\n").unwrap();
    assert_eq!(at(&value, "a.b"), (int(1), "t.toml:1:7".into()));
    // A table made by a dotted key is where its key is written.
    assert_eq!(at(&value, "a").1, "t.toml:1:1");
    assert_eq!(at(&value, "c.d").1, "t.toml:3:1");
    assert_eq!(at(&value, "c.d.e").0, int(2));
    // A header's table is where its bracket is.
    assert_eq!(at(&value, "c.f").1, "t.toml:4:1");
    assert_eq!(at(&value, "c.f.g").0, int(3));
}

#[test]
fn a_table_is_defined_once_by_a_header_or_by_dotted_keys() {
    assert_eq!(
        messages("[a]\nx = 1\n[a]\n"),
        ["invalid TOML: duplicate key `a`"]
    );
    assert_eq!(
        messages("a.x = 1\n[a]\n"),
        ["invalid TOML: duplicate key `a`"]
    );
    assert_eq!(
        messages("[a.b]\n[a]\nb.c = 1\n"),
        ["invalid TOML: duplicate key `b`"]
    );
    // Named on the way to a sub-table, `a` may still be defined once.
    let value = load("[a.b]\nx = 1\n[a]\ny = 2\n").unwrap();
    assert_eq!(at(&value, "a").1, "t.toml:3:1");
    assert_eq!(at(&value, "a.b.x").0, int(1));
    assert_eq!(at(&value, "a.y").0, int(2));
}

#[test]
fn arrays_of_tables_take_sub_tables_in_their_last_table() {
    let text = "[[a]]\nx = 1\n[a.b]\ny = 2\n[[a]]\nx = 3\n[[a.c]]\nz = 4\n";
    let value = load(text).unwrap();
    assert_eq!(at(&value, "a").1, "t.toml:1:1");
    assert_eq!(at(&value, "a.0.x").0, int(1));
    assert_eq!(at(&value, "a.0.b.y"), (int(2), "t.toml:4:5".into()));
    assert_eq!(at(&value, "a.1").1, "t.toml:5:1");
    assert_eq!(at(&value, "a.1.x").0, int(3));
    assert_eq!(at(&value, "a.1.c.0.z").0, int(4));
    assert!(value.get("a.1.b").is_none());
    assert_eq!(
        messages("a = [1]\n[[a]]\n"),
        ["invalid TOML: duplicate key `a`"]
    );
    assert_eq!(
        messages("[a]\n[[a]]\n"),
        ["invalid TOML: duplicate key `a`"]
    );
}

#[test]
fn inline_tables_and_arrays_cannot_be_extended() {
    assert_eq!(
        messages("a = { b = 1 }\na.c = 2\n"),
        ["invalid TOML: cannot extend value of type inline table with a dotted key"]
    );
    assert_eq!(
        messages("a = { b = 1 }\n[a.c]\n"),
        ["invalid TOML: cannot extend value of type inline table with a dotted key"]
    );
    assert_eq!(
        messages("a = {}\n[a]\n"),
        ["invalid TOML: duplicate key `a`"]
    );
    assert_eq!(
        messages("a = [1]\n[a.b]\n"),
        ["invalid TOML: cannot extend value of type array with a dotted key"]
    );
    assert_eq!(
        messages("a = 'x'\na.b = 1\n"),
        ["invalid TOML: cannot extend value of type string with a dotted key"]
    );
    assert_eq!(
        messages("x = { a = { b = 1 }, a.c = 2 }\n"),
        ["invalid TOML: duplicate key `a`"]
    );
    // Inside one inline table, dotted keys may share their tables.
    let value = load("x = { a.b = 1, a.c = 2 }\n").unwrap();
    assert_eq!(at(&value, "x.a.c"), (int(2), "t.toml:1:22".into()));
    assert_eq!(at(&value, "x.a").1, "t.toml:1:7");
}

#[test]
fn every_scalar_form() {
    let text = "s = \"a\\tb\\u00e9\"\nl = 'C:\\x'\nm = \"\"\"\nx\\\n  y\"\"\"\nn = '''\nraw\n'''\n\
                h = 0xff_ff\no = 0o17\nb = 0b101\nd = -1_000\nbig = 18446744073709551615\n\
                f = 6.5e-1\ni = -inf\nnan = nan\nt = true\n\
                dt = 1979-05-27 07:32:00z\nld = 1979-05-27\nlt = 07:32:00.25\n";
    let value = load(text).unwrap();
    let kind = |path: &str| value.get(path).unwrap().kind.clone();
    assert_eq!(kind("s"), Kind::String("a\tbé".into()));
    assert_eq!(kind("l"), Kind::String("C:\\x".into()));
    assert_eq!(kind("m"), Kind::String("xy".into()));
    assert_eq!(kind("n"), Kind::String("raw\n".into()));
    assert_eq!(kind("h"), int(0xffff));
    assert_eq!(kind("o"), int(0o17));
    assert_eq!(kind("b"), int(0b101));
    assert_eq!(kind("d"), int(-1000));
    assert_eq!(kind("big"), int(18446744073709551615));
    assert_eq!(kind("f"), Kind::Float(0.65));
    assert_eq!(kind("i"), Kind::Float(f64::NEG_INFINITY));
    assert!(matches!(kind("nan"), Kind::Float(x) if x.is_nan()));
    assert_eq!(kind("t"), Kind::Bool(true));
    assert_eq!(kind("dt"), Kind::Datetime("1979-05-27T07:32:00Z".into()));
    assert_eq!(kind("ld"), Kind::Datetime("1979-05-27".into()));
    assert_eq!(kind("lt"), Kind::Datetime("07:32:00.25".into()));
    // Lines after multi-line strings keep their numbers.
    assert_eq!(value.get("h").unwrap().origin.to_string(), "t.toml:9:5");
}

#[test]
fn positions_count_characters_and_crlf_lines() {
    let value = load("a = \"éé\"\r\nb = [\r\n  \"é\", 2]\r\n").unwrap();
    assert_eq!(at(&value, "a").1, "t.toml:1:5");
    assert_eq!(at(&value, "b").1, "t.toml:2:5");
    assert_eq!(at(&value, "b.1").1, "t.toml:3:8");
}

#[test]
fn nesting_is_refused_past_the_limit_and_read_up_to_it() {
    let arrays = |n: usize| format!("x = {}1{}", "[".repeat(n), "]".repeat(n));
    let tables = |n: usize| format!("x = {}1{}", "{a=".repeat(n), "}".repeat(n));
    let dotted = |n: usize| format!("{} = 1", vec!["a"; n].join("."));
    let header = |n: usize| format!("[{}]\nx = 1", vec!["a"; n].join("."));
    // 80 levels below the root are read, 81 refused: a key of n parts is
    // n - 1 tables and a value, a header of n parts n tables.
    for text in [arrays(80), tables(80), dotted(81), header(80)] {
        assert!(load(&text).is_ok(), "{text}");
    }
    for text in [
        arrays(81),
        tables(81),
        dotted(82),
        header(81),
        arrays(100_000),
    ] {
        let problems = load(&text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind(), ProblemKind::TooDeep);
    }
    // The caret is at the first bracket past the limit.
    let problems = load(&arrays(81)).unwrap_err();
    assert_eq!(problems[0].origin().unwrap().to_string(), "t.toml:1:85");
    same_as_toml(&arrays(80));
    same_as_toml(&dotted(80));
}

#[test]
fn syntax_errors_are_all_reported_with_their_place() {
    let problems = load("a = 1\nb = \nc = 'x\nd = 0x1g\n").unwrap_err();
    let shown: Vec<String> = problems
        .iter()
        .map(|p| format!("{} at {}", p.message(), p.origin().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            "invalid TOML: missing value after `=` at t.toml:2:5",
            "invalid TOML: invalid literal string, expected `'` at t.toml:3:7",
            "invalid TOML: invalid hexadecimal number at t.toml:4:8",
        ]
    );
    assert!(problems.iter().all(|p| p.kind() == ProblemKind::Syntax));
}

fn located(text: &str) -> Vec<String> {
    crate::format::located(text, load(text))
}

#[test]
fn integers_without_digits_or_with_non_ascii_digits_are_errors() {
    let cases = [
        (
            "mask = 0x\n",
            "invalid hexadecimal number, expected digits at t.toml:1:10",
        ),
        (
            "mask = 0o\n",
            "invalid octal number, expected digits at t.toml:1:10",
        ),
        (
            "mask = 0b\n",
            "invalid binary number, expected digits at t.toml:1:10",
        ),
        (
            "mask = 1_0\u{660}\n",
            "invalid integer, expected digits at t.toml:1:11",
        ),
        (
            "mask = +1_0\u{660}\n",
            "invalid integer, expected digits at t.toml:1:12",
        ),
        (
            "mask = [1, 0x]\n",
            "invalid hexadecimal number, expected digits at t.toml:1:14",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            located(text),
            [format!("invalid TOML: {expected}")],
            "{text:?}"
        );
    }
    // In every form staid refuses what `toml` would not read as a number.
    for text in ["a = 0x\n", "a = 0o\n", "a = 0b\n", "a = 1_0\u{660}\n"] {
        assert!(toml::from_str::<toml::Table>(text).is_err(), "{text:?}");
    }
}

#[test]
fn a_file_yields_a_bounded_number_of_syntax_errors_then_a_count() {
    let text = "=\n".repeat(40_000);
    let problems = load(&text).unwrap_err();
    assert_eq!(problems.len(), super::document::MAX_SYNTAX_ERRORS + 1);
    let last = problems.last().unwrap();
    assert_eq!(
        last.message(),
        "invalid TOML: ... and 39,900 more syntax errors in this file"
    );
    // At the first one left out: the parser finds three errors a line, of
    // which the first is reported, so the 101st is on line 101.
    assert_eq!(last.origin().unwrap().to_string(), "t.toml:101:1");
    assert!(problems.iter().all(|p| p.kind() == ProblemKind::Syntax));
    // Exactly at the bound, no count; one past it, a count of one.
    let unquoted = |n: usize| (0..n).map(|i| format!("k{i} = \n")).collect::<String>();
    let problems = load(&unquoted(100)).unwrap_err();
    assert_eq!(problems.len(), 100);
    assert!(problems[99].message().contains("missing value"));
    assert_eq!(
        located(&unquoted(101))[100],
        "invalid TOML: ... and 1 more syntax error in this file at t.toml:101:8"
    );
}

#[test]
fn floats_too_large_for_f64_are_errors_not_infinity() {
    assert_eq!(
        located("a = 1e400\nb = [-1_0e3_08]\n"),
        [
            "invalid TOML: float is out of range at t.toml:1:5",
            "invalid TOML: float is out of range at t.toml:2:6",
        ]
    );
    assert!(toml::from_str::<toml::Table>("a = 1e400\n").is_err());
    let value = load("a = -inf\nb = 1e-400\nc = 1.7976931348623157e308\n").unwrap();
    assert_eq!(value.get("a").unwrap().kind, Kind::Float(f64::NEG_INFINITY));
    assert_eq!(value.get("b").unwrap().kind, Kind::Float(0.0));
    assert_eq!(value.get("c").unwrap().kind, Kind::Float(f64::MAX));
}

#[test]
fn one_syntax_error_a_line_is_reported() {
    // What the parser reports past a line's first error follows from it.
    for text in [
        "x = { port = }\n",
        "x = { port = , a = 1 }\n",
        "x = { port = 1 a = 2 }\n",
    ] {
        let problems = load(text).unwrap_err();
        assert_eq!(problems.len(), 1, "{text:?}: {problems:?}");
        assert_eq!(
            problems[0].origin().unwrap().to_string(),
            "t.toml:1:14",
            "{text:?}"
        );
    }
    // Mistakes on separate lines are each reported, in order.
    let problems = load("a = { b = }\nc = 1\nd = [1,,2]\n").unwrap_err();
    let at: Vec<String> = problems
        .iter()
        .map(|p| p.origin().unwrap().to_string())
        .collect();
    assert_eq!(at, ["t.toml:1:11", "t.toml:3:8"]);
}

#[test]
fn a_missing_value_and_an_unquoted_string_are_named_plainly() {
    for text in [
        "port =\n",
        "port =",
        "port = # set later\n",
        "x = { port = }\n",
        "x = { port = , a = 1 }\n",
        "port = ,\n",
    ] {
        assert_eq!(
            messages(text),
            ["invalid TOML: missing value after `=`"],
            "{text:?}"
        );
    }
    let problems = load("host = localhost\n").unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "invalid TOML: string values must be quoted\n  --> t.toml:1:8\n   |\n 1 | host = \
         localhost\n   |        ^^^^^^^^^\n  = help: a string is written in quotes: key = \"text\""
    );
    // An unclosed string ends at the line's end too, and is not a missing
    // value; an error with nothing expected says nothing of it.
    assert_eq!(
        messages("name = 'x\n"),
        ["invalid TOML: invalid literal string, expected `'`"]
    );
    assert_eq!(
        messages("a = 08\n"),
        ["invalid TOML: unexpected leading zero"]
    );
}
