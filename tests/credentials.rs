//! systemd credentials: a real `CREDENTIALS_DIRECTORY` given through the
//! builder's environment, names by key path and by variable, origins, the
//! place in the stack, and every bad credential as an error naming it.
//! Temporary paths are shown as `$DIR`.

use std::fs;

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::source::Credentials;
use staid::{Config, Origin};

/// A service.
#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(nested)]
    db: Db,
    #[config(env = "API_TOKEN", secret)]
    token: Option<String>,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(secret)]
    password: Option<String>,
}

impl Tmp {
    /// The builder's environment with `CREDENTIALS_DIRECTORY` set to this
    /// directory, and more variables.
    fn env(&self, more: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut vars = vec![(
            "CREDENTIALS_DIRECTORY".to_owned(),
            self.path().display().to_string(),
        )];
        vars.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        vars
    }

    /// A builder of `App` that reads this directory's credentials, in an
    /// environment with nothing else.
    fn builder(&self) -> staid::Builder<App> {
        App::builder().credentials().env_from(self.env(&[]))
    }
}

#[test]
fn credentials_set_fields_by_key_path_or_variable_with_one_newline_removed() {
    let tmp = Tmp::new();
    tmp.write("db.password", "hunter2\n");
    tmp.write("MYAPP_DB_HOST", "db.internal\n\n");
    tmp.write("API_TOKEN", "t0k3n\r\n");
    tmp.write("port", "9000");
    let loaded = tmp.builder().load_full().unwrap();
    let app = loaded.config();
    assert_eq!(app.db.password.as_deref(), Some("hunter2"));
    assert_eq!(app.db.host, "db.internal\n");
    assert_eq!(app.token.as_deref(), Some("t0k3n"));
    assert_eq!(app.port, 9000);
    assert_eq!(
        loaded.origin("db.password"),
        Some(&Origin::Credential {
            name: "db.password".to_owned(),
            path: tmp.path().join("db.password"),
        })
    );
    assert_eq!(
        loaded.explain().to_string(),
        "port = 9000                # credential port\n\
         db.host = \"db.internal\\n\"  # credential MYAPP_DB_HOST\n\
         db.password = \"<secret>\"   # credential db.password\n\
         token = \"<secret>\"         # credential API_TOKEN\n"
    );
}

/// A byte-order mark at the start of a credential (some Windows editors
/// write one) is not part of its value.
#[test]
fn a_credentials_byte_order_mark_is_not_part_of_it() {
    let tmp = Tmp::new();
    tmp.write("port", "\u{feff}9000\n");
    tmp.write("db.password", "\u{feff}hunter2");
    let app = tmp.builder().load().unwrap();
    assert_eq!(
        (app.port, app.db.password.as_deref()),
        (9000, Some("hunter2"))
    );
}

#[test]
fn the_environment_wins_over_credentials_and_print_config_masks_them() {
    let tmp = Tmp::new();
    tmp.write("db.password", "hunter2\n");
    tmp.write("port", "9000\n");
    let text = load::printed_config(
        App::builder()
            .discover()
            .credentials()
            .env_from(tmp.env(&[("MYAPP_PORT", "9001")]))
            .args(["myapp", "--print-config"]),
    );
    assert_eq!(
        text,
        "port = 9001               # env MYAPP_PORT\n\
         db.host = \"localhost\"     # default\n\
         db.password = \"<secret>\"  # credential db.password\n\
         # token is not set\n"
    );
}

#[test]
fn without_the_variable_there_are_no_credentials() {
    let loaded = App::builder()
        .credentials()
        .env_from([("HOME", "/nonexistent")])
        .load_full()
        .unwrap();
    assert_eq!(loaded.origin("db.password"), None);
}

#[test]
fn a_credential_for_no_field_is_a_warning() {
    let tmp = Tmp::new();
    tmp.write("db.password", "x");
    tmp.write("db.passwrd", "x");
    let loaded = tmp.builder().load_full().unwrap();
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        ["credential db.passwrd names no field\n  --> credential db.passwrd"]
    );
}

/// A name that is not UTF-8 names no field either, and is said so.
#[cfg(unix)]
#[test]
fn a_credential_whose_name_is_not_utf8_is_a_warning() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = Tmp::new();
    tmp.write("port", "9000");
    let name = std::ffi::OsStr::from_bytes(b"p\xffrt");
    std::fs::write(tmp.path().join(name), "1").unwrap();
    let loaded = tmp.builder().load_full().unwrap();
    assert_eq!(loaded.config().port, 9000);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        ["credential p\u{fffd}rt names no field (its name is not UTF-8)\n  --> credential p\u{fffd}rt"]
    );
}

