//! Lua layers: what a script sees, what it returns, its validate hooks, and
//! the errors a user gets.
#![cfg(feature = "lua")]

/// The service of fixtures/lua/plugin.lua, as the example defines it.
#[path = "../examples/lua_plugin.rs"]
#[allow(dead_code)]
mod example;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use example::Svc;
#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::source::{Discover, Format, Lua};
use staid::{Config, Origin, ProblemKind};

const PLUGIN: &str = "fixtures/lua/plugin.lua";

/// The example's layers: its TOML file, then the plugin, told that the host
/// has `cpus` CPUs.
fn plugin(cpus: u32) -> staid::Builder<Svc> {
    Svc::builder()
        .file("fixtures/lua/svc.toml")
        .source(Lua::file(PLUGIN).host("cpus", cpus))
}

fn lua_at(script: &str, line: usize) -> Origin {
    Origin::Lua {
        script: Arc::from(Path::new(script)),
        line: Some(line),
    }
}

#[test]
fn a_script_computes_values_from_the_layers_below_and_the_host() {
    let loaded = plugin(3)
        .env_from([("DEPLOY_REGION", "eu-west")])
        .load_full()
        .unwrap();
    let svc = loaded.config();
    assert_eq!(svc.workers, 6);
    assert_eq!(svc.region, "eu-west");
    assert_eq!(
        svc.db.url.as_deref(),
        Some("postgres://svc@db1.internal:5432/orders")
    );
    assert_eq!(svc.db.pool, 12);
    assert_eq!(
        (svc.db.user.as_str(), svc.db.port, svc.db.name.as_str()),
        ("svc", 5432, "orders")
    );
    assert_eq!(loaded.origin("workers"), Some(&lua_at(PLUGIN, 27)));
    assert_eq!(loaded.origin("db.url"), Some(&lua_at(PLUGIN, 29)));
    assert_eq!(loaded.origin("db.pool"), Some(&lua_at(PLUGIN, 30)));
    assert_eq!(loaded.origin("region"), Some(&lua_at(PLUGIN, 32)));
    assert_eq!(loaded.origin("db.port"), Some(&Origin::Default));
    assert_eq!(
        loaded.explain().to_string(),
        "\
workers = 6                                       # fixtures/lua/plugin.lua:27
region = \"eu-west\"                                # fixtures/lua/plugin.lua:32
db.user = \"svc\"                                   # fixtures/lua/svc.toml:2:8
db.host = \"db1.internal\"                          # fixtures/lua/svc.toml:3:8
db.port = 5432                                    # default
db.name = \"orders\"                                # fixtures/lua/svc.toml:4:8
db.url = \"postgres://svc@db1.internal:5432/orders\"  # fixtures/lua/plugin.lua:29
db.pool = 12                                      # fixtures/lua/plugin.lua:30
"
    );
}

#[test]
fn validate_hooks_see_the_final_configuration_after_env() {
    // The environment sets 100 workers after the script ran: the hook sees
    // them as a number and rejects them, along with the other problems.
    let err = plugin(2)
        .env_from([("SVC_WORKERS", "100"), ("SVC_DB_PORT", "x")])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:\n\
         \n\
         error: `db.port`: expected an integer (u16), found \"x\"\n  --> env SVC_DB_PORT\n\
         \n\
         error: `workers`: 100 workers is more than 4 per CPU (2 CPUs)\n  --> fixtures/lua/plugin.lua:16"
    );
}

#[test]
fn a_hook_can_fail_by_returning_false_and_a_message() {
    let err = plugin(2)
        .env_from([("SVC_DB_POOL", "50")])
        .load()
        .unwrap_err();
    let problem = &err.problems()[0];
    assert_eq!(err.len(), 1);
    assert_eq!(problem.kind(), ProblemKind::Validation);
    assert_eq!(
        problem.message(),
        "db.pool is larger than 4 connections per worker"
    );
    // The line where the hook was registered.
    assert_eq!(problem.origin(), Some(&lua_at(PLUGIN, 20)));
}

