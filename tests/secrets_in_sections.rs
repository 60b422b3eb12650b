//! Secret fields inside sections (an entry of a map of sections, an element
//! of a list) are set through variables that no leaf field spells: a map
//! entry's field (`SX_UPSTREAMS_EU_PASSWORD`) and inline JSON for the whole
//! list or map (`SX_ROUTES`). Those variables are secret wherever a secret
//! field's own variable is: in `--print-config`, `.env` substitutions and
//! Lua's `os.getenv`.

use std::collections::BTreeMap;

#[path = "support/load.rs"]
mod load;
#[path = "support/tmp.rs"]
mod tmp;

use staid::Config;

const MARK: &str = "abc123secret";

// Built to be loaded; not every field is read back.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct Up {
    url: Option<String>,
    #[config(secret)]
    password: Option<String>,
}

// Built to be loaded; not every field is read back.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct Route {
    path: Option<String>,
    #[config(secret)]
    token: Option<String>,
}

// Built to be loaded; not every field is read back.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct S3 {
    #[config(secret)]
    secret_key: Option<String>,
}

// Built to be loaded; not every field is read back.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct Disk {
    dir: Option<String>,
}

#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(tag = "kind")]
enum Store {
    S3(S3),
    Disk(Disk),
}

#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(name = "sx")]
struct App {
    #[config(nested)]
    upstreams: BTreeMap<String, Up>,
    #[config(nested)]
    routes: Vec<Route>,
    #[config(nested)]
    stores: BTreeMap<String, Store>,
    name: Option<String>,
}