#[test]
fn two_credentials_for_one_field_are_an_error_naming_both() {
    let tmp = Tmp::new();
    tmp.write("db.password", "hunter2\n");
    tmp.write("MYAPP_DB_PASSWORD", "swordfish\n");
    tmp.write("port", "9000\n");
    let err = tmp.builder().load().unwrap_err();
    let text = tmp.text(&err);
    assert_eq!(
        text,
        "error: `db.password`: both credentials MYAPP_DB_PASSWORD and db.password are set\n  \
         --> credential MYAPP_DB_PASSWORD\n  \
         = help: remove one of them from $DIR: a field takes one credential, by key path or \
         by variable"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("swordfish"),
        "{text}"
    );
    // --print-config shows what did load, and neither value.
    assert_eq!(
        load::printed_config(tmp.builder().args(["myapp", "--print-config"])),
        "port = 9000            # credential port\n\
         db.host = \"localhost\"  # default\n\
         # db.password is not set  <- source failed\n\
         # token is not set\n"
    );
}

#[test]
fn a_credential_that_is_a_directory_or_not_utf8_is_an_error_naming_it() {
    let tmp = Tmp::new();
    fs::create_dir(tmp.path().join("db.password")).unwrap();
    tmp.write("API_TOKEN", b"\xff\xfesecret");
    let err = tmp.builder().load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "2 problems in the configuration:\n\n\
         error: `token`: credential $DIR/API_TOKEN is not UTF-8 text\n  \
         --> credential API_TOKEN\n\n\
         error: `db.password`: cannot read credential $DIR/db.password: it is a directory, not a file\n  \
         --> credential db.password"
    );
}

/// A FIFO among the credentials is an error at once, not a load that
/// waits for a writer: the load runs on a thread, so a hang fails.
#[cfg(unix)]
#[test]
fn a_credential_that_is_a_fifo_is_an_error_without_waiting() {
    let tmp = Tmp::new();
    tmp.fifo("db.password");
    let builder = tmp.builder();
    let err = tmp::within_10s(move || builder.load().map(|_| ())).unwrap_err();
    assert_eq!(
        tmp.text(err),
        "error: `db.password`: cannot read credential $DIR/db.password: it is not a regular \
         file (a FIFO, a socket or a device)\n  --> credential db.password"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_credential_is_an_error_naming_it() {
    let tmp = Tmp::new();
    // Unreadable even by root: this process's memory at offset 0 is EIO.
    std::os::unix::fs::symlink("/proc/self/mem", tmp.path().join("db.password")).unwrap();
    let err = tmp.builder().load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: `db.password`: cannot read credential $DIR/db.password: Input/output error\n  \
         --> credential db.password"
    );
}

#[test]
fn a_credentials_directory_that_is_missing_or_a_file_is_an_error() {
    let tmp = Tmp::new();
    let file = tmp.write("creds", "");
    let err = App::builder()
        .credentials()
        .env_from([("CREDENTIALS_DIRECTORY", file.display().to_string())])
        .load()
        .unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: cannot read the credentials directory $DIR/creds: it is a file, not a directory"
    );
    let err = App::builder()
        .source(Credentials::in_dir(tmp.path().join("none")))
        .load()
        .unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: cannot read the credentials directory $DIR/none: No such file or directory"
    );
}

/// A Kubernetes Secret volume: each key a symlink into `..data`, which
/// points at a timestamped directory; the bookkeeping entries are skipped.
#[cfg(unix)]
#[test]
fn a_mounted_kubernetes_secret_is_read_by_in_dir() {
    use std::os::unix::fs::symlink;
    let tmp = Tmp::new();
    let stamp = tmp.path().join("..2026_12_01_10_00_00.1");
    fs::create_dir(&stamp).unwrap();
    fs::write(stamp.join("db.password"), "from-k8s\n").unwrap();
    symlink("..2026_12_01_10_00_00.1", tmp.path().join("..data")).unwrap();
    symlink("..data/db.password", tmp.path().join("db.password")).unwrap();
    let loaded = App::builder()
        .source(Credentials::in_dir(tmp.path()))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().db.password.as_deref(), Some("from-k8s"));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn a_missing_value_names_the_credential_among_the_ways_to_set_it() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    #[allow(dead_code)] // the load fails before it is read
    struct Needs {
        #[config(secret)]
        api_key: String,
    }
    let tmp = Tmp::new();
    let err = Needs::builder()
        .credentials()
        .env_from(tmp.env(&[]))
        .args(["myapp"])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `api_key`: missing required value\n  = help: set it with `api_key` in a \
         configuration file, the credential api_key, the environment variable MYAPP_API_KEY, \
         or the flag --api-key"
    );
}