#[derive(Config, Debug)]
struct Mixed {
    #[config(default = 1)]
    count: i64,
    #[config(default = 0.5)]
    ratio: f64,
    name: Option<String>,
    #[config(default = ["x"])]
    tags: Vec<String>,
    labels: Option<HashMap<String, String>>,
    limits: Option<BTreeMap<String, u32>>,
    list: Option<Vec<u32>>,
    on: Option<bool>,
}

fn mixed(script: &str) -> Result<Mixed, staid::Error> {
    Mixed::builder().source(Lua::text("t.lua", script)).load()
}

#[test]
fn integers_stay_integers_and_floats_stay_floats() {
    let m = mixed("return { count = 7, ratio = 2 }").unwrap();
    assert_eq!((m.count, m.ratio), (7, 2.0));
    let err = mixed("return { count = 7.0 }").unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `count`: expected an integer (i64), found float 7\n  --> t.lua:1"
    );
    let loaded = Mixed::builder()
        .source(Lua::text(
            "t.lua",
            "return { count = 1 << 40, ratio = 1 / 4 }",
        ))
        .load_full()
        .unwrap();
    assert_eq!(
        loaded.tree().get("count").unwrap().kind,
        staid::Kind::Integer(1 << 40)
    );
    assert_eq!(
        loaded.tree().get("ratio").unwrap().kind,
        staid::Kind::Float(0.25)
    );
}

#[test]
fn an_empty_table_is_an_empty_list_or_an_empty_map() {
    let m = mixed("return { tags = {}, labels = {}, limits = {}, list = {} }").unwrap();
    assert!(m.tags.is_empty());
    assert_eq!(m.labels, Some(HashMap::new()));
    assert_eq!(m.limits, Some(BTreeMap::new()));
    assert_eq!(m.list, Some(Vec::new()));
    let m = mixed("return { tags = {'a', 'b'}, labels = { a = 'x' } }").unwrap();
    assert_eq!(m.tags, ["a", "b"]);
    assert_eq!(m.labels.unwrap()["a"], "x");
}

#[test]
fn a_mixed_table_is_an_error_naming_the_script_and_key() {
    let err = Mixed::builder()
        .file("fixtures/lua/mixed.lua")
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `tags`: a table cannot have both list items and named keys (here 2 item(s) \
         and `x`): use a list or a table of keys\n  --> fixtures/lua/mixed.lua:2"
    );
}

#[test]
fn values_that_are_not_configuration_are_errors_naming_the_key() {
    let err = mixed(
        "return {\n  name = print or function() end,\n  list = { [1] = 1, [3] = 3 },\n  \
         labels = { [true] = 'x' },\n}",
    )
    .unwrap_err();
    let text: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "`labels`: keys must be strings (or 1, 2, 3... for a list), found the boolean true\n  --> t.lua:4",
            "`list`: a list must have items 1 to 3 without gaps, but item 2 is missing\n  --> t.lua:3",
            "`name`: a function cannot be a configuration value\n  --> t.lua:2",
        ]
    );
    let err = mixed("return 42").unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the script must return a table of values or nothing, not the number 42\n  --> t.lua"
    );
}

