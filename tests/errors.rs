//! A failed load reports every problem of every layer at once, each with the
//! place to fix it. The whole text of an error is compared, so a change of
//! wording shows up in review. Secret values never appear in any of it.
// Most structs here are loaded only to fail: their fields are never read.
#![allow(dead_code)]

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Error, ProblemKind, Secret, Unknown};

#[derive(Config, Debug)]
#[config(name = "svc", validate = check_app)]
struct App {
    #[config(default = "127.0.0.1")]
    host: String,
    #[config(default = 8080, validate = not_privileged)]
    port: u16,
    /// Where the data lives.
    url: String,
    #[config(env = "SVC_DATABASE_URL")]
    database: String,
    #[config(nested)]
    db: Db,
    #[config(secret)]
    token: Option<String>,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 4)]
    pool: u32,
    #[config(secret, default = "changeme")]
    password: String,
}

fn not_privileged(port: &u16) -> Result<(), String> {
    if *port < 1024 {
        return Err(format!("port {port} needs root; use 1024 or above"));
    }
    Ok(())
}

fn check_app(app: &App) -> Result<(), &'static str> {
    if app.host == app.db.host {
        return Err("`host` and `db.host` must differ");
    }
    Ok(())
}

const REQUIRED: &str = "url = \"u\"\ndatabase = \"d\"\n";

/// `App`'s builder over a TOML text that sets the required values, then
/// `rest` (from line 3).
fn app_with(rest: &str) -> staid::Builder<App> {
    App::builder().toml_str(format!("{REQUIRED}{rest}"))
}

/// The error of loading `app_with(rest)`.
fn app_error(rest: &str) -> Error {
    app_with(rest).load().unwrap_err()
}

#[test]
fn every_problem_of_every_file_at_once() {
    let dir = Tmp::new();
    let a = dir.write("a.toml", "port = \"80\"\n[db]\npool = 1.5\n");
    let b = dir.write("b.json", "{\n  \"hots\": \"x\"\n}\n");
    let c = dir.write("c.toml", "url = \n");
    let err = App::builder()
        .file(&a)
        .file(&b)
        .file(&c)
        .file(dir.path().join("d.toml"))
        .load()
        .unwrap_err();
    assert_eq!(
        dir.text(&err),
        r#"6 problems in the configuration:

error: invalid TOML: missing value after `=`
  --> $DIR/c.toml:1:7
   |
 1 | url = 
   |       ^

error: cannot read $DIR/d.toml: No such file or directory

error: `port`: expected an integer (u16), found string "80"
  --> $DIR/a.toml:1:8
   |
 1 | port = "80"
   |        ^^^^

error: `database`: missing required value
  = help: set it with `database` in a configuration file

error: `db.pool`: expected an integer (u32), found float 1.5
  --> $DIR/a.toml:3:8
   |
 3 | pool = 1.5
   |        ^^^

error: `hots`: unknown key
  --> $DIR/b.json:2:4
   |
 2 |   "hots": "x"
   |    ^^^^
  = help: did you mean `host`?"#
    );
    let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind()).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::Syntax,
            ProblemKind::Io,
            ProblemKind::Type,
            ProblemKind::Missing,
            ProblemKind::Type,
            ProblemKind::Unknown,
        ]
    );
}

#[test]
fn problems_carry_key_origin_and_hint_as_data() {
    let err = app_error("[db]\nhots = 1\n");
    assert_eq!(err.len(), 1);
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Unknown);
    assert_eq!(p.key(), Some("db.hots"));
    assert_eq!(p.origin().unwrap().to_string(), "<toml>:4:1");
    assert_eq!(p.message(), "unknown key");
    assert_eq!(p.hint(), Some("did you mean `host`?"));
}

#[test]
fn missing_values_name_every_way_to_set_them() {
    let err = load::env_error::<App>([("SVC_HOST", "h")]);
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:

error: `url`: missing required value
  = help: set it with `url` in a configuration file, or the environment variable SVC_URL

error: `database`: missing required value
  = help: set it with `database` in a configuration file, or the environment variable SVC_DATABASE_URL"
    );
}

#[test]
fn missing_values_in_nested_structs_name_the_path() {
    #[derive(Config, Debug)]
    #[config(name = "svc")]
    struct Outer {
        #[config(nested)]
        inner: Inner,
    }
    #[derive(Config, Debug)]
    struct Inner {
        node_identifier: String,
    }
    let err = load::env_error::<Outer>([("X", "1")]);
    assert_eq!(
        err.to_string(),
        "error: `inner.node_identifier`: missing required value
  = help: set it with `inner.node_identifier` in a configuration file, \
or the environment variable SVC_INNER_NODE_IDENTIFIER"
    );
}