/// A map entry's field takes a credential like any field: named by its key
/// path (`upstreams.eu.password`, a quoted entry too) or by its variable
/// (`GW_UPSTREAMS_SA_PASSWORD`), as `GW_UPSTREAMS_EU_PASSWORD` would set
/// it; two for one entry's field are an error naming both, and a name that
/// could be two entries' fields is an error naming both readings.
#[test]
fn credentials_set_fields_of_map_entries_by_key_path_or_variable() {
    use std::collections::BTreeMap;
    #[derive(Config, Debug)]
    #[config(name = "gw")]
    struct Gateway {
        #[config(nested)]
        upstreams: BTreeMap<String, Upstream>,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)] // `url` and `pool_password` are set, never read back
    struct Upstream {
        url: String,
        #[config(secret)]
        password: Option<String>,
        #[config(secret)]
        pool_password: Option<String>,
    }
    let tmp = Tmp::new();
    tmp.write("upstreams.eu.password", "eu-secret\n");
    tmp.write("upstreams.\"a.b\".password", "ab-secret\n");
    tmp.write("GW_UPSTREAMS_SA_PASSWORD", "sa-secret\n");
    let loaded = Gateway::builder()
        .credentials()
        .env_from(tmp.env(&[
            ("GW_UPSTREAMS_EU_URL", "http://eu"),
            ("GW_UPSTREAMS_SA_URL", "http://sa"),
        ]))
        .toml_str("[upstreams.\"a.b\"]\nurl = \"http://ab\"")
        .load_full()
        .unwrap();
    let up = &loaded.config().upstreams;
    let passwords: Vec<(&str, Option<&str>)> = up
        .iter()
        .map(|(k, u)| (k.as_str(), u.password.as_deref()))
        .collect();
    assert_eq!(
        passwords,
        [
            ("a.b", Some("ab-secret")),
            ("eu", Some("eu-secret")),
            ("sa", Some("sa-secret"))
        ]
    );
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    assert_eq!(
        loaded
            .origin("upstreams.sa.password")
            .map(ToString::to_string),
        Some("credential GW_UPSTREAMS_SA_PASSWORD".to_owned())
    );

    let tmp = Tmp::new();
    tmp.write("upstreams.eu.password", "hunter2\n");
    tmp.write("GW_UPSTREAMS_EU_PASSWORD", "swordfish\n");
    tmp.write("GW_UPSTREAMS_EU_POOL_PASSWORD", "x\n");
    tmp.write("upstreams.eu.passwd", "x\n");
    let err = Gateway::builder()
        .credentials()
        .env_from(tmp.env(&[("GW_UPSTREAMS_EU_URL", "http://eu")]))
        .load()
        .unwrap_err();
    let text = tmp.text(&err);
    assert_eq!(
        text,
        "2 problems in the configuration:\n\n\
         error: credential GW_UPSTREAMS_EU_POOL_PASSWORD could set \
         `upstreams.eu_pool.password` or `upstreams.eu.pool_password`\n  \
         --> credential GW_UPSTREAMS_EU_POOL_PASSWORD\n  \
         = help: name the file by the key path of the field it sets\n\n\
         error: `upstreams.eu.password`: both credentials GW_UPSTREAMS_EU_PASSWORD and \
         upstreams.eu.password are set\n  \
         --> credential GW_UPSTREAMS_EU_PASSWORD\n  \
         = help: remove one of them from $DIR: a field takes one credential, by key path or \
         by variable",
    );
    assert!(
        !text.contains("hunter2") && !text.contains("swordfish"),
        "{text}"
    );
    let warnings: Vec<String> = err.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["credential upstreams.eu.passwd names no field\n  --> credential upstreams.eu.passwd"]
    );

    // A missing value of an entry names its credential among the ways.
    let tmp = Tmp::new();
    tmp.write("upstreams.eu.password", "hunter2\n");
    let err = Gateway::builder()
        .credentials()
        .env_from(tmp.env(&[]))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `upstreams.eu.url`: missing required value\n  = help: set it with \
         `upstreams.eu.url` in a configuration file, the credential upstreams.eu.url, or the \
         environment variable GW_UPSTREAMS_EU_URL"
    );
}

/// Under a secret map, an entry's name may be secret too: the warning for
/// a credential that names no field, and its origin, show the mask in its
/// place.
#[test]
fn entry_names_under_a_secret_map_are_masked_in_credential_warnings() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Keys {
        #[config(secret, default = {})]
        keys: std::collections::BTreeMap<String, String>,
    }
    let tmp = Tmp::new();
    tmp.write("keys.alicecorp", "k-1\n");
    tmp.write("MYAPP_KEYS_BOBCORP", "k-2\n");
    let loaded = Keys::builder()
        .credentials()
        .env_from(tmp.env(&[]))
        .load_full()
        .unwrap();
    // A credential sets no entry of a plain map: the map keeps its default.
    assert!(loaded.config().keys.is_empty());
    let shown = format!("{:?}\n{}", loaded.warnings(), loaded.explain());
    assert!(!shown.contains("alicecorp"), "{shown}");
    assert!(!shown.to_lowercase().contains("bobcorp"), "{shown}");
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "credential MYAPP_KEYS_<secret> names no field\n  --> credential MYAPP_KEYS_<secret>",
            "credential keys.<secret> names no field\n  --> credential keys.<secret>"
        ]
    );
    // So is an unknown variable below the map's own.
    let loaded = Keys::builder()
        .env_from([("MYAPP_KEYS_CAROLCORP", "k-3")])
        .load_full()
        .unwrap();
    let shown = format!("{:?}", loaded.warnings());
    assert!(!shown.contains("CAROLCORP"), "{shown}");
    assert_eq!(
        loaded.warnings()[0].to_string(),
        "unknown environment variable MYAPP_KEYS_<secret>\n  --> env MYAPP_KEYS_<secret>"
    );
}
