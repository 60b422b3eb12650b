//! Enum sections: `#[derive(Config)]` on an enum of unit variants and
//! newtypes of `Config` structs, selected by a tag key.

use std::collections::BTreeMap;

use staid::Config;

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(nested)]
    storage: Storage,
    #[config(nested)]
    backup: Option<Storage>,
    #[config(nested)]
    mirrors: Vec<Storage>,
    #[config(nested)]
    caches: BTreeMap<String, Cache>,
}

/// Where data is kept.
#[derive(Config, Debug, PartialEq)]
enum Storage {
    /// In memory only.
    Memory,
    /// An S3 bucket.
    S3(S3Storage),
    #[config(rename = "fs")]
    LocalDisk(Disk),
}

#[derive(Config, Debug, PartialEq)]
struct S3Storage {
    bucket: String,
    #[config(default = "us-east-1")]
    region: String,
}

#[derive(Config, Debug, PartialEq)]
struct Disk {
    path: String,
}

#[derive(Config, Debug, PartialEq)]
#[config(tag = "type", rename_all = "kebab-case")]
enum Cache {
    InProcess,
    RedisCluster(Redis),
}

#[derive(Config, Debug, PartialEq)]
struct Redis {
    url: String,
}

fn s3(bucket: &str) -> Storage {
    Storage::S3(S3Storage {
        bucket: bucket.into(),
        region: "us-east-1".into(),
    })
}

fn load(toml: &str) -> Result<App, staid::Error> {
    App::builder().toml_str(toml).load()
}

#[test]
fn the_tag_selects_the_variant_and_its_defaults_apply() {
    let app = load(
        "[storage]\nkind = \"s3\"\nbucket = \"b\"\n\n[backup]\nkind = \"memory\"\n\n\
         [[mirrors]]\nkind = \"fs\"\npath = \"/m\"\n\n[caches.a]\ntype = \"redis-cluster\"\nurl = \"r\"\n\
         [caches.b]\ntype = \"in-process\"\n",
    )
    .unwrap();
    assert_eq!(app.storage, s3("b"));
    assert_eq!(app.backup, Some(Storage::Memory));
    assert_eq!(
        app.mirrors,
        [Storage::LocalDisk(Disk { path: "/m".into() })]
    );
    assert_eq!(
        app.caches["a"],
        Cache::RedisCluster(Redis { url: "r".into() })
    );
    assert_eq!(app.caches["b"], Cache::InProcess);
}

#[test]
fn the_environment_selects_and_fills_a_variant() {
    let loaded = App::builder()
        .env_from([
            ("MYAPP_STORAGE_KIND", "s3"),
            ("MYAPP_STORAGE_BUCKET", "env-bucket"),
            ("MYAPP_CACHES_A_TYPE", "redis-cluster"),
            ("MYAPP_CACHES_A_URL", "u"),
        ])
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().storage, s3("env-bucket"));
    assert_eq!(
        loaded.config().caches["a"],
        Cache::RedisCluster(Redis { url: "u".into() })
    );
    assert_eq!(
        loaded.explain().to_string(),
        "storage.kind = \"s3\"              # env MYAPP_STORAGE_KIND\n\
         storage.bucket = \"env-bucket\"    # env MYAPP_STORAGE_BUCKET\n\
         storage.region = \"us-east-1\"     # default\n\
         # backup is not set\n\
         # mirrors is not set\n\
         caches.a.type = \"redis-cluster\"  # env MYAPP_CACHES_A_TYPE\n\
         caches.a.url = \"u\"               # env MYAPP_CACHES_A_URL\n"
    );
}

#[test]
fn flags_fill_a_variant() {
    let app = App::builder()
        .args(["myapp", "--storage-kind", "fs", "--storage-path", "/p"])
        .load()
        .unwrap();
    assert_eq!(app.storage, Storage::LocalDisk(Disk { path: "/p".into() }));
}

#[test]
fn no_tag() {
    assert_eq!(
        load("[storage]\nbucket = \"b\"\n").unwrap_err().to_string(),
        "error: `storage.kind`: missing the variant's tag\n  \
         = help: set `storage.kind` to one of \"memory\", \"s3\", \"fs\""
    );
    assert_eq!(
        load("").unwrap_err().to_string(),
        "error: `storage.kind`: missing the variant's tag\n  \
         = help: set `storage.kind` to one of \"memory\", \"s3\", \"fs\""
    );
}

#[test]
fn an_unknown_tag_lists_the_variants_with_a_suggestion() {
    assert_eq!(
        load("[storage]\nkind = \"S3\"\n").unwrap_err().to_string(),
        "error: `storage.kind`: unknown variant \"S3\", expected one of \"memory\", \"s3\", \"fs\"\n  \
         --> <toml>:2:8\n   |\n 2 | kind = \"S3\"\n   |        ^^^^\n  = help: did you mean \"s3\"?"
    );
}

#[test]
fn a_tag_of_the_wrong_type() {
    assert_eq!(
        load("[storage]\nkind = 3\n").unwrap_err().to_string(),
        "error: `storage.kind`: expected a string (one of \"memory\", \"s3\", \"fs\"), found integer\n  \
         --> <toml>:2:8\n   |\n 2 | kind = 3\n   |        ^"
    );
}