#[test]
fn an_empty_string_is_not_missing() {
    let app = load::toml::<App>("url = \"\"\ndatabase = \"\"\n");
    assert_eq!(app.url, "");
}

/// A struct's unknown keys are reported after its fields, nested ones first.
#[test]
fn unknown_keys_suggest_the_closest_key() {
    let err = app_error("prot = 1\n[db]\npol = 2\nzzz = 3\n");
    assert_eq!(
        err.to_string(),
        "3 problems in the configuration:

error: `db.pol`: unknown key
  --> <toml>:5:1
   |
 5 | pol = 2
   | ^^^
  = help: did you mean `pool`?

error: `db.zzz`: unknown key
  --> <toml>:6:1
   |
 6 | zzz = 3
   | ^^^

error: `prot`: unknown key
  --> <toml>:3:1
   |
 3 | prot = 1
   | ^^^^
  = help: did you mean `port`?"
    );
}

/// A file meant for another program is a screenful of unknown keys, not
/// ten thousand: each source lists at most 49 and says how many more.
#[test]
fn unknown_keys_are_capped_for_each_source() {
    let dir = Tmp::new();
    let many = |n: usize| -> String { (0..n).map(|i| format!("k{i:05} = {i}\n")).collect() };
    let json: String = (0..3000)
        .map(|i| format!("\"j{i:05}\": {i}"))
        .collect::<Vec<_>>()
        .join(",\n");
    let json = dir.write("other.json", format!("{{\n{json}\n}}\n"));
    let err = app_with(&many(10_000)).file(&json).load().unwrap_err();
    assert_eq!(err.len(), 100, "{err}");
    let problems = err.problems();
    assert_eq!(problems[0].key(), Some("j00000"));
    assert_eq!(problems[48].key(), Some("j00048"));
    assert_eq!(
        problems[49].to_string(),
        format!(
            "and 2951 more unknown keys from here on (only the first 49 of this source are \
             listed)\n  --> {}:51:2",
            json.display()
        )
    );
    assert_eq!(problems[50].key(), Some("k00000"));
    assert_eq!(
        problems[99].to_string(),
        "and 9951 more unknown keys from here on (only the first 49 of this source are \
         listed)\n  --> <toml>:52:1"
    );
    // Warnings are capped the same way.
    let loaded = app_with(&many(200))
        .unknown_keys(Unknown::Warn)
        .load_full()
        .unwrap();
    assert_eq!(loaded.warnings().len(), 50);
}

/// The keys listed are the first of the text, in its order, whatever
/// their names; the one after them points at the first left out.
#[test]
fn unknown_keys_are_listed_in_the_order_of_the_text() {
    let text: String = (0..60).rev().map(|i| format!("u{i:02} = {i}\n")).collect();
    let err = app_with(&text).load().unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 50, "{err}");
    assert_eq!(problems[0].key(), Some("u59"));
    assert_eq!(problems[48].key(), Some("u11"));
    assert_eq!(
        problems[49].to_string(),
        "and 11 more unknown keys from here on (only the first 49 of this source are \
         listed)\n  --> <toml>:52:1"
    );
}

/// An unknown key of a megabyte is shown cut, and is not compared with
/// every field for a suggestion.
#[test]
fn a_huge_unknown_key_is_cut() {
    let key = "p".repeat(1 << 20);
    let start = std::time::Instant::now();
    let err = app_error(&format!("{key} = 1\n"));
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(err.len(), 1);
    let text = err.to_string();
    assert!(text.len() < 4096, "{} bytes", text.len());
    assert!(
        text.starts_with(&format!(
            "error: `{}... (cut at 512 characters)`: unknown key",
            "p".repeat(512)
        )),
        "{}",
        &text[..600]
    );
}

#[test]
fn unknown_tables_are_one_problem() {
    let err = app_error("[dbb]\nhost = \"x\"\npool = 2\n");
    assert_eq!(err.len(), 1);
    assert_eq!(err.problems()[0].key(), Some("dbb"));
    assert_eq!(err.problems()[0].hint(), Some("did you mean `db`?"));
}

#[test]
fn unknown_keys_can_be_warnings() {
    let loaded = app_with("prot = 1\n")
        .unknown_keys(Unknown::Warn)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 8080);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        ["`prot`: unknown key
  --> <toml>:3:1
   |
 3 | prot = 1
   | ^^^^
  = help: did you mean `port`?"]
    );
}