/// A table that gets values from its metatable would lose them in the copy
/// (only a table's own entries are read): it is an error, not a default.
#[test]
fn a_table_with_inherited_or_listed_values_is_an_error() {
    let err = mixed(
        "local base = { count = 9000, name = 'svc' }\n\
         local prod = setmetatable({ name = 'prod' }, { __index = base })\n\
         assert(prod.count == 9000)\n\
         return prod\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the table has a metatable with `__index`: only a plain table is read whole as \
         configuration (copy what the metatable gives into one)\n  --> t.lua"
    );
    let err = mixed(
        "local data = { a = 'x' }\n\
         return {\n  labels = setmetatable({}, { __pairs = function() return next, data end }),\n}",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `labels`: the table has a metatable with `__pairs`: only a plain table is read \
         whole as configuration (copy what the metatable gives into one)\n  --> t.lua:3"
    );
    // Other metamethods leave a table's entries its own.
    let m =
        mixed("return setmetatable({ name = 'n' }, { __tostring = function() return 'x' end })")
            .unwrap();
    assert_eq!(m.name.as_deref(), Some("n"));
    // The read-only configuration is returned as it is.
    let m = Mixed::builder()
        .toml_str("name = 'below'\n[labels]\na = 'x'\n")
        .source(Lua::text(
            "t.lua",
            "return { labels = config.labels, name = config.name .. '!' }",
        ))
        .load()
        .unwrap();
    assert_eq!(m.name.as_deref(), Some("below!"));
    assert_eq!(m.labels.unwrap()["a"], "x");
}

#[test]
fn returning_nothing_adds_nothing() {
    let m = mixed("local x = 1").unwrap();
    assert_eq!((m.count, m.ratio, m.tags.len()), (1, 0.5, 1));
    let m = mixed("return nil").unwrap();
    assert_eq!(m.count, 1);
}

#[test]
fn nil_is_absent_there_is_no_null() {
    let m = Mixed::builder()
        .toml_str("count = 5")
        .source(Lua::text(
            "t.lua",
            "assert(config.name == nil)\n\
             assert(config.missing == nil)\n\
             assert(config.count == 5 and math.type(config.count) == 'integer')\n\
             -- nil sets nothing: it cannot unset a lower layer's value.\n\
             return { count = nil, name = 'set' }",
        ))
        .load()
        .unwrap();
    assert_eq!(m.count, 5);
    assert_eq!(m.name.as_deref(), Some("set"));
}

#[test]
fn rawset_cannot_write_into_the_configuration_either() {
    // `rawset` skips the metatable that refuses `config.count = 2`; it is
    // refused by name, at the script's line, for sections too.
    for (script, line) in [
        ("rawset(config, 'count', 2)\n", 1),
        ("local x = 1\nrawset(config.labels, 'k', 'w')\n", 2),
        // Nor through what `pairs` gives: its state is the view itself.
        ("local f, d = pairs(config)\nd.count = 2\n", 2),
        (
            "local f, d = pairs(config.labels)\nrawset(d, 'k', 'w')\n",
            2,
        ),
    ] {
        let err = Mixed::builder()
            .toml_str("labels = { k = 'v' }")
            .source(Lua::text("t.lua", script))
            .load()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "error: the configuration is read-only: return a table with the values to set\n  --> t.lua:{line}"
            ),
            "{script}"
        );
    }
    // On a table of the script's own it still works.
    let m = Mixed::builder()
        .source(Lua::text(
            "t.lua",
            "local t = {}\nrawset(t, 'name', 'raw')\nreturn t",
        ))
        .load()
        .unwrap();
    assert_eq!(m.name.as_deref(), Some("raw"));
}

#[test]
fn the_configuration_seen_by_a_script_is_read_only() {
    let err = Mixed::builder()
        .source(Lua::text(
            "t.lua",
            "local n = #config.tags\nconfig.count = 2\n",
        ))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the configuration is read-only: return a table with the values to set\n  --> t.lua:2"
    );
    // Reading it in every way works, and a view can be returned as a value.
    let m = Mixed::builder()
        .toml_str("tags = ['a', 'b']\nlabels = { k = 'v' }")
        .source(Lua::text(
            "t.lua",
            "local seen = {}\n\
             for i, t in ipairs(config.tags) do seen[#seen + 1] = i .. t end\n\
             for k, v in pairs(config.labels) do seen[#seen + 1] = k .. v end\n\
             assert(#config.tags == 2)\n\
             return { name = table.concat(seen, ','), list = {}, limits = config.labels and {} }",
        ))
        .load()
        .unwrap();
    assert_eq!(m.name.as_deref(), Some("1a,2b,kv"));
    let m = Mixed::builder()
        .toml_str("tags = ['a', 'b']")
        .source(Lua::text("t.lua", "return { tags = config.tags }"))
        .load_full()
        .unwrap();
    assert_eq!(m.config().tags, ["a", "b"]);
    assert_eq!(m.origin("tags.1"), Some(&lua_at("t.lua", 1)));
}

