//! Drop-in directories: `myapp.d/` next to `myapp.toml` in each place
//! discovery looks, `Builder::dir` and `optional_dir`; order, origins,
//! skipped names, and every bad input as an error naming the drop-in. Paths
//! of temporary directories are shown as `$DIR` in the expected text.

use std::fs;

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::{Config, Origin};

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "app")]
    name: String,
    #[config(default = 1)]
    workers: u32,
}

/// A builder of `App` that reads the drop-ins of `conf.d/` in `tmp`.
fn conf_d(tmp: &Tmp) -> staid::Builder<App> {
    App::builder().dir(tmp.path().join("conf.d"))
}

fn origin(tmp: &Tmp, loaded: &staid::Loaded<App>, key: &str) -> String {
    tmp.text(loaded.origin(key).unwrap())
}

#[test]
fn discovery_reads_each_places_file_then_its_drop_ins_in_lexical_order() {
    let tmp = Tmp::new();
    tmp.write("etc/myapp.toml", "port = 1\nname = \"etc\"\nworkers = 1\n");
    tmp.write("etc/myapp.d/20-b.toml", "port = 3\n");
    // Lexical, not numeric: `100-` sorts before `20-`.
    tmp.write("etc/myapp.d/100-a.json", "{\"port\": 2, \"workers\": 5}");
    tmp.write("user/myapp.d/10-name.toml", "\nname = \"user\"\n");
    let loaded = App::builder()
        .source(staid::source::Discover::in_dirs([
            tmp.path().join("etc"),
            tmp.path().join("user"),
        ]))
        .load_full()
        .unwrap();
    let app = loaded.config();
    assert_eq!((app.port, app.name.as_str(), app.workers), (3, "user", 5));
    assert_eq!(
        origin(&tmp, &loaded, "port"),
        "$DIR/etc/myapp.d/20-b.toml:1:8"
    );
    assert_eq!(
        origin(&tmp, &loaded, "workers"),
        "$DIR/etc/myapp.d/100-a.json:1:24"
    );
    assert_eq!(
        origin(&tmp, &loaded, "name"),
        "$DIR/user/myapp.d/10-name.toml:2:8"
    );
}

#[test]
fn a_builder_directory_is_read_in_order_and_layers_with_the_rest() {
    let tmp = Tmp::new();
    let base = tmp.write("base.toml", "port = 1\nworkers = 2\n");
    tmp.write("conf.d/10-a.toml", "port = 2\n");
    tmp.write("conf.d/20-b.toml", "port = 3\n");
    let app = App::builder()
        .file(&base)
        .dir(tmp.path().join("conf.d"))
        .env_from([("MYAPP_WORKERS", "9")])
        .load()
        .unwrap();
    assert_eq!((app.port, app.workers), (3, 9));
}

#[test]
fn an_empty_directory_adds_nothing() {
    let tmp = Tmp::new();
    fs::create_dir(tmp.path().join("conf.d")).unwrap();
    let app = conf_d(&tmp).load().unwrap();
    assert_eq!(app.port, 8080);
}

#[test]
fn a_missing_directory_is_an_error_unless_optional() {
    let tmp = Tmp::new();
    let missing = tmp.path().join("conf.d");
    let err = App::builder().dir(&missing).load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: cannot read drop-in directory $DIR/conf.d: No such file or directory"
    );
    let app = App::builder().optional_dir(&missing).load().unwrap();
    assert_eq!(app.port, 8080);
}

#[test]
fn a_directory_that_is_a_file_is_an_error_even_when_optional() {
    let tmp = Tmp::new();
    let file = tmp.write("conf.d", "port = 1\n");
    let expected =
        "error: cannot read drop-in directory $DIR/conf.d: it is a file, not a directory";
    let err = App::builder().dir(&file).load().unwrap_err();
    assert_eq!(tmp.text(&err), expected);
    let err = App::builder().optional_dir(&file).load().unwrap_err();
    assert_eq!(tmp.text(&err), expected);
    // In a discovered place too: `myapp.d` is there, and it is not a directory.
    tmp.write("etc/myapp.d", "");
    let err = App::builder()
        .source(staid::source::Discover::in_dirs([tmp.path().join("etc")]))
        .load()
        .unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "error: cannot read drop-in directory $DIR/etc/myapp.d: it is a file, not a directory"
    );
}