#[test]
fn warnings_do_not_hide_errors() {
    let err = app_with("prot = 1\nport = \"x\"\n")
        .unknown_keys(Unknown::Warn)
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err.problems()[0].key(), Some("port"));
}

#[test]
fn unknown_keys_can_be_ignored() {
    let loaded = app_with("prot = 1\n[db]\nextra = true\n")
        .unknown_keys(Unknown::Ignore)
        .load_full()
        .unwrap();
    assert!(loaded.warnings().is_empty());
    assert_eq!(loaded.config().db.pool, 4);
}

#[test]
fn field_validators_point_at_the_value() {
    let err = app_error("port = 80\n");
    assert_eq!(
        err.to_string(),
        "error: `port`: port 80 needs root; use 1024 or above
  --> <toml>:3:8
   |
 3 | port = 80
   |        ^^"
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Validation);
}

#[test]
fn field_validators_see_values_from_the_environment() {
    let err = app_with("")
        .env_from([("SVC_PORT", "22")])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `port`: port 22 needs root; use 1024 or above\n  --> env SVC_PORT"
    );
}

#[test]
fn struct_validators_run_on_the_built_value() {
    let err = app_error("host = \"localhost\"\n");
    assert_eq!(err.to_string(), "error: `host` and `db.host` must differ");
    assert_eq!(err.problems()[0].kind(), ProblemKind::Validation);
    assert_eq!(err.problems()[0].key(), None);
}

#[test]
fn struct_validators_of_nested_structs_name_their_path() {
    #[derive(Config, Debug)]
    struct Outer {
        #[config(nested)]
        range: Range,
    }
    #[derive(Config, Debug)]
    #[config(validate = Range::check)]
    struct Range {
        min: u32,
        max: u32,
    }
    impl Range {
        fn check(&self) -> Result<(), String> {
            if self.min > self.max {
                return Err(format!("min {} is above max {}", self.min, self.max));
            }
            Ok(())
        }
    }
    let err = load::toml_error::<Outer>("[range]\nmin = 5\nmax = 1\n");
    assert_eq!(err.to_string(), "error: `range`: min 5 is above max 1");
}

#[test]
fn validators_do_not_run_on_values_that_failed_to_build() {
    let err = app_error("port = 70000\n");
    assert_eq!(err.len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::Type);
}

const SECRET: &str = "hunter2-s3cr3t";

fn assert_hidden(err: &Error) {
    let shown = err.to_string();
    assert!(!shown.contains(SECRET), "secret shown in:\n{shown}");
    let debug = format!("{err:?}");
    assert!(!debug.contains(SECRET), "secret shown in:\n{debug}");
    for p in err.problems() {
        let all = format!("{p} {:?} {p:?}", p.hint());
        assert!(!all.contains(SECRET), "secret shown in:\n{all}");
    }
}

#[test]
fn a_secret_of_the_wrong_type_is_not_shown() {
    #[derive(Config, Debug)]
    struct Keys {
        #[config(secret)]
        pin: u32,
        #[config(secret)]
        ids: Vec<u16>,
    }
    let err = load::toml_error::<Keys>(format!("pin = \"{SECRET}\"\nids = [1, \"{SECRET}\"]\n"));
    assert_hidden(&err);
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:

error: `pin`: invalid value for `u32` (value hidden: the field is secret)
  --> <toml>:1:7

error: `ids.1`: invalid value for `Vec<u16>` (value hidden: the field is secret)
  --> <toml>:2:11"
    );
}

#[test]
fn a_secret_from_the_environment_is_not_shown() {
    #[derive(Config, Debug)]
    #[config(name = "svc")]
    struct Keys {
        #[config(secret)]
        pin: Option<u32>,
    }
    let err = load::env_error::<Keys>([("SVC_PIN", SECRET)]);
    assert_hidden(&err);
    assert_eq!(
        err.to_string(),
        "error: `pin`: invalid value for `Option<u32>` (value hidden: the field is secret)
  --> env SVC_PIN"
    );
}

#[test]
fn a_secret_that_fails_validation_is_not_shown() {
    #[derive(Config, Debug)]
    struct Keys {
        #[config(secret, validate = long_enough)]
        key: Secret<String>,
    }
    fn long_enough(key: &Secret<String>) -> Result<(), &'static str> {
        if key.expose().len() < 32 {
            return Err("must be at least 32 characters");
        }
        Ok(())
    }
    let err = load::toml_error::<Keys>(format!("key = \"{SECRET}\""));
    assert_hidden(&err);
    assert_eq!(
        err.to_string(),
        "error: `key`: must be at least 32 characters\n  --> <toml>:1:7"
    );
}

