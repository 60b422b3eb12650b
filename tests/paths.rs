//! `#[config(path)]`: relative paths set in a file mean "next to that
//! file"; from the environment, flags and defaults they stay relative to the
//! working directory. Temporary paths are shown as `$DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::Config;

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(path, default = "tls/default.pem")]
    cert: PathBuf,
    #[config(path)]
    key: Option<PathBuf>,
    #[config(path, default = [])]
    include: Vec<PathBuf>,
    /// Not a path field: left as written.
    #[config(default = "")]
    note: String,
    #[config(nested)]
    sites: BTreeMap<String, Site>,
}

#[derive(Config, Debug)]
struct Site {
    #[config(path)]
    root: PathBuf,
}

#[test]
fn relative_paths_in_a_file_resolve_against_its_directory() {
    let tmp = Tmp::new();
    let file = tmp.write(
        "etc/myapp.toml",
        "cert = \"tls/server.pem\"\nkey = \"/abs/server.key\"\n\
         include = [\"a.toml\", \"../b.toml\"]\nnote = \"tls/x\"\n",
    );
    let loaded = App::builder().file(&file).load_full().unwrap();
    let app = loaded.config();
    assert_eq!(app.cert, tmp.path().join("etc/tls/server.pem"));
    assert_eq!(app.key.as_deref(), Some(Path::new("/abs/server.key")));
    assert_eq!(
        app.include,
        [
            tmp.path().join("etc/a.toml"),
            tmp.path().join("etc/../b.toml")
        ]
    );
    assert_eq!(app.note, "tls/x");
    // The column of origins depends on the temporary directory's length.
    let explain: Vec<String> = tmp
        .text(loaded.explain())
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        explain,
        [
            "cert = \"$DIR/etc/tls/server.pem\" # $DIR/etc/myapp.toml:1:8",
            "key = \"/abs/server.key\" # $DIR/etc/myapp.toml:2:7",
            "include = [\"$DIR/etc/a.toml\", \"$DIR/etc/../b.toml\"] # $DIR/etc/myapp.toml:3:11",
            "note = \"tls/x\" # $DIR/etc/myapp.toml:4:8",
            "# sites is not set",
        ]
    );
}

#[test]
fn environment_flags_and_defaults_stay_relative_to_the_working_directory() {
    let tmp = Tmp::new();
    let file = tmp.write("etc/myapp.toml", "key = \"k.pem\"\n");
    let app = App::builder()
        .file(&file)
        .env_from([("MYAPP_KEY", "env/k.pem"), ("MYAPP_INCLUDE", "x.toml")])
        .args(["myapp"])
        .load()
        .unwrap();
    assert_eq!(app.cert, Path::new("tls/default.pem"));
    assert_eq!(app.key.as_deref(), Some(Path::new("env/k.pem")));
    assert_eq!(app.include, [Path::new("x.toml")]);
    let app = App::builder()
        .args(["myapp", "--key", "flag/k.pem"])
        .load()
        .unwrap();
    assert_eq!(app.key.as_deref(), Some(Path::new("flag/k.pem")));
}

#[test]
fn a_map_entry_resolves_against_the_file_that_set_it() {
    let tmp = Tmp::new();
    let base = tmp.write("etc/myapp.toml", "[sites.a]\nroot = \"www/a\"\n");
    tmp.write("etc/myapp.d/50-b.toml", "[sites.b]\nroot = \"www/b\"\n");
    let app = App::builder()
        .file(&base)
        .dir(tmp.path().join("etc/myapp.d"))
        .load()
        .unwrap();
    assert_eq!(app.sites["a"].root, tmp.path().join("etc/www/a"));
    assert_eq!(app.sites["b"].root, tmp.path().join("etc/myapp.d/www/b"));
}

#[cfg(unix)]
#[test]
fn a_path_that_is_not_utf8_in_the_environment_is_an_error_naming_the_variable() {
    use std::os::unix::ffi::OsStringExt;
    let bad = std::ffi::OsString::from_vec(b"/srv/\xff.pem".to_vec());
    let err = App::builder()
        .env_from_os([("MYAPP_CERT", bad)])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `cert`: the value is not valid UTF-8\n  --> env MYAPP_CERT"
    );
}