#[test]
fn env_text_is_seen_typed_by_the_field() {
    let m = Mixed::builder()
        .env_from([("MIXED_COUNT", "41"), ("MIXED_ON", "true")])
        .source(Lua::text(
            "t.lua",
            "return { count = config.count + 1, on = not config.on }",
        ))
        .env_prefix("MIXED")
        .load()
        .unwrap();
    assert_eq!(m.count, 42);
    assert_eq!(m.on, Some(false));
}

#[test]
fn os_getenv_reads_the_builders_environment_only() {
    std::env::set_var("STAID_LUA_TEST_PROCESS_ONLY", "leak");
    let m = Mixed::builder()
        .env_from([("GREETING", "hello")])
        .unknown_env(staid::Unknown::Ignore)
        .source(Lua::text(
            "t.lua",
            "return { name = os.getenv('GREETING') .. tostring(os.getenv('STAID_LUA_TEST_PROCESS_ONLY')) }",
        ))
        .load()
        .unwrap();
    assert_eq!(m.name.as_deref(), Some("hellonil"));
}

/// What `os.getenv` reads without `Lua::env_vars`: `name` of each of
/// `vars`, or `nil`.
fn getenv(vars: &[&str]) -> Vec<String> {
    vars.iter()
        .map(|var| {
            Mixed::builder()
                .env_from([(*var, "s3cr3t-value")])
                .source(Lua::text(
                    "t.lua",
                    format!("return {{ name = tostring(os.getenv('{var}')) }}"),
                ))
                .load()
                .unwrap()
                .name
                .unwrap()
        })
        .collect()
}

#[test]
fn os_getenv_hides_variables_named_as_credentials() {
    // The names tools read credentials from, however the words are joined.
    let hidden = [
        "PGPASSWORD",
        "MYSQL_PWD",
        "SSHPASS",
        "APITOKEN",
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "STRIPE_APIKEY",
        "apiKey",
        "SMTP_PASSWD",
        "GPG_PASSPHRASE",
        "TLS_PRIVATE_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "NPM_AUTH",
        "OAUTH",
        "HTTP_AUTHORIZATION",
        "SESSION_COOKIE",
        "SIM_PIN",
        "DB_PW",
    ];
    assert_eq!(getenv(&hidden), vec!["nil"; hidden.len()]);
    // Ordinary names are read.
    let seen = [
        "PATH",
        "HOME",
        "USER",
        "PWD",
        "OLDPWD",
        "AUTHOR",
        "KEYBOARD",
        "PASSENGERS",
    ];
    assert_eq!(getenv(&seen), vec!["s3cr3t-value"; seen.len()]);
}

/// A secret field's variable is hidden from `os.getenv` however the stack
/// spells it: by a second env layer's prefix, a separator of its own, or
/// a field's name under `rename_all`.
#[test]
fn os_getenv_hides_a_secrets_variable_in_every_env_layers_spelling() {
    // The secrets are set to be hidden, not read back.
    #[allow(dead_code)]
    #[derive(Config, Debug)]
    #[config(name = "myapp", rename_all = "camelCase")]
    struct Held {
        #[config(secret)]
        dsn: Option<String>,
        #[config(secret)]
        db_dsn: Option<String>,
        seen: Option<String>,
    }
    let script = |var: &str| {
        staid::source::Lua::text(
            "peek.lua",
            format!("return {{ seen = string.reverse(tostring(os.getenv('{var}'))) }}"),
        )
    };
    let value = "postgres://u:hunter2@db/x";
    let cases = [
        ("OTHER_DSN", staid::source::Env::prefixed("OTHER_")),
        (
            "SVC--DSN",
            staid::source::Env::prefixed("SVC--").separator("--"),
        ),
        ("MYAPP_DB_DSN", staid::source::Env::prefixed("MYAPP_")),
    ];
    for (var, layer) in cases {
        let app = Held::builder()
            .env_from([(var, value)])
            .source(layer)
            .source(script(var))
            .load()
            .unwrap();
        assert_eq!(app.seen.as_deref(), Some("lin"), "{var}");
    }
}