#[test]
fn a_misspelt_secret_key_is_not_shown() {
    // `passwrd` is not a secret field, but it is most likely a typo of one:
    // its value must not be quoted.
    let err = app_error(&format!(
        "tokn = \"{SECRET}\"\n[db]\npasswrd = \"{SECRET}\"\n"
    ));
    assert_hidden(&err);
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:

error: `db.passwrd`: unknown key
  --> <toml>:5:1
  = help: did you mean `password`?

error: `tokn`: unknown key
  --> <toml>:3:1
  = help: did you mean `token`?"
    );
    // Loaded with the keys only warned about, the tree's `Debug` masks them.
    let loaded = app_with(&format!("tokn = \"{SECRET}\"\n"))
        .unknown_keys(staid::Unknown::Warn)
        .load_full()
        .unwrap();
    let shown = format!("{loaded:?}\n{:?}", loaded.tree());
    assert!(shown.contains("\"tokn\""), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
}

#[test]
fn a_secret_is_not_in_the_debug_of_a_secret_type_or_of_loaded() {
    #[derive(Config, Debug)]
    struct Keys {
        key: Secret<String>,
    }
    let loaded = load::toml_loaded::<Keys>(format!("key = \"{SECRET}\""));
    assert_eq!(loaded.config().key.expose(), SECRET);
    let debug = format!("{loaded:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert_eq!(
        format!("{:?}", loaded.config()),
        "Keys { key: Secret(\"<secret>\") }"
    );
    let explain = loaded.explain().to_string();
    assert!(!explain.contains(SECRET), "{explain}");
}

#[test]
fn a_syntax_error_on_a_secret_line_shows_no_snippet() {
    #[derive(Config, Debug)]
    struct Vault {
        #[config(secret)]
        token: Option<String>,
        name: Option<String>,
    }
    let err = load::toml_error::<Vault>("name = \"ok\"\ntoken = \"hunter2\n");
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("<toml>:2:"), "{text}");
    let err = load::json_error::<Vault>("{\"name\": \"ok\", \"token\": \"hunter2\" \"x\"}");
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn warnings_do_not_show_a_line_that_sets_a_secret() {
    #[derive(Config, Debug)]
    struct Outer {
        #[config(nested)]
        auth: Auth,
    }
    #[derive(Config, Debug)]
    struct Auth {
        #[config(secret)]
        token: Option<String>,
    }
    let loaded = Outer::builder()
        .toml_str("auth = { token = \"hunter2\", extra = 1 }")
        .unknown_keys(Unknown::Warn)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().auth.token.as_deref(), Some("hunter2"));
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 1);
    assert!(!warnings[0].contains("hunter2"), "{}", warnings[0]);
}

#[test]
fn a_key_in_a_file_that_does_not_parse_is_not_also_missing() {
    // `url` is set by the broken file: the syntax error is the one
    // problem; `database`, set nowhere, is still missing.
    let err = load::toml_error::<App>("url = \"u\"\nport = \n");
    let found: Vec<(ProblemKind, Option<&str>)> =
        err.problems().iter().map(|p| (p.kind(), p.key())).collect();
    assert_eq!(
        found,
        [
            (ProblemKind::Syntax, None),
            (ProblemKind::Missing, Some("database"))
        ],
        "{err}"
    );
    // JSON too.
    let err = load::json_error::<App>("{\"url\": \"u\", \"database\": }");
    assert_eq!(err.len(), 1, "{err}");
    assert_eq!(err.problems()[0].kind(), ProblemKind::Syntax);
}

#[test]
fn a_duration_given_as_a_number_says_how_durations_are_written() {
    #[derive(Config, Debug)]
    struct Timeouts {
        #[config(default = "5s")]
        read: std::time::Duration,
    }
    let err = load::toml_error::<Timeouts>("read = 30");
    assert_eq!(
        err.to_string(),
        "error: `read`: expected a duration written as text, such as \"30s\" or \"1m30s\", \
         found integer 30\n  --> <toml>:1:8\n   |\n 1 | read = 30\n   |        ^^"
    );
    // A time of day is no length of time either.
    let err = load::toml_error::<Timeouts>("read = 07:30:00");
    assert!(
        err.to_string().starts_with(
            "error: `read`: expected a duration written as text, such as \"30s\" or \"1m30s\", \
             found datetime"
        ),
        "{err}"
    );
}

