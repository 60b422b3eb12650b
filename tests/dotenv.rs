//! `.env` files: the dotenv syntax, the environment's names and
//! conversions, origins naming the line, and every bad input as an error
//! naming the line. Temporary paths are shown as `$DIR`.

use std::path::PathBuf;

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::Config;

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "app")]
    name: String,
    #[config(nested)]
    db: Db,
    #[config(env = "DATABASE_URL")]
    url: Option<String>,
    #[config(default = [])]
    tags: Vec<String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)] // `pool` is only there to be read from the file
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(secret)]
    password: Option<String>,
    #[config(default = 4)]
    pool: u32,
}

impl Tmp {
    /// Writes `.env` in the directory.
    fn env(&self, text: &str) -> PathBuf {
        self.write(".env", text)
    }

    /// `App`'s builder over `.env` in the directory, holding `text`.
    fn dotenv(&self, text: &str) -> staid::Builder<App> {
        App::builder().dotenv(self.env(text))
    }

    /// `App` loaded from `.env` holding `text`, with its origins and
    /// warnings.
    fn dotenv_loaded(&self, text: &str) -> staid::Loaded<App> {
        self.dotenv(text).load_full().unwrap()
    }

    /// The error of loading `App` from `.env` holding `text`, with this
    /// directory written `$DIR`.
    fn dotenv_error(&self, text: &str) -> String {
        self.text(self.dotenv(text).load().unwrap_err())
    }
}

const FILE: &str = r#"# Local runs.
MYAPP_PORT=9000
export MYAPP_NAME="my app"   # a comment
MYAPP_DB_HOST='db.local'
MYAPP_DB_PASSWORD="hunter2"
MYAPP_TAGS=a,b
DATABASE_URL="postgres://db
/app"
HOME=/not/read
"#;

#[test]
fn variables_are_read_with_the_environments_names_and_origins_name_the_line() {
    let tmp = Tmp::new();
    let loaded = tmp.dotenv_loaded(FILE);
    let app = loaded.config();
    assert_eq!((app.port, app.name.as_str()), (9000, "my app"));
    assert_eq!(app.db.host, "db.local");
    assert_eq!(app.db.password.as_deref(), Some("hunter2"));
    assert_eq!(app.url.as_deref(), Some("postgres://db\n/app"));
    assert_eq!(app.tags, ["a", "b"]);
    assert!(loaded.warnings().is_empty());
    assert_eq!(
        tmp.text(loaded.explain()),
        "port = 9000                  # $DIR/.env:2:12\n\
         name = \"my app\"              # $DIR/.env:3:19\n\
         db.host = \"db.local\"         # $DIR/.env:4:15\n\
         db.password = \"<secret>\"     # $DIR/.env:5:19\n\
         db.pool = 4                  # default\n\
         url = \"postgres://db\\n/app\"  # $DIR/.env:7:14\n\
         tags = [\"a\", \"b\"]            # $DIR/.env:6:12\n"
    );
}

/// A byte-order mark (Windows editors write one) is skipped, not read as
/// part of the first name.
#[test]
fn a_byte_order_mark_is_skipped() {
    let tmp = Tmp::new();
    let loaded = tmp.dotenv_loaded("\u{feff}MYAPP_PORT=9001\n");
    assert_eq!(loaded.config().port, 9001);
    assert_eq!(tmp.text(loaded.origin("port").unwrap()), "$DIR/.env:1:12");
}

#[test]
fn the_environment_above_wins_and_the_process_environment_is_not_written() {
    let tmp = Tmp::new();
    let path = tmp.env("MYAPP_PORT=9000\nMYAPP_DOTENV_TEST_UNSET=1\n");
    let loaded = App::builder()
        .dotenv(&path)
        .env_from([("MYAPP_PORT", "9001")])
        .unknown_env(staid::Unknown::Ignore)
        .load_full();
    // The file has its own setting for unknown variables (`Dotenv::unknown`).
    let err = loaded.unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: unknown variable MYAPP_DOTENV_TEST_UNSET\n  --> $DIR/.env:2:25"
    );
    assert!(std::env::var_os("MYAPP_DOTENV_TEST_UNSET").is_none());
    let loaded = App::builder()
        .source(staid::source::Dotenv::required(&path).unknown(staid::Unknown::Warn))
        .load_full()
        .unwrap();
    assert_eq!(loaded.warnings().len(), 1);
    assert!(std::env::var_os("MYAPP_DOTENV_TEST_UNSET").is_none());
    let app = tmp
        .dotenv("MYAPP_PORT=9000\n")
        .env_from([("MYAPP_PORT", "9001")])
        .load()
        .unwrap();
    assert_eq!(app.port, 9001);
}

