//! Malformed input never becomes a value: every form TOML and JSON forbid is
//! an error at its place, and a file of garbage fails fast, with a bounded
//! report.
// Most structs here are loaded only to fail: their fields are never read.
#![allow(dead_code)]

use std::time::{Duration, Instant};

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Error};

#[derive(Config, Debug)]
#[config(name = "app")]
struct App {
    #[config(default = 0)]
    mask: u32,
    #[config(default = [])]
    list: Vec<Vec<u32>>,
    #[config(default = 1.0)]
    ratio: f32,
}

fn toml_err(text: &str) -> Error {
    load::toml_error::<App>(text)
}

fn json_err(text: &str) -> Error {
    load::json_error::<App>(text)
}

fn env_err(var: &str, value: &str) -> Error {
    load::env_error::<App>([(var, value)])
}

#[test]
fn a_half_edited_integer_is_an_error_not_zero() {
    assert_eq!(
        toml_err("mask = 0x\n").to_string(),
        "error: invalid TOML: invalid hexadecimal number, expected digits\n  \
         --> <toml>:1:10\n   |\n 1 | mask = 0x\n   |          ^"
    );
    assert_eq!(
        toml_err("mask = 1_0\u{660}\n").problems()[0].message(),
        "invalid TOML: invalid integer, expected digits"
    );
}

#[test]
fn json_strings_and_whitespace_are_as_strict_as_rfc_8259() {
    assert_eq!(
        json_err("{\"list\": [[1],\n\u{a0}[2]]}").to_string(),
        "error: invalid JSON: U+00A0 is not whitespace in JSON (only space, tab, CR and LF are)\n  \
         --> <json>:2:1\n   |\n 2 | \u{a0}[2]]}\n   | ^"
    );
    let err = json_err("{\"mask\": \"a\tb\"}");
    assert_eq!(
        err.problems()[0].message(),
        "invalid JSON: control character U+0009 in a string, write it as `\\t`"
    );
    assert_eq!(
        err.problems()[0].origin().unwrap().to_string(),
        "<json>:1:12"
    );
}

#[test]
fn a_json_file_with_a_byte_order_mark_is_read() {
    let dir = Tmp::new();
    let path = dir.write("app.json", "\u{feff}{\"mask\": 7}\n");
    let app = App::builder().file(&path).load().unwrap();
    assert_eq!(app.mask, 7);
}

/// 100 KB of `=\n`: three syntax errors a line, over 150,000 in all, of
/// which the first of each line is reported.
fn garbage() -> String {
    "=\n".repeat(50 * 1024)
}