mod struct_validators {
    use staid::{Config, Invalid, ProblemKind};

    use crate::load;

    #[derive(Config, Debug)]
    #[config(validate = check)]
    struct Server {
        #[config(default = 1)]
        workers: u32,
        #[config(nested)]
        tls: Tls,
        #[config(secret)]
        key: Option<String>,
    }

    #[derive(Config, Debug)]
    struct Tls {
        #[config(default = false)]
        enabled: bool,
        cert: Option<String>,
    }

    fn check(s: &Server) -> Result<(), Invalid> {
        let mut invalid = Invalid::new();
        if s.workers == 0 {
            invalid.push("workers", "must be at least 1");
        }
        if s.tls.enabled && s.tls.cert.is_none() {
            invalid.push("tls.enabled", "needs `tls.cert`");
        }
        if s.key.as_deref() == Some("short") {
            invalid.push("key", "is too short");
        }
        if s.workers > 64 {
            invalid.push("", "too many workers for one server");
        }
        invalid.into_result()
    }

    #[test]
    fn several_findings_each_with_its_key_and_origin() {
        let err =
            load::toml_error::<Server>("workers = 0\nkey = \"short\"\n[tls]\nenabled = true\n");
        assert_eq!(
            err.to_string(),
            "3 problems in the configuration:\n\n\
             error: `workers`: must be at least 1\n  --> <toml>:1:11\n   |\n 1 | workers = 0\n   |           ^\n\n\
             error: `tls.enabled`: needs `tls.cert`\n  --> <toml>:4:11\n   |\n 4 | enabled = true\n   |           ^^^^\n\n\
             error: `key`: is too short\n  --> <toml>:2:7"
        );
        assert!(err
            .problems()
            .iter()
            .all(|p| p.kind() == ProblemKind::Validation));
    }

    #[test]
    fn a_finding_at_the_struct_itself_has_no_key() {
        let err = load::toml_error::<Server>("workers = 65");
        assert_eq!(err.to_string(), "error: too many workers for one server");
    }

    #[derive(Config, Debug)]
    #[config(validate = plain)]
    struct Plain {
        #[config(default = 1)]
        n: u32,
    }

    fn plain(p: &Plain) -> Result<(), String> {
        match p.n {
            0 => Err("n must not be 0".to_owned()),
            _ => Ok(()),
        }
    }

    #[test]
    fn the_plain_form_keeps_working() {
        let err = load::toml_error::<Plain>("n = 0");
        assert_eq!(err.to_string(), "error: n must not be 0");
    }
}

/// A small schema for the caret tests: a number and a nested table.
#[derive(Config, Debug)]
struct Small {
    #[config(default = 1)]
    port: u16,
    #[config(nested)]
    db: SmallDb,
}

#[derive(Config, Debug)]
struct SmallDb {
    #[config(default = "h")]
    host: String,
}

#[test]
fn carets_cover_values_and_unknown_keys_as_the_parser_read_them() {
    let err = load::toml_error::<Small>(
        "port = [1, 2]   # not a number\ndb = { host = \"a\", \"hots\" = 2 }\n",
    );
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:

error: `port`: expected an integer (u16), found an array
  --> <toml>:1:8
   |
 1 | port = [1, 2]   # not a number
   |        ^^^^^^

error: `db.hots`: unknown key
  --> <toml>:2:20
   |
 2 | db = { host = \"a\", \"hots\" = 2 }
   |                    ^^^^^^
  = help: did you mean `host`?"
    );
    let err = load::json_error::<Small>("{\"port\": {\"a\": 1},\n \"db\": {\"hots\": 2}}");
    let shown = err.to_string();
    assert!(
        shown.contains(" 1 | {\"port\": {\"a\": 1},\n   |          ^^^^^^^^"),
        "{shown}"
    );
    assert!(shown.contains("--> <json>:2:10"), "{shown}");
}

/// Two layers may give their texts one name: each problem shows the line
/// of its own text, found after the parse as well as during it.
#[test]
fn two_texts_with_one_name_each_show_their_own_lines() {
    use staid::source::{Format, Text};
    let err = Small::builder()
        .source(Text::new(Format::Toml, "defaults", "port = \"high\"\n"))
        .source(Text::new(
            Format::Toml,
            "defaults",
            "# site overrides\n[db]\nhots = 1\n",
        ))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:

error: `port`: expected an integer (u16), found string \"high\"
  --> defaults:1:8
   |
 1 | port = \"high\"
   |        ^^^^^^

error: `db.hots`: unknown key
  --> defaults:3:1
   |
 3 | hots = 1
   | ^^^^
  = help: did you mean `host`?"
    );
}