#[test]
fn the_stacks_prefix_and_separator_apply() {
    let tmp = Tmp::new();
    let app = tmp
        .dotenv("SVC__DB__HOST=db2\nMYAPP_PORT=1\n")
        .env_prefix("SVC")
        .env_double_underscore()
        .env_from([("SVC__PORT", "7")])
        .load()
        .unwrap();
    assert_eq!((app.db.host.as_str(), app.port), ("db2", 7));
}

#[test]
fn a_missing_file_is_an_error_unless_optional() {
    let tmp = Tmp::new();
    let path = tmp.path().join(".env");
    let err = App::builder().dotenv(&path).load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: cannot read $DIR/.env: No such file or directory"
    );
    assert_eq!(
        App::builder().optional_dotenv(&path).load().unwrap().port,
        8080
    );
}

#[test]
fn a_line_without_equals_is_an_error_naming_the_line_and_the_rest_is_read() {
    let tmp = Tmp::new();
    assert_eq!(
        tmp.dotenv_error("MYAPP_PORT=1\nMYAPP_NAME\nMYAPP_DB_POOL=x\n"),
        "2 problems in the configuration:\n\n\
         error: a line without `=`: expected `NAME=VALUE`\n  --> $DIR/.env:2:1\n\n\
         error: `db.pool`: expected an integer (u32), found \"x\"\n  --> $DIR/.env:3:15"
    );
}

#[test]
fn an_unterminated_quote_is_an_error_naming_where_it_opens() {
    let tmp = Tmp::new();
    assert_eq!(
        tmp.dotenv_error("MYAPP_PORT=1\nMYAPP_NAME=\"open\nMYAPP_DB_HOST=h\n"),
        "error: a quoted value is not closed before the end of the file\n  --> $DIR/.env:2:12"
    );
}

#[test]
fn a_variable_set_twice_is_a_warning_and_the_later_wins() {
    let tmp = Tmp::new();
    let loaded = tmp.dotenv_loaded("MYAPP_PORT=1\nMYAPP_PORT=2\n");
    assert_eq!(loaded.config().port, 2);
    assert_eq!(tmp.text(loaded.origin("port").unwrap()), "$DIR/.env:2:12");
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| tmp.text(w)).collect();
    assert_eq!(
        warnings,
        ["MYAPP_PORT is set again (first on line 1); the later value wins\n  --> $DIR/.env:2:12"]
    );
}

#[test]
fn a_secrets_bad_value_is_not_shown() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    #[allow(dead_code)] // the load fails before it is read
    struct Pin {
        #[config(secret)]
        pin: u32,
    }
    let tmp = Tmp::new();
    let path = tmp.env("MYAPP_PIN=hunter2\n");
    let err = Pin::builder().dotenv(&path).load().unwrap_err();
    let text = tmp.text(&err);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("--> $DIR/.env:1:11"), "{text}");
}

/// A substitution that copies a secret's variable into one that is not a
/// secret's would show the secret wherever that value is shown: an error
/// naming the two variables, never the value, whether the secret comes
/// from the file or from the environment. A secret's own variable, and the
/// path of a `_FILE` variable, may be taken.
#[test]
fn a_secret_copied_into_a_variable_that_is_not_secret_is_an_error() {
    let tmp = Tmp::new();
    let err = tmp.dotenv_error(
        "MYAPP_DB_PASSWORD=hunter2secret\nMYAPP_PORT=${MYAPP_DB_PASSWORD}\nMYAPP_NAME=x$MYAPP_DB_PASSWORD\n",
    );
    assert!(!err.contains("hunter2secret"), "{err}");
    assert_eq!(
        err,
        "2 problems in the configuration:

error: MYAPP_PORT takes the value of MYAPP_DB_PASSWORD, a secret field's variable, and is not secret itself (value hidden)
  --> $DIR/.env:2:12
  = help: set MYAPP_PORT to its own value

error: MYAPP_NAME takes the value of MYAPP_DB_PASSWORD, a secret field's variable, and is not secret itself (value hidden)
  --> $DIR/.env:3:12
  = help: set MYAPP_NAME to its own value"
    );
    let err = App::builder()
        .env_from([("MYAPP_DB_PASSWORD", "from-env-secret")])
        .dotenv(tmp.env("MYAPP_NAME=${MYAPP_DB_PASSWORD}\n"))
        .load()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("error: MYAPP_NAME takes the value of MYAPP_DB_PASSWORD"),
        "{err}"
    );
    tmp.write("db.secret", "file-secret\n");
    let loaded = tmp.dotenv_loaded(
        "SECRET_PATH=db.secret\nMYAPP_DB_PASSWORD_FILE=${SECRET_PATH}\nMYAPP_NAME=$SECRET_PATH\n",
    );
    assert_eq!(loaded.config().name, "db.secret");
    assert_eq!(loaded.config().db.password.as_deref(), Some("file-secret"));
}