#[test]
fn syntax_and_runtime_errors_name_the_script_and_line() {
    let err = Mixed::builder()
        .file("fixtures/lua/syntax.lua")
        .file("fixtures/lua/runtime.lua")
        .load()
        .unwrap_err();
    assert_eq!(err.problems()[0].kind(), ProblemKind::Syntax);
    assert_eq!(err.problems()[1].kind(), ProblemKind::Source);
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:\n\
         \n\
         error: Lua syntax error: unexpected symbol near ','\n  --> fixtures/lua/syntax.lua:4\n\
         \n\
         error: no database for 8080\n  --> fixtures/lua/runtime.lua:3"
    );
}

#[test]
fn a_missing_script_is_an_io_error_unless_optional() {
    let err = Mixed::builder()
        .file("fixtures/lua/nope.lua")
        .load()
        .unwrap_err();
    assert_eq!(err.problems()[0].kind(), ProblemKind::Io);
    assert!(Mixed::builder()
        .source(Lua::optional_file("fixtures/lua/nope.lua"))
        .load()
        .is_ok());
}

#[test]
fn discovery_finds_lua_files_and_text_layers_run_lua() {
    let dir = Tmp::new();
    dir.write("svc.toml", "workers = 2\n[db]\nuser = \"u\"\n");
    dir.write(
        "svc.lua",
        "return { region = 'r' .. config.workers, db = { host = 'h', name = 'n' } }",
    );
    let svc = Svc::builder()
        .source(Discover::in_dirs([dir.path()]))
        .source(Lua::text(
            "inline.lua",
            "return { workers = config.workers + 1 }",
        ))
        .load()
        .unwrap();
    assert_eq!((svc.workers, svc.region.as_str()), (3, "r2"));
    assert_eq!(svc.db.host, "h");
    // A script is run by its own loader, not parsed as a format.
    assert_eq!(Format::from_path(Path::new("a.lua")), None);
}

#[test]
fn keyed_hooks_name_their_key_and_every_hook_runs() {
    let err = mixed(
        "validate('count', function(n) if n < 10 then error('count must be at least 10') end end)\n\
         validate('ratio', function(r, cfg) return r < cfg.count end)\n\
         validate(function(cfg) assert(#cfg.tags > 1, 'need two tags') end)\n\
         return { ratio = 5.0 }",
    )
    .unwrap_err();
    let text: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "`count`: count must be at least 10\n  --> t.lua:1",
            "`ratio`: validation failed\n  --> t.lua:2",
            "need two tags\n  --> t.lua:3",
        ]
    );
    let err = mixed("validate(42)").unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: validate expects a function, or a key and a function\n  --> t.lua:1"
    );
}

/// A hook's failure always has a line: where it raised when Lua says,
/// otherwise where it was registered.
#[test]
fn hook_failures_without_a_position_keep_a_line() {
    let err = mixed(
        "local Err = { __tostring = function(e) return 'workers: ' .. e.msg end }\n\
         \n\
         validate(function(cfg)\n\
           error(setmetatable({ msg = 'too many' }, Err))\n\
         end)\n\
         validate('count', function(n) error('count is ' .. n, 0) end)\n\
         validate(function() error({}) end)\n\
         validate(error)\n\
         return {}\n",
    )
    .unwrap_err();
    let text: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "workers: too many\n  --> t.lua:4",
            "`count`: count is 1\n  --> t.lua:6",
            "table\n  --> t.lua:7",
            // Raised by no line of the script: where it was registered.
            "table\n  --> t.lua:8",
        ]
    );
    // The script's own errors too.
    let err = mixed("local x = 1\nerror('no position', 0)").unwrap_err();
    assert_eq!(err.to_string(), "error: no position\n  --> t.lua:2");
}