/// A value that spans lines is underlined from where it starts to the end
/// of that line, and a caret under non-ASCII text is as wide as its
/// characters (widths are kept in bytes and counted when shown).
#[test]
fn carets_cover_values_that_span_lines_and_non_ascii_text() {
    let err =
        load::toml_error::<Small>("port = [ 1,\n  2,\n]\n[db]\nhost = 1\nhots = \"héllo wörld\"\n");
    let shown = err.to_string();
    assert!(
        shown.contains(" 1 | port = [ 1,\n   |        ^^^^\n"),
        "{shown}"
    );
    assert!(
        shown.contains(" 6 | hots = \"héllo wörld\"\n   | ^^^^\n"),
        "{shown}"
    );
    let err = load::json_error::<Small>("{\"port\": [\n  1\n], \"db\": {\"host\": \"é\"}}");
    let shown = err.to_string();
    assert!(
        shown.contains(" 1 | {\"port\": [\n   |          ^"),
        "{shown}"
    );

    #[derive(Config, Debug)]
    struct Named {
        name: u16,
    }
    let err = load::toml_error::<Named>("name = \"ünïcödé\"\n");
    assert!(
        err.to_string()
            .contains(" 1 | name = \"ünïcödé\"\n   |        ^^^^^^^^^"),
        "{err}"
    );
    let err = load::toml_error::<Named>("name = \"\"\"ü\nzwei\"\"\"\n");
    assert!(
        err.to_string()
            .ends_with(" 1 | name = \"\"\"ü\n   |        ^^^^"),
        "{err}"
    );
}

/// Under `rename_all` a struct validator may name a key as files spell it
/// or by the Rust field's name; either way the finding has its origin.
#[test]
fn a_struct_validator_may_name_a_field_by_its_rust_name() {
    use staid::Invalid;

    #[derive(Config, Debug)]
    #[config(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Gateway {
        #[config(nested)]
        route_list: Vec<Route>,
    }
    #[derive(Config, Debug)]
    #[config(rename_all = "camelCase", validate = slash)]
    #[allow(dead_code)]
    struct Route {
        path_prefix: String,
    }
    fn slash(r: &Route) -> Result<(), Invalid> {
        match r.path_prefix.starts_with('/') {
            true => Ok(()),
            false => Err(Invalid::new().at("path_prefix", "must start with /")),
        }
    }
    let err = load::toml_error::<Gateway>(
        "[[routeList]]\npathPrefix = \"/a\"\n[[routeList]]\npathPrefix = \"b\"\n",
    );
    assert_eq!(
        err.to_string(),
        "error: `routeList.1.pathPrefix`: must start with /\n  --> <toml>:4:14\n   |\n 4 | \
         pathPrefix = \"b\"\n   |              ^^^"
    );
}

/// A finding named by the Rust field finds its key through `rename` and
/// through the variant an enum section holds.
#[test]
fn a_struct_validator_finds_renamed_fields_and_variant_fields() {
    use staid::Invalid;

    #[derive(Config, Debug)]
    #[config(rename_all = "kebab-case")]
    #[allow(dead_code)]
    struct S3 {
        bucket_name: String,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    enum Store {
        Memory,
        S3(S3),
    }
    #[derive(Config, Debug)]
    #[config(validate = taken)]
    #[allow(dead_code)]
    struct App {
        #[config(rename = "listen")]
        port: u16,
        #[config(nested)]
        store: Store,
    }
    fn taken(_: &App) -> Result<(), Invalid> {
        Invalid::new()
            .at("port", "in use")
            .at("store.bucket_name", "no underscores")
            .into_result()
    }
    let err =
        load::toml_error::<App>("listen = 80\n[store]\nkind = \"s3\"\nbucket-name = \"a_b\"\n");
    let found: Vec<_> = err
        .problems()
        .iter()
        .map(|p| (p.key().unwrap_or(""), p.origin().map(ToString::to_string)))
        .collect();
    assert_eq!(
        found,
        [
            ("listen", Some("<toml>:1:10".to_owned())),
            ("store.bucket-name", Some("<toml>:4:15".to_owned()))
        ]
    );
}
