//! Key case: `#[config(rename_all = "..")]` sets the keys in files; env
//! variables and flags keep coming from the Rust field names; a field's own
//! `rename` renames all three.

// Some structs exist only for their schema or their errors.
#![allow(dead_code)]

#[path = "support/load.rs"]
mod load;

use staid::Config;

#[derive(Config, Debug)]
#[config(name = "myapp", rename_all = "kebab-case")]
struct App {
    max_connections: u32,
    #[config(rename = "log_target")]
    log_destination: String,
    #[config(nested)]
    tls_options: Tls,
}

#[derive(Config, Debug)]
#[config(rename_all = "camelCase")]
struct Tls {
    #[config(default = "")]
    cert_file: String,
}

#[test]
fn file_keys_follow_the_case() {
    let app = load::toml::<App>(
        "max-connections = 5\nlog_target = \"x\"\n[tls-options]\ncertFile = \"c\"\n",
    );
    assert_eq!(app.max_connections, 5);
    assert_eq!(app.log_destination, "x");
    assert_eq!(app.tls_options.cert_file, "c");
}

#[test]
fn env_and_flags_come_from_the_rust_names() {
    let app = load::env::<App>([
        ("MYAPP_MAX_CONNECTIONS", "7"),
        ("MYAPP_TLS_OPTIONS_CERT_FILE", "e"),
        ("MYAPP_LOG_TARGET", "t"),
    ]);
    assert_eq!(app.max_connections, 7);
    assert_eq!(app.tls_options.cert_file, "e");
    let app = App::builder()
        .args([
            "myapp",
            "--max-connections",
            "8",
            "--log-target",
            "f",
            "--tls-options-cert-file",
            "g",
        ])
        .load()
        .unwrap();
    assert_eq!(app.max_connections, 8);
    assert_eq!(app.tls_options.cert_file, "g");
}

#[test]
fn a_snake_case_key_in_a_kebab_case_file_is_unknown_with_a_suggestion() {
    let err = load::toml_error::<App>("max_connections = 5\nlog_target = \"x\"\n");
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:\n\n\
         error: `max-connections`: missing required value\n  \
         = help: set it with `max-connections` in a configuration file\n\n\
         error: `max_connections`: unknown key\n  --> <toml>:1:1\n   |\n 1 | max_connections = 5\n   \
         | ^^^^^^^^^^^^^^^\n  = help: did you mean `max-connections`?"
    );
}

#[test]
fn missing_value_help_names_the_file_key_and_the_rust_spelled_env_and_flag() {
    let err = App::builder()
        .env_from([("MYAPP_LOG_TARGET", "t")])
        .args(["myapp"])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `max-connections`: missing required value\n  = help: set it with \
         `max-connections` in a configuration file, the environment variable \
         MYAPP_MAX_CONNECTIONS, or the flag --max-connections"
    );
}

#[test]
fn every_serde_case_name() {
    macro_rules! case {
        ($case:literal, $key:literal) => {{
            #[derive(Config, Debug)]
            #[config(rename_all = $case)]
            struct C {
                #[config(default = 0)]
                max_open_files: u32,
            }
            assert_eq!(C::SCHEMA.fields[0].key, $key, "{}", $case);
            assert_eq!(C::SCHEMA.fields[0].name, "max_open_files");
        }};
    }
    case!("lowercase", "max_open_files");
    case!("UPPERCASE", "MAX_OPEN_FILES");
    case!("PascalCase", "MaxOpenFiles");
    case!("camelCase", "maxOpenFiles");
    case!("snake_case", "max_open_files");
    case!("SCREAMING_SNAKE_CASE", "MAX_OPEN_FILES");
    case!("kebab-case", "max-open-files");
    case!("SCREAMING-KEBAB-CASE", "MAX-OPEN-FILES");
}

/// A type may derive both: staid reads it through its own derive and never
/// through `Deserialize` (as a section); `#[serde]` attributes are refused
/// at compile time (tests/ui/serde_attribute.rs) so the two cannot disagree.
#[derive(Config, serde::Deserialize, Debug)]
struct Both {
    #[config(default = 1)]
    n: u32,
}

#[test]
fn a_type_deriving_both_is_a_section_with_nested_and_a_serde_value_without() {
    #[derive(Config, Debug)]
    struct Outer {
        #[config(nested)]
        section: Both,
        value: Option<Both>,
    }
    let o = load::toml::<Outer>("value = { n = 3 }\n");
    assert_eq!(
        o.section.n, 1,
        "the section's default comes from the schema"
    );
    assert_eq!(o.value.unwrap().n, 3);
    let err = load::toml_error::<Outer>("value = {}\n");
    assert!(
        err.to_string().contains("missing field `n`"),
        "serde knows nothing of staid's defaults: {err}"
    );
}