#[cfg(feature = "lua")]
#[test]
fn a_relative_path_in_a_lua_layer_resolves_against_the_scripts_directory() {
    let tmp = Tmp::new();
    let script = tmp.write("conf/myapp.lua", "return { cert = \"tls/lua.pem\" }\n");
    let app = App::builder().file(&script).load().unwrap();
    assert_eq!(app.cert, tmp.path().join("conf/tls/lua.pem"));
}

/// Text a source names by a URL has no directory here: a relative path in
/// it stays relative rather than being joined to the URL.
#[test]
fn a_relative_path_from_text_named_by_a_url_stays_relative() {
    #[derive(Config, Debug)]
    struct Tls {
        #[config(path)]
        cert: Option<PathBuf>,
    }
    let tls = Tls::builder()
        .source(staid::source::Text::new(
            staid::source::Format::Toml,
            "https://cfg.example.com/v1/app.toml",
            "cert = \"tls/c.pem\"",
        ))
        .load()
        .unwrap();
    assert_eq!(tls.cert.as_deref(), Some(Path::new("tls/c.pem")));
}

/// Path fields only deep inside sections: in the elements of a list, an
/// optional section, a section of a section and an enum section's variant.
#[derive(Config, Debug)]
struct Deep {
    #[config(nested)]
    servers: Vec<Server>,
    #[config(nested)]
    tls: Option<Tls>,
    #[config(nested)]
    outer: Outer,
    #[config(nested)]
    storage: Storage,
}

#[derive(Config, Debug)]
struct Server {
    #[config(path)]
    root: PathBuf,
}

#[derive(Config, Debug)]
struct Tls {
    #[config(path)]
    cert: PathBuf,
}

#[derive(Config, Debug)]
struct Outer {
    #[config(nested)]
    inner: Tls,
}

#[derive(Config, Debug)]
enum Storage {
    Memory,
    Disk(Disk),
}

#[derive(Config, Debug)]
struct Disk {
    #[config(path)]
    dir: PathBuf,
}

#[test]
fn path_fields_found_only_deep_in_sections_resolve_too() {
    let tmp = Tmp::new();
    let file = tmp.write(
        "etc/deep.toml",
        "[[servers]]\nroot = \"www\"\n[tls]\ncert = \"tls.pem\"\n\
         [outer.inner]\ncert = \"inner.pem\"\n[storage]\nkind = \"disk\"\ndir = \"data\"\n",
    );
    let deep = Deep::builder().file(&file).load().unwrap();
    let etc = tmp.path().join("etc");
    assert_eq!(deep.servers[0].root, etc.join("www"));
    assert_eq!(deep.tls.unwrap().cert, etc.join("tls.pem"));
    assert_eq!(deep.outer.inner.cert, etc.join("inner.pem"));
    let Storage::Disk(disk) = deep.storage else {
        panic!("the disk variant was chosen");
    };
    assert_eq!(disk.dir, etc.join("data"));
}

/// A `.env` file is a file: its relative paths resolve against its
/// directory, a list's text item by item, split as the build splits it
/// (commas, or inline JSON).
#[test]
fn a_dotenv_list_of_paths_resolves_item_by_item() {
    let tmp = Tmp::new();
    let sub = tmp.path().join("sub");
    for (text, expected) in [
        ("MYAPP_INCLUDE=a.pem,b.pem\n", ["a.pem", "b.pem"]),
        (
            "MYAPP_INCLUDE='[\"a.pem\", \"b.pem\"]'\n",
            ["a.pem", "b.pem"],
        ),
        ("MYAPP_INCLUDE=a.pem,/abs/b.pem\n", ["a.pem", "/abs/b.pem"]),
    ] {
        let env = tmp.write("sub/.env", text);
        let app = App::builder().dotenv(&env).load().unwrap();
        let expected: Vec<PathBuf> = expected.iter().map(|p| sub.join(p)).collect();
        assert_eq!(app.include, expected, "{text}");
    }
}