#[test]
fn hidden_files_backups_and_other_extensions_are_skipped_and_look_alikes_warned() {
    let tmp = Tmp::new();
    tmp.write("conf.d/10-ok.toml", "port = 1\n");
    for skipped in [
        ".hidden.toml",
        "10-ok.toml~",
        ".10-ok.toml.swp",
        "#10-ok.toml#",
        "10-ok.toml.bak",
        "10-ok.toml.dpkg-old",
        "10-ok.toml.rpmnew",
        "10-ok.toml.rpmsave",
        "README",
        "notes.txt",
    ] {
        tmp.write(&format!("conf.d/{skipped}"), "port = 99\n");
    }
    tmp.write("conf.d/50-tuning.tml", "port = 98\n");
    fs::create_dir(tmp.path().join("conf.d/sub.toml")).unwrap();
    let loaded = conf_d(&tmp).load_full().unwrap();
    assert_eq!(loaded.config().port, 1);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| tmp.text(w)).collect();
    assert_eq!(
        warnings,
        [
            "$DIR/conf.d/50-tuning.tml: `.tml` is not an extension staid reads, \
          so it is skipped; rename it to `.toml` to read it"
        ]
    );
}

/// What is not a file among the drop-ins is passed over with a warning: a
/// FIFO, which would hold the load until a writer came, and a link to
/// nothing. The load runs on a thread, so that a hang fails the test.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_dangling_link_among_drop_ins_is_skipped_with_a_warning() {
    let tmp = Tmp::new();
    tmp.write("conf.d/10-a.toml", "port = 1\n");
    tmp.fifo("conf.d/30-c.toml");
    let gone = tmp.path().join("gone.toml");
    std::os::unix::fs::symlink(gone, tmp.path().join("conf.d/40-d.toml")).unwrap();
    let dir = tmp.path().join("conf.d");
    let loaded = tmp::within_10s(move || App::builder().dir(dir).load_full().unwrap());
    let port = loaded.config().port;
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(port, 1);
    let warnings: Vec<String> = warnings.iter().map(|w| tmp.text(w)).collect();
    assert_eq!(
        warnings,
        [
            "$DIR/conf.d/30-c.toml: it is not a regular file (a FIFO, a socket or a device), so \
             it is skipped",
            "$DIR/conf.d/40-d.toml: it is a link to nothing, so it is skipped",
        ]
    );
}