#[test]
fn a_file_of_garbage_fails_fast_with_a_bounded_report() {
    let text = garbage();
    let started = Instant::now();
    let err = toml_err(&text);
    let report = err.to_string();
    let took = started.elapsed();
    assert_eq!(err.len(), 101);
    assert!(
        report.ends_with(
            "error: invalid TOML: ... and 51,100 more syntax errors in this file\n  --> <toml>:101:1"
        ),
        "{}",
        &report[report.len() - 200..]
    );
    // Well under 100 ms in a release build; generous for a debug build on a
    // busy machine.
    assert!(took < Duration::from_secs(2), "{took:?}");

    let json = format!("{{{}\"mask\": 1}}", "\"mask\": 1, ".repeat(10 * 1024));
    let started = Instant::now();
    let err = json_err(&json);
    let _ = err.to_string();
    let took = started.elapsed();
    assert_eq!(err.len(), 101);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// Many problems on one long line (minified JSON, a list on one line) cost
/// what as many short lines do: a problem's position and snippet look at
/// the part of the line shown, not at the whole line. When each counted the
/// characters of its line, 4,000 unknown keys on one line took 6.7 s and
/// 40,000 would have taken minutes. The lines hold `é` so that columns are
/// characters, not bytes.
#[test]
fn many_problems_on_one_long_line_are_reported_in_linear_time() {
    #[derive(Config, Debug)]
    struct Ports {
        list: Option<Vec<u16>>,
        map: Option<std::collections::BTreeMap<String, u16>>,
    }
    // Bad values rather than unknown keys, which a source lists only 49 of.
    let keys: Vec<String> = (0..40_000).map(|i| format!("\"ké{i}\": \"x\"")).collect();
    let json = format!("{{\"map\": {{{}}}}}", keys.join(","));
    // The column of the value of `ké27999`, in characters.
    let at = json.find("\"ké27999\": ").unwrap() + "\"ké27999\": ".len();
    let column = json[..at].chars().count() + 1;
    let toml = format!("list = [{}]\n", vec!["\"é\""; 40_000].join(","));
    // The report, and the problem at `key` in it.
    let report = |builder: staid::Builder<Ports>, key: &str| {
        let started = Instant::now();
        let err = builder.load().unwrap_err();
        let report = err.to_string();
        let took = started.elapsed();
        let problem = err.problems().iter().find(|p| p.key() == Some(key));
        let problem = problem.unwrap().to_string();
        assert!(report.contains(&problem));
        (err.len(), problem, took)
    };
    // The caret is 53 columns in: `...` and the 50 characters before it.
    let caret = " ".repeat(53);

    let (count, problem, took) = report(Ports::builder().json_str(json), "map.ké27999");
    assert_eq!(count, 40_000);
    assert_eq!(
        problem,
        format!(
            "`map.ké27999`: expected an integer (u16), found string \"x\"\n  \
             --> <json>:1:{column}\n   |\n 1 | ...96\": \"x\",\"ké27997\": \"x\",\
             \"ké27998\": \"x\",\"ké27999\": \"x\",\"ké28000\": \"x\",\"ké28001\": \"x\",\
             \"ké28002\": \"x\",\"...\n   | {caret}^^^"
        )
    );
    // A few seconds in a debug build on a busy machine.
    assert!(took < Duration::from_secs(10), "{took:?}");

    let (count, problem, took) = report(Ports::builder().toml_str(toml), "list.20000");
    assert_eq!(count, 40_000);
    let items = "\"é\",".repeat(24);
    assert_eq!(
        problem,
        format!(
            "`list.20000`: expected an integer (u16), found string \"é\"\n  --> <toml>:1:80009\n   \
             |\n 1 | ...\",{items}\"é...\n   | {caret}^^^"
        )
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// A problem's snippet is dropped when its line is part of a secret's
/// value; with many secrets and many problems in one file, each problem
/// looks that up rather than going through every secret (20,000 of each
/// took 6 s, four times as many would have taken over a minute).
#[test]
fn many_problems_beside_many_secrets_are_reported_in_linear_time() {
    #[derive(Config, Debug)]
    struct Pool {
        #[config(nested)]
        list: Vec<Item>,
    }
    #[derive(Config, Debug)]
    struct Item {
        #[config(secret)]
        password: Option<String>,
        port: Option<u16>,
    }
    // Bad values rather than unknown keys, which a source lists only 49 of.
    let toml: String = (0..40_000)
        .map(|_| "[[list]]\npassword = \"x\"\nport = \"bad\"\n")
        .collect();
    let started = Instant::now();
    let err = load::toml_error::<Pool>(toml);
    let report = err.to_string();
    let took = started.elapsed();
    assert_eq!(err.len(), 40_000);
    assert!(
        report.contains(
            "error: `list.7.port`: expected an integer (u16), found string \"bad\"\n  \
             --> <toml>:24:8\n    |\n 24 | port = \"bad\"\n"
        ),
        "{}",
        &report[..500]
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn floats_from_text_and_files_never_become_infinite() {
    let err = env_err("APP_RATIO", "1e400");
    assert_eq!(
        err.to_string(),
        "error: `ratio`: expected a number, found \"1e400\"\n  --> env APP_RATIO"
    );
    let err = toml_err("ratio = 1e300\n");
    assert_eq!(
        err.problems()[0].message(),
        "1e300 is out of range for f32 (±3.4028235e38)"
    );
}

/// An integer past 64 bits (TOML refuses one, staid keeps it for `u128`
/// fields) is not rounded into a float field; up to 64 bits it is read.
#[test]
fn an_integer_past_64_bits_is_not_rounded_into_a_float() {
    for text in [
        "99999999999999999999999",
        "0xffffffffffffffffff",
        "18446744073709551616",
    ] {
        let err = toml_err(&format!("ratio = {text}\n"));
        assert!(
            err.problems()[0]
                .message()
                .contains("is past 64 bits, which a float does not hold exactly"),
            "{text}: {err}"
        );
    }
    let app = load::toml::<App>("ratio = 18446744073709551615\n");
    assert_eq!(app.ratio, 18446744073709551615u64 as f32);
    // The same integer given as text, in the environment: refused alike.
    for text in ["99999999999999999999999", "-18446744073709551617"] {
        let err = env_err("APP_RATIO", text);
        assert!(
            err.to_string()
                .contains(&format!("the integer {text} is past 64 bits")),
            "{text}: {err}"
        );
    }
    let app = load::env::<App>([("APP_RATIO", "18446744073709551615")]);
    assert_eq!(app.ratio, 18446744073709551615u64 as f32);
    let app = load::env::<App>([("APP_RATIO", "1e23")]);
    assert_eq!(app.ratio, 1e23);
}

/// Inline JSON in an env value nests no deeper than a file may (it was
/// bounded only by the parser's own limit of 512).
#[test]
fn deeply_nested_inline_json_in_an_env_value_is_an_error() {
    let deep = "[".repeat(100_000);
    let err = env_err("APP_LIST", deep.as_str());
    assert_eq!(
        err.to_string(),
        "error: `list`: invalid inline JSON: nesting is deeper than the limit of 80 levels at column 81\n  \
         --> env APP_LIST"
    );
    // Of the kind a file nested too deep is.
    assert_eq!(err.problems()[0].kind(), staid::ProblemKind::TooDeep);
}

/// A long value is quoted cut, with its length, so a megabyte of a value is
/// not a megabyte of error; the snippet is cut around the caret as well.
#[test]
fn long_values_are_quoted_cut_in_messages() {
    #[derive(staid::Config, Debug)]
    struct Port {
        port: u16,
    }
    let long = "b".repeat(1_000_000);
    let err = load::toml_error::<Port>(format!("port = \"{long}\"\n"));
    let shown = err.to_string();
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
    let quoted = format!(
        "found string \"{}...\" (1000000 characters)",
        "b".repeat(64)
    );
    assert!(shown.contains(&quoted), "{shown}");
    let err = Port::builder()
        .env_from([("PORT_PORT", long.as_str())])
        .env_prefix("PORT")
        .load()
        .unwrap_err();
    assert!(err.to_string().len() < 2_000);
}

/// A byte-order mark is skipped, and line 1's columns are counted after it,
/// as an editor shows them.
#[test]
fn a_byte_order_mark_does_not_shift_columns() {
    #[derive(staid::Config, Debug)]
    struct Port {
        port: u16,
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, text, at) in [
        ("a.toml", "\u{feff}port = \"x\"\n", ":1:8"),
        ("a.json", "\u{feff}{\"port\": \"x\"}", ":1:10"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = Port::builder().file(&path).load().unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains(&format!("{}{at}", path.display())),
            "{shown}"
        );
        assert!(!shown.contains('\u{feff}'), "{shown}");
    }
    let err = load::toml_error::<Port>("\u{feff}port = \"x\"");
    assert!(err.to_string().contains("<toml>:1:8"), "{err}");
}

/// Control characters in a file's line (a terminal escape sequence) are not
/// written to the reader's terminal by a snippet.
#[test]
fn snippets_do_not_write_control_characters() {
    #[derive(staid::Config, Debug)]
    struct Port {
        port: u16,
    }
    let err = load::toml_error::<Port>("port = \"\u{1b}[2J\u{7}x\" # \u{1b}]0;title\u{7}\n");
    let shown = err.to_string();
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n'),
        "{shown:?}"
    );
    assert!(shown.contains("port = \""), "{shown}");
}

/// Nor the marks that reorder a line (Trojan Source): a snippet shows
/// U+FFFD for each, as for a control character, in TOML and JSON alike.
#[test]
fn snippets_do_not_write_bidi_controls() {
    #[derive(staid::Config, Debug)]
    struct Port {
        port: u16,
    }
    for err in [
        load::toml_error::<Port>("port = 70000 # \u{202e}tnemmoc\u{2066}\n"),
        load::json_error::<Port>("{\"\u{200f}x\": 1, \"port\": 70000}"),
    ] {
        let shown = err.to_string();
        assert!(
            !shown.chars().any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')),
            "{shown:?}"
        );
        assert!(shown.contains('\u{fffd}'), "{shown}");
    }
}

/// The caret stands under its value as a terminal lays the line out: a
/// wide character (CJK, an emoji) takes two columns, a combining mark none.
#[test]
fn the_caret_stands_under_the_value_after_wide_and_combining_characters() {
    #[derive(staid::Config, Debug)]
    struct Named {
        name: String,
        port: u16,
    }
    for (name, columns) in [
        ("日本語", 6),
        ("🦀🦀", 4),
        ("e\u{301}e\u{301}", 2),
        ("ab", 2),
        // A skin tone modifies the emoji before it, in the same two columns.
        ("👍🏽", 2),
        ("👍\u{1f3fb}👍", 4),
    ] {
        let err = load::json_error::<Named>(format!("{{\"name\": \"{name}\", \"port\": 70000}}"));
        let shown = err.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        let caret = lines.iter().rev().find(|l| l.contains('^')).unwrap();
        // ` 1 | {"name": "`, the name, `", "port": ` then the value.
        let before = " 1 | {\"name\": \"".len() + columns + "\", \"port\": ".len();
        assert_eq!(caret.find('^'), Some(before), "{name}:\n{shown}");
        assert_eq!(
            caret.trim_start_matches([' ', '|']).trim(),
            "^^^^^",
            "{name}"
        );
    }
    // Under a wide value, the caret is as wide as the value.
    #[derive(staid::Config, Debug)]
    struct Port {
        port: u16,
    }
    let err = load::toml_error::<Port>("port = \"日本\"\n");
    assert!(err.to_string().ends_with("|        ^^^^^^"), "{err}");
}

/// A file is read up to 16 MiB: a link to an endless device is an error,
/// not all the memory there is.
#[cfg(unix)]
#[test]
fn an_endless_file_is_refused_past_16_mib() {
    let dir = Tmp::new();
    let link = dir.path().join("app.toml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let err = App::builder().file(&link).load().unwrap_err();
    assert_eq!(
        dir.text(err),
        "error: cannot read $DIR/app.toml: it is larger than 16 MiB, the most staid reads"
    );
}

/// An optional file (as discovered files are) must be a regular file: a
/// FIFO there would hold the load until a writer came.
#[cfg(unix)]
#[test]
fn an_optional_file_that_is_a_fifo_is_refused_without_waiting() {
    let dir = Tmp::new();
    let fifo = dir.fifo("app.toml");
    let err =
        tmp::within_10s(move || App::builder().optional_file(fifo).load().map(|_| ())).unwrap_err();
    assert_eq!(
        dir.text(err),
        "error: cannot read $DIR/app.toml: it is not a regular file (a FIFO, a socket or a \
         device)"
    );
}

/// A named pipe given by name is read only when its extension names a
/// format staid reads: one without is refused before it is opened, as a
/// regular file of that name is, rather than waiting for a writer.
#[cfg(unix)]
#[test]
fn a_named_fifo_of_a_format_staid_does_not_read_is_refused_without_waiting() {
    let dir = Tmp::new();
    for name in ["app", "app.conf"] {
        let fifo = dir.fifo(name);
        let by_file = fifo.clone();
        let err =
            tmp::within_10s(move || App::builder().file(by_file).load().map(|_| ())).unwrap_err();
        let staid_reads = if cfg!(feature = "lua") {
            ".toml, .json, .lua"
        } else {
            ".toml, .json"
        };
        let found = if name == "app" {
            "no extension".to_owned()
        } else {
            "`.conf`".to_owned()
        };
        assert_eq!(
            dir.text(err),
            format!("error: $DIR/{name}: unknown format ({found}); staid reads {staid_reads}")
        );
        #[cfg(feature = "cli")]
        {
            let flag = fifo.display().to_string();
            let err = tmp::within_10s(move || {
                App::builder()
                    .args(["app", "--config", &flag])
                    .load()
                    .map(|_| ())
            })
            .unwrap_err();
            assert!(
                dir.text(err)
                    .starts_with(&format!("error: $DIR/{name}: unknown format")),
                "{name}"
            );
        }
    }
}

/// Names from outside (a key, a variable's name, a file's) are printed with
/// control characters escaped: no line of a report is forged, no escape
/// sequence reaches the terminal.
#[test]
fn control_characters_in_keys_variables_and_paths_are_escaped() {
    let err = toml_err("\"ho\\u001b[31mts\\nerror: forged\" = 1\n");
    let text = err.to_string();
    assert!(
        // Quoted as a key path is, with its escapes: one line, no escape.
        text.starts_with(
            "error: `\"ho\\u001b[31mts\\nerror: forged\"`: unknown key\n  --> <toml>:1:1"
        ),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");

    let err = App::builder()
        .env_from([("APP_X\nerror: `mask`: forged\n  --> /etc/passwd:1:1", "1")])
        .unknown_env(staid::Unknown::Error)
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "error: unknown environment variable APP_X\\nerror: `mask`: forged\\n  --> /etc/passwd:1:1"
    );

    let dir = Tmp::new();
    let path = dir.write("ev\u{1b}[2Jil.toml", "mask = \"x\"\n");
    let err = App::builder().file(&path).load().unwrap_err();
    let text = dir.text(err);
    assert!(text.contains("--> $DIR/ev\\u{1b}[2Jil.toml:1:8"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

/// An empty key (`{"": 1}`, `"" = 1`) is named as it is written, in quotes,
/// not as nothing at all.
#[test]
fn an_empty_key_is_named_in_quotes() {
    assert_eq!(
        json_err("{\"\": 1}").to_string(),
        "error: `\"\"`: unknown key\n  --> <json>:1:3\n   |\n 1 | {\"\": 1}\n   |   ^"
    );
    assert_eq!(
        toml_err("mask = 1\n\"\" = 1\n").to_string().lines().next(),
        Some("error: `\"\"`: unknown key")
    );
}

/// A name of thousands of characters (an unknown variable, an unknown
/// flag) is cut in the message that names it, as in its origin, whether
/// the report is an error or a warning.
#[test]
fn long_names_are_cut_in_messages_and_warnings() {
    let name = format!("APP_{}", "Z".repeat(5000));
    let error = App::builder()
        .unknown_env(staid::Unknown::Error)
        .env_from([(name.as_str(), "1")])
        .load()
        .unwrap_err();
    let message = error.problems()[0].message();
    assert!(message.len() < 600, "{} bytes", message.len());
    assert!(
        message.ends_with("... (cut at 512 characters)"),
        "{message}"
    );
    assert!(error.to_string().len() < 1_500, "{error}");
    let loaded = App::builder()
        .unknown_env(staid::Unknown::Warn)
        .env_from([(name.as_str(), "1")])
        .load_full()
        .unwrap();
    let warning = loaded.warnings()[0].to_string();
    assert!(warning.len() < 1_500, "{} bytes", warning.len());
    let flag = format!("--{}", "z".repeat(5000));
    let error = App::builder()
        .args(["app", flag.as_str()])
        .load()
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.len() < 1_500, "{} bytes", shown.len());
    assert!(shown.contains("(cut at 512 characters)"), "{shown}");
}