/// Variables whose text holds the marker, one for each way a section's
/// secret is set from the environment: broken inline JSON for a list, a map
/// and a map of enum sections.
fn broken_inline_json() -> [(&'static str, String); 3] {
    [
        (
            "SX_ROUTES",
            format!(r#"[{{"path": "/a", "token": "{MARK}"}}"#),
        ),
        (
            "SX_UPSTREAMS",
            format!(r#"{{"eu": {{"url": "u", "password": "{MARK}"}}"#),
        ),
        (
            "SX_STORES",
            format!(r#"{{"a": {{"kind": "s3", "secret_key": "{MARK}"}}"#),
        ),
    ]
}

#[cfg(feature = "cli")]
#[test]
fn print_config_masks_inline_json_that_did_not_parse() {
    for (var, text) in broken_inline_json() {
        for form in [
            "--print-config",
            "--print-config=json",
            "--print-config=toml",
        ] {
            let builder = App::builder()
                .env_from([(var, text.clone())])
                .args(["sx", form]);
            let printed = load::printed_config(builder);
            assert!(!printed.contains(MARK), "{var} {form}:\n{printed}");
            assert!(printed.contains("<secret>"), "{var} {form}:\n{printed}");
        }
    }
}

#[cfg(feature = "cli")]
#[test]
fn print_config_masks_a_list_element_that_is_not_a_table() {
    // An element of a list of sections with a secret that did not read as
    // a table is shown masked, as a secret is.
    let builder = App::builder()
        .toml_str(format!("routes = [\"{MARK}\"]\n"))
        .args(["sx", "--print-config"]);
    let printed = load::printed_config(builder);
    assert!(!printed.contains(MARK), "{printed}");
    assert!(printed.contains("routes.0 = \"<secret>\""), "{printed}");
}

#[test]
fn a_dotenv_copy_of_a_sections_secret_is_refused() {
    let sources = [
        "SX_UPSTREAMS_EU_PASSWORD",
        "SX_STORES_A_SECRET_KEY",
        "SX_ROUTES",
    ];
    for source in sources {
        let tmp = tmp::Tmp::new();
        let text = format!("{source}={MARK}\nSX_NAME=${{{source}}}\n");
        let path = tmp.write(".env", text);
        let err = App::builder().dotenv(path).load_full().unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains(MARK), "{shown}");
        assert!(
            shown.contains(&format!(
                "SX_NAME takes the value of {source}, a secret field's variable"
            )),
            "{source}: {shown}"
        );
    }
}

#[test]
fn a_dotenv_copy_of_a_plain_entry_field_loads() {
    let tmp = tmp::Tmp::new();
    let path = tmp.write(
        ".env",
        "SX_UPSTREAMS_EU_URL=u\nSX_NAME=${SX_UPSTREAMS_EU_URL}\n",
    );
    let app = App::builder().dotenv(path).load().unwrap();
    assert_eq!(app.name.as_deref(), Some("u"));
    assert_eq!(app.upstreams["eu"].url.as_deref(), Some("u"));
}

#[cfg(feature = "lua")]
#[test]
fn lua_cannot_read_the_variables_of_a_sections_secret() {
    use staid::source::Lua;
    let vars = [
        ("SX_UPSTREAMS_EU_PASSWORD", MARK.to_owned()),
        ("SX_STORES_A_SECRET_KEY", MARK.to_owned()),
        ("SX_ROUTES", format!(r#"[{{"token": "{MARK}"}}]"#)),
        ("SX_UPSTREAMS_EU_URL", "plain".to_owned()),
        ("SX_STORES_A_KIND", "s3".to_owned()),
    ];
    for (var, _) in &vars[..3] {
        for allow in [false, true] {
            let script = format!("return {{ name = os.getenv('{var}') }}");
            let mut lua = Lua::text("t.lua", script);
            if allow {
                lua = lua.env_vars([*var]);
            }
            let app = App::builder()
                .env_from(vars.clone())
                .source(lua)
                .load()
                .unwrap();
            assert_eq!(app.name, None, "{var} read (allowlisted: {allow})");
        }
    }
    // A plain field of an entry stays readable.
    let app = App::builder()
        .env_from(vars.clone())
        .source(Lua::text(
            "t.lua",
            "return { name = os.getenv('SX_UPSTREAMS_EU_URL') }",
        ))
        .load()
        .unwrap();
    assert_eq!(app.name.as_deref(), Some("plain"));
}

#[cfg(feature = "lua")]
#[test]
fn keyed_hooks_see_no_secret_through_sections() {
    use staid::source::Lua;
    let toml = format!(
        "routes = [{{ path = \"/a\", token = \"{MARK}\" }}]\n\
         [upstreams.eu]\nurl = \"u\"\npassword = \"{MARK}\"\n\
         [stores.a]\nkind = \"s3\"\nsecret_key = \"{MARK}\"\n"
    );
    // Each hook fails, saying what it saw, if a secret reaches it; the
    // text is reversed so that the scrubbing of verbatim secrets cannot
    // hide a leak.
    let hooks = [
        ("", "v.routes[1].token"),
        ("", "v.upstreams.eu.password"),
        ("routes", "v[1].token"),
        ("routes.0", "v.token"),
        ("routes.0.token", "v"),
        ("upstreams", "v.eu.password"),
        ("upstreams.eu", "v.password"),
        ("upstreams.eu.password", "v"),
        ("stores.a", "v.secret_key"),
        ("stores.a.secret_key", "v"),
    ];
    for (key, seen) in hooks {
        let script = format!(
            "validate('{key}', function(v) local s = {seen} \
             return s == nil, 'saw ' .. tostring(s):reverse() end)"
        );
        let loaded = App::builder()
            .toml_str(toml.clone())
            .source(Lua::text("hook.lua", script))
            .load();
        let app = loaded.unwrap_or_else(|e| panic!("{key} {seen}: {e}"));
        assert_eq!(app.routes[0].path.as_deref(), Some("/a"));
    }
    // A plain field through the same keys is seen.
    let script = "validate('routes.0', function(v) return v.path == '/a', 'no path' end)\n\
                  validate('upstreams.eu', function(v) return v.url == 'u', 'no url' end)";
    let app = App::builder()
        .toml_str(toml)
        .source(Lua::text("hook.lua", script))
        .load();
    assert!(app.is_ok(), "{:?}", app.err().map(|e| e.to_string()));
}