#[test]
fn hooks_do_not_run_when_the_script_failed() {
    let err = mixed("validate(function() error('hook ran') end)\nreturn { count = {1, x = 2} }")
        .unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(err.problems()[0].message().contains("both list items"));
}

#[test]
fn limits_are_configurable() {
    let err = Mixed::builder()
        .source(
            Lua::text("t.lua", "local s = string.rep('x', 4 * 1024 * 1024)").memory_limit(1 << 20),
        )
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the script exceeded its memory limit of 1 MiB\n  --> t.lua\n  \
         = help: raise it with `staid::source::Lua::memory_limit`"
    );
    let err = Mixed::builder()
        .source(Lua::text("t.lua", "for i = 1, 1e6 do end").instruction_limit(10_000))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the script exceeded its instruction limit of 10000\n  --> t.lua"
    );
    // The same script runs with the default limits.
    assert!(Mixed::builder()
        .source(Lua::text("t.lua", "for i = 1, 1e6 do end"))
        .load()
        .is_ok());
}

#[test]
fn a_bad_script_does_not_hide_the_problems_of_other_layers() {
    let err = Mixed::builder()
        .toml_str("count = 'x'")
        .source(Lua::text("t.lua", "return { ratio = 'y' }"))
        .load()
        .unwrap_err();
    let keys: Vec<_> = err.problems().iter().map(|p| p.key()).collect();
    assert_eq!(keys, [Some("count"), Some("ratio")]);
}

#[derive(Config, Debug)]
struct Route {
    path: String,
}

#[derive(Config, Debug)]
struct Routes {
    #[config(nested)]
    routes: Vec<Route>,
    #[config(nested, merge = "append")]
    extra: Vec<Route>,
}

/// `{}` cannot say whether it is a list or a map; for a list of sections
/// it is an empty list, as it is for a list of values.
#[test]
fn an_empty_table_is_an_empty_list_of_sections() {
    let routes = Routes::builder()
        .toml_str("[[extra]]\npath = \"/a\"")
        .source(Lua::text("t.lua", "return { routes = {}, extra = {} }"))
        .load()
        .unwrap();
    assert!(routes.routes.is_empty());
    let paths: Vec<_> = routes.extra.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a"]);
    let err = Routes::builder()
        .source(Lua::text("t.lua", "return { routes = 5 }"))
        .load()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected an array of tables, found integer"),
        "{err}"
    );
}

#[derive(Config, Debug)]
#[allow(dead_code)] // loaded only to fail
struct Vault {
    #[config(secret)]
    token: Option<String>,
    #[config(default = 1)]
    port: u16,
}

/// A script that does not parse has no values yet to tell a secret by, so
/// its syntax errors never quote a string or number literal; other tokens
/// are quoted as Lua quotes them.
#[test]
fn syntax_errors_quote_no_literal() {
    let err = |script: &str| {
        Vault::builder()
            .source(Lua::text("v.lua", script))
            .load()
            .unwrap_err()
            .to_string()
    };
    let shown = err("return {\n  token = \"hunter2-SECRET\n}\n");
    assert_eq!(
        shown,
        "error: Lua syntax error: unfinished string near a string\n  --> v.lua:2"
    );
    let shown = err("return { token = [[hunter2-SECRET\n");
    assert!(!shown.contains("hunter2"), "{shown}");
    let shown = err("return { token = .5hunter2 }");
    assert!(
        !shown.contains("hunter2") && !shown.contains(".5h"),
        "{shown}"
    );
    let shown = err("return { port = 12x4 }");
    assert!(shown.contains("malformed number near a number"), "{shown}");
    let shown = err("return { port = 1,, }");
    assert!(shown.contains("unexpected symbol near ','"), "{shown}");
}