#[test]
fn a_variable_outside_the_prefix_is_ignored_as_the_environments_would_be() {
    let tmp = Tmp::new();
    let loaded = tmp.dotenv_loaded("PORT=1\nOTHERAPP_PORT=2\nMYAPPX_PORT=3\n");
    assert_eq!(loaded.config().port, 8080);
    assert_eq!(loaded.origin("port"), Some(&staid::Origin::Default));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

/// Two fields that one variable would set are a problem of the names, not
/// of any file: said once, whether the stack reads a `.env` file, the
/// environment, or both.
#[test]
fn a_variable_two_fields_share_is_reported_once() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    #[allow(dead_code)] // loaded only to fail
    struct Shared {
        #[config(default = "a")]
        db_host: String,
        #[config(nested)]
        db: Db,
    }
    let tmp = Tmp::new();
    let path = tmp.env("OTHER=1\n");
    let count = |builder: staid::Builder<Shared>| {
        let err = builder.load().unwrap_err();
        let shared = err
            .problems()
            .iter()
            .filter(|p| p.message().contains("MYAPP_DB_HOST would set both"))
            .count();
        (shared, err.problems().len())
    };
    assert_eq!(count(Shared::builder().dotenv(&path)), (1, 1));
    assert_eq!(
        count(Shared::builder().dotenv(&path).env_from([("X", "x")])),
        (1, 1)
    );
    assert_eq!(count(Shared::builder().env_from([("X", "x")])), (1, 1));
}

/// The files a load reads are planned before the `.env` file is read, so
/// `MYAPP_CONFIG` there names nothing: a warning at its line says so.
#[test]
fn the_config_variable_in_a_dotenv_file_is_a_warning() {
    let tmp = Tmp::new();
    let loaded = tmp
        .dotenv("MYAPP_PORT=1\nMYAPP_CONFIG=/nonexistent/x.toml\n")
        .discover()
        .env_from([("A", "b")])
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 1);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| tmp.text(w)).collect();
    assert_eq!(
        warnings,
        [
            "MYAPP_CONFIG in a .env file names no file to read; ignored\n  \
          --> $DIR/.env:2:14\n  \
          = help: set MYAPP_CONFIG in the environment, or give the file with --config"
        ]
    );
}

/// A field `config` owns `MYAPP_CONFIG` in a stack that does not discover
/// files: in a `.env` file it sets the field, with no warning that it names
/// no file.
#[test]
fn the_config_variable_in_a_dotenv_file_sets_a_field_named_config() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Profiled {
        #[config(default = "default")]
        config: String,
    }
    let tmp = Tmp::new();
    let loaded = Profiled::builder()
        .dotenv(tmp.env("MYAPP_CONFIG=fast\n"))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().config, "fast");
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

/// A `.env` file is a file: a relative path in it, for a `#[config(path)]`
/// field or in a `_FILE` variable, is resolved against its directory, as
/// in a TOML file; the process environment's stay relative to the working
/// directory.
#[test]
fn relative_paths_in_a_dotenv_file_resolve_against_its_directory() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Served {
        #[config(path)]
        cert: Option<PathBuf>,
        #[config(secret)]
        password: Option<String>,
    }
    let tmp = Tmp::new();
    tmp.write("deploy/secrets/db", "hunter2\n");
    let envf = tmp.write(
        "deploy/.env",
        "MYAPP_CERT=certs/a.pem\nMYAPP_PASSWORD_FILE=secrets/db\n",
    );
    let loaded = Served::builder().dotenv(&envf).load_full().unwrap();
    let deploy = tmp.path().join("deploy");
    assert_eq!(loaded.config().cert, Some(deploy.join("certs/a.pem")));
    assert_eq!(loaded.config().password.as_deref(), Some("hunter2"));
    // The columns of explain depend on the temporary path's length.
    let explain = tmp.text(loaded.explain());
    let lines: Vec<(&str, &str)> = explain
        .lines()
        .filter_map(|l| l.split_once(" # "))
        .map(|(value, origin)| (value.trim_end(), origin))
        .collect();
    assert_eq!(
        lines,
        [
            (
                "cert = \"$DIR/deploy/certs/a.pem\"",
                "$DIR/deploy/.env:1:12"
            ),
            (
                "password = \"<secret>\"",
                "env MYAPP_PASSWORD_FILE (file $DIR/deploy/secrets/db)"
            ),
        ]
    );
    let loaded = Served::builder()
        .env_from([("MYAPP_CERT", "certs/a.pem")])
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().cert, Some(PathBuf::from("certs/a.pem")));
}