#[test]
fn every_broken_drop_in_is_reported_with_its_own_path_and_the_rest_still_read() {
    let tmp = Tmp::new();
    tmp.write("conf.d/10-a.toml", "port = [\n");
    tmp.write("conf.d/20-b.toml", "name = \"b\"\n");
    tmp.write("conf.d/30-c.json", "{\"workers\": \"many\"}");
    let err = conf_d(&tmp).load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        r#"2 problems in the configuration:

error: invalid TOML: unclosed array, expected `]`
  --> $DIR/conf.d/10-a.toml:1:9
   |
 1 | port = [
   |         ^

error: `workers`: expected an integer (u32), found string "many"
  --> $DIR/conf.d/30-c.json:1:13
   |
 1 | {"workers": "many"}
   |             ^^^^^^"#
    );
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_drop_in_is_reported_by_its_path() {
    let tmp = Tmp::new();
    tmp.write("conf.d/10-a.toml", "port = 1\n");
    fs::create_dir_all(tmp.path().join("conf.d")).unwrap();
    // A file that cannot be read even by root: reading this process's
    // memory at offset 0 fails with EIO.
    std::os::unix::fs::symlink("/proc/self/mem", tmp.path().join("conf.d/20-b.toml")).unwrap();
    tmp.write("conf.d/30-c.toml", "port = x\n");
    let err = conf_d(&tmp).load().unwrap_err();
    assert_eq!(
        tmp.text(&err),
        "2 problems in the configuration:

error: cannot read $DIR/conf.d/20-b.toml: Input/output error

error: invalid TOML: string values must be quoted
  --> $DIR/conf.d/30-c.toml:1:8
   |
 1 | port = x
   |        ^
  = help: a string is written in quotes: key = \"text\""
    );
}

#[test]
fn explain_names_the_drop_in() {
    let tmp = Tmp::new();
    tmp.write("conf.d/50-tuning.toml", "# tuning\nworkers = 16\n");
    let loaded = conf_d(&tmp).load_full().unwrap();
    assert_eq!(
        tmp.text(loaded.explain()),
        "port = 8080   # default\n\
         name = \"app\"  # default\n\
         workers = 16  # $DIR/conf.d/50-tuning.toml:2:11\n"
    );
    assert!(matches!(
        loaded.origin("workers"),
        Some(Origin::File { line: 2, .. })
    ));
}

#[cfg(feature = "lua")]
#[test]
fn a_lua_drop_in_sees_the_drop_ins_before_it() {
    let tmp = Tmp::new();
    tmp.write("conf.d/10-a.toml", "port = 10\n");
    tmp.write("conf.d/20-b.lua", "return { workers = config.port + 1 }\n");
    let app = conf_d(&tmp).load().unwrap();
    assert_eq!(app.workers, 11);
}

#[test]
fn help_and_env_usage_list_the_discovered_files_and_drop_in_directories() {
    let builder = App::builder()
        .discover()
        .env_from([("XDG_CONFIG_HOME", "/home/u/.config")]);
    let e = match cfg!(feature = "lua") {
        true => "{toml,json,lua}",
        false => "{toml,json}",
    };
    let places = format!(
        "Configuration files, lowest first:\n  \
         /etc/myapp/myapp.{e}\n  \
         /etc/myapp/myapp.d/*.{e}\n  \
         /home/u/.config/myapp/myapp.{e}\n  \
         /home/u/.config/myapp/myapp.d/*.{e}\n  \
         ./myapp.{e}\n  \
         ./myapp.d/*.{e}\n  \
         --config <FILE> or MYAPP_CONFIG\n"
    );
    let usage = builder.env_usage();
    assert!(usage.contains(&format!("\n\n{places}\n")), "{usage}");
    let err = builder.args(["myapp", "--help"]).load().unwrap_err();
    let Some(staid::Exit::Help(help)) = err.as_exit() else {
        panic!("not help: {err}");
    };
    // `--help` ends with where configuration comes from, lowest first.
    let listed = format!(
        "  defaults\n  \
         /etc/myapp/myapp.{e} if it exists\n  \
         /etc/myapp/myapp.d/*.{e} if it exists\n  \
         /home/u/.config/myapp/myapp.{e} if it exists\n  \
         /home/u/.config/myapp/myapp.d/*.{e} if it exists\n  \
         ./myapp.{e} if it exists\n  \
         ./myapp.d/*.{e} if it exists\n  \
         the file named by --config or MYAPP_CONFIG\n"
    );
    assert!(help.contains(&listed), "{help}");
    // Without discovery, nothing is listed.
    assert!(!App::builder().env_usage().contains("Configuration files"));
}

/// The XDG base directory specification: a relative `XDG_CONFIG_HOME` is
/// ignored, and `$HOME/.config` is read instead; a `HOME` that is empty or
/// relative names no user directory at all (`.config` would be one below
/// the working directory).
#[test]
fn a_relative_xdg_config_home_or_home_is_ignored() {
    let e = match cfg!(feature = "lua") {
        true => "{toml,json,lua}",
        false => "{toml,json}",
    };
    let places = |vars: &[(&str, &str)]| -> Vec<String> {
        let usage = App::builder()
            .discover()
            .env_from(vars.to_vec())
            .env_usage();
        let (_, files) = usage
            .split_once("Configuration files, lowest first:\n")
            .expect("the places are listed");
        files
            .lines()
            .take_while(|l| !l.is_empty())
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.starts_with("/etc/") && !l.starts_with("--config"))
            .collect()
    };
    let home = [
        format!("/home/u/.config/myapp/myapp.{e}"),
        format!("/home/u/.config/myapp/myapp.d/*.{e}"),
        format!("./myapp.{e}"),
        format!("./myapp.d/*.{e}"),
    ];
    assert_eq!(
        places(&[("XDG_CONFIG_HOME", "relative"), ("HOME", "/home/u")]),
        home
    );
    assert_eq!(
        places(&[("XDG_CONFIG_HOME", "./conf"), ("HOME", "/home/u")]),
        home
    );
    let cwd = &home[2..];
    assert_eq!(places(&[("HOME", "")]), cwd);
    assert_eq!(places(&[("HOME", "u")]), cwd);
    assert_eq!(places(&[("XDG_CONFIG_HOME", "conf"), ("HOME", "u")]), cwd);
}