#[test]
fn keys_of_another_variant() {
    assert_eq!(
        load("[storage]\nkind = \"fs\"\npath = \"/p\"\nbucket = \"b\"\n")
            .unwrap_err()
            .to_string(),
        "error: `storage.bucket`: unknown key\n  --> <toml>:4:1\n   |\n 4 | bucket = \"b\"\n   | ^^^^^^\n  \
         = help: `bucket` is a key of the variant `kind = \"s3\"`"
    );
    assert_eq!(
        load("[storage]\nkind = \"memory\"\npath = \"/p\"\n")
            .unwrap_err()
            .to_string(),
        "error: `storage.path`: unknown key\n  --> <toml>:3:1\n   |\n 3 | path = \"/p\"\n   | ^^^^\n  \
         = help: `path` is a key of the variant `kind = \"fs\"`"
    );
}

#[test]
fn the_chosen_variant_is_checked_like_any_struct() {
    assert_eq!(
        load("[storage]\nkind = \"s3\"\nregion = 1\n")
            .unwrap_err()
            .to_string(),
        "2 problems in the configuration:\n\n\
         error: `storage.bucket`: missing required value\n  = help: set it with `storage.bucket` \
         in a configuration file\n\n\
         error: `storage.region`: expected a string, found integer 1\n  --> <toml>:3:10\n   |\n \
         3 | region = 1\n   |          ^"
    );
}

#[test]
fn an_enum_section_that_is_not_a_table() {
    assert_eq!(
        load("storage = \"s3\"\n").unwrap_err().to_string(),
        "error: `storage`: expected a table, found string\n  --> <toml>:1:11\n   |\n \
         1 | storage = \"s3\"\n   |           ^^^^"
    );
}

#[test]
fn the_schema_lists_the_tag_and_variants() {
    let (tag, variants) = Storage::SCHEMA.tag().unwrap();
    assert_eq!(tag.key, "kind");
    let names: Vec<_> = variants.iter().map(|v| v.name).collect();
    assert_eq!(names, ["memory", "s3", "fs"]);
    assert_eq!(variants[1].doc, "An S3 bucket.");
    assert!(variants[0].schema.is_none());
}

#[test]
fn env_usage_says_when_a_variant_field_is_required() {
    let usage = App::builder().env_usage();
    let line = |var: &str| {
        usage
            .lines()
            .find(|l| l.starts_with(var))
            .unwrap_or_else(|| panic!("{var} in {usage}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("MYAPP_STORAGE_KIND "),
        "MYAPP_STORAGE_KIND String yes Which variant: one of `memory`, `s3`, `fs`."
    );
    assert_eq!(
        line("MYAPP_STORAGE_BUCKET "),
        "MYAPP_STORAGE_BUCKET String if storage.kind = \"s3\""
    );
    assert_eq!(
        line("MYAPP_BACKUP_KIND "),
        "MYAPP_BACKUP_KIND String if backup is set Which variant: one of `memory`, `s3`, `fs`."
    );
}

/// A higher layer that changes the variant replaces the section: the keys
/// the layers below set for the other variant go with it. One that keeps
/// the variant merges key by key, as any table does.
#[test]
fn a_higher_layer_can_switch_the_variant() {
    let base = "[storage]\nkind = \"s3\"\nbucket = \"b\"\nregion = \"eu-west-1\"\n\
                [backup]\nkind = \"fs\"\npath = \"/bk\"\n";
    let app = App::builder()
        .toml_str(base)
        .toml_str("[storage]\nkind = \"memory\"\n")
        .load()
        .unwrap();
    assert_eq!(app.storage, Storage::Memory);
    let app = App::builder()
        .toml_str(base)
        .env_from([
            ("MYAPP_STORAGE_KIND", "fs"),
            ("MYAPP_STORAGE_PATH", "/data"),
            ("MYAPP_BACKUP_KIND", "memory"),
        ])
        .env()
        .load()
        .unwrap();
    assert_eq!(
        app.storage,
        Storage::LocalDisk(Disk {
            path: "/data".into()
        })
    );
    assert_eq!(app.backup, Some(Storage::Memory));
    // An entry of a map of enum sections, likewise.
    let caches = "[caches.a]\ntype = \"redis-cluster\"\nurl = \"redis://r\"\n";
    let app = App::builder()
        .toml_str(base)
        .toml_str(caches)
        .toml_str("[caches.a]\ntype = \"in-process\"\n")
        .load()
        .unwrap();
    assert_eq!(app.caches["a"], Cache::InProcess);
    let app = App::builder()
        .toml_str(base)
        .toml_str(caches)
        .env_from([("MYAPP_CACHES_A_TYPE", "in-process")])
        .env()
        .load()
        .unwrap();
    assert_eq!(app.caches["a"], Cache::InProcess);
    // The same variant: the region from below stays.
    let app = App::builder()
        .toml_str(base)
        .toml_str("[storage]\nkind = \"s3\"\nbucket = \"c\"\n")
        .load()
        .unwrap();
    assert_eq!(
        app.storage,
        Storage::S3(S3Storage {
            bucket: "c".into(),
            region: "eu-west-1".into()
        })
    );
}

/// A tag below that names no variant, fixed by a higher layer: nothing
/// switched, so the keys set below stay and are built as the variant the
/// higher layer names (or reported as its unknown keys).
#[test]
fn a_misspelt_tag_fixed_above_keeps_the_keys_set_with_it() {
    let app = App::builder()
        .toml_str("[storage]\nkind = \"s4\"\nbucket = \"b\"\n")
        .env_from([("MYAPP_STORAGE_KIND", "s3")])
        .load()
        .unwrap();
    assert_eq!(app.storage, s3("b"));
    let err = App::builder()
        .toml_str("[storage]\nkind = \"f\"\npath = \"/data\"\n")
        .toml_str("[storage]\nkind = \"s3\"\n")
        .load()
        .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("`storage.path`: unknown key"), "{shown}");
    assert!(
        shown.contains("`storage.bucket`: missing required value"),
        "{shown}"
    );
}