/// A `.env` file's variables are spelled as the builder's `env_*` methods
/// say, whether or not the stack also reads the environment.
#[test]
fn a_dotenv_file_follows_the_builders_prefix_without_an_env_layer() {
    let tmp = Tmp::new();
    let path = tmp.env("SVC_PORT=5\n");
    let loaded = App::builder()
        .env_prefix("SVC")
        .dotenv(&path)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 5);
    let path = tmp.env("MYAPP__DB__HOST=double\n");
    let loaded = App::builder()
        .env_double_underscore()
        .dotenv(&path)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().db.host, "double");
}

/// A `\n` escape is one character of the value, not a line of the file:
/// origins and warnings after it name the lines the file has.
#[test]
fn an_escaped_newline_does_not_move_later_lines() {
    let tmp = Tmp::new();
    assert_eq!(
        tmp.dotenv_error("MYAPP_NAME=\"a\\nb\\nc\"\nMYAPP_DB_POOL=x\n"),
        "error: `db.pool`: expected an integer (u32), found \"x\"\n  --> $DIR/.env:2:15"
    );
    let loaded = tmp.dotenv_loaded(
        "MYAPP_NAME=\"a\\nb\\nc\"\nMYAPP_PORT=1\n  export MYAPP_NAME = 'x\\ny'\n\
             MYAPP_TAGS=\"é\nè\"\nMYAPP_PORT=2\n",
    );
    assert_eq!(tmp.text(loaded.origin("port").unwrap()), "$DIR/.env:6:12");
    assert_eq!(tmp.text(loaded.origin("name").unwrap()), "$DIR/.env:3:23");
    assert_eq!(tmp.text(loaded.origin("tags").unwrap()), "$DIR/.env:4:12");
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| tmp.text(w)).collect();
    assert_eq!(
        warnings,
        [
            "MYAPP_NAME is set again (first on line 1); the later value wins\n  --> $DIR/.env:3:23",
            "MYAPP_PORT is set again (first on line 2); the later value wins\n  --> $DIR/.env:6:12",
        ]
    );
}

/// `${NAME}` reads the environment the builder reads (`env_from` stands in
/// for the process's), then the file's earlier lines. A name set in
/// neither reads as empty, with a warning at its place that does not show
/// the name (it may be part of a secret, as in `pa$word`); a `$` before
/// anything but a name or `{` is a `$`.
#[test]
fn substitution_reads_the_builders_environment_and_the_files_earlier_lines() {
    let tmp = Tmp::new();
    let loaded = tmp
        .dotenv(
            "MYAPP_NAME=${UPSTREAM_HOST}\nBASE=/srv\nDATABASE_URL=\"pg://${UPSTREAM_HOST}$BASE/${DB:-app}\"\n\
             MYAPP_DB_HOST=${PATH}\nMYAPP_DB_PASSWORD=pa$word\nMYAPP_TAGS=abc$123secret,'$x',\\$y,$\n",
        )
        .env_from([("UPSTREAM_HOST", "db.internal")])
        .load_full()
        .unwrap();
    let app = loaded.config();
    assert_eq!(app.name, "db.internal");
    assert_eq!(app.url.as_deref(), Some("pg://db.internal/srv/app"));
    // Not the test runner's own `PATH`: empty, so the default stays.
    assert_eq!(app.db.host, "localhost");
    assert_eq!(app.db.password.as_deref(), Some("pa"));
    assert_eq!(app.tags, ["abc$123secret", "$x", "$y", "$"]);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| tmp.text(w)).collect();
    let unset = |var: &str, at: &str| {
        format!(
            "the value of {var} names a variable that is not set (in the environment or \
             earlier in the file); it reads as empty\n  --> $DIR/.env:{at}\n  \
             = help: write `\\$` or use single quotes for a `$` that is only a `$`"
        )
    };
    assert_eq!(
        warnings,
        [
            unset("MYAPP_DB_HOST", "4:15"),
            unset("MYAPP_DB_PASSWORD", "5:21")
        ]
    );
    assert!(!warnings.concat().contains("word"), "{warnings:?}");
}

/// Inline JSON written without quotes around it keeps its own quotes, as
/// other readers of `.env` files keep them: a list of items with commas in
/// them, a map of sections.
#[test]
fn inline_json_without_quotes_around_it_is_read_as_json() {
    use std::collections::BTreeMap;
    #[derive(Config, Debug)]
    struct Up {
        port: u16,
    }
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Json {
        #[config(default = [])]
        tags: Vec<String>,
        #[config(nested)]
        ups: BTreeMap<String, Up>,
    }
    let tmp = Tmp::new();
    let path =
        tmp.env("MYAPP_TAGS=[\"a,b\", \"c\"]   # two tags\nMYAPP_UPS={\"eu\": {\"port\": 2}}\n");
    let app = Json::builder().dotenv(path).load().unwrap();
    assert_eq!(app.tags, ["a,b", "c"]);
    assert_eq!(app.ups["eu"].port, 2);
}
