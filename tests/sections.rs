//! Sections: `#[config(nested)]` on lists, maps and options of `Config`
//! structs. Each element is built like a nested struct (defaults, required
//! fields, unknown keys, every problem), has origins, and can be set from
//! files and the environment.

use std::collections::{BTreeMap, HashMap};

#[path = "support/load.rs"]
mod load;

use staid::{Config, Origin, ProblemKind};

#[derive(Config, Debug, PartialEq)]
#[config(name = "myapp")]
struct App {
    #[config(nested)]
    routes: Vec<Route>,
    #[config(nested)]
    upstreams: BTreeMap<String, Upstream>,
    #[config(nested)]
    tls: Option<Tls>,
    #[config(default = 8080)]
    port: u16,
}

#[derive(Config, Debug, PartialEq)]
struct Route {
    path: String,
    #[config(default = 1000)]
    timeout_ms: u64,
    #[config(default = ["GET"])]
    methods: Vec<String>,
}

#[derive(Config, Debug, PartialEq)]
struct Upstream {
    url: String,
    #[config(default = 1)]
    weight: u32,
}

#[derive(Config, Debug, PartialEq)]
struct Tls {
    cert: String,
    #[config(default = "/etc/key.pem")]
    key: String,
}

fn route(path: &str, timeout_ms: u64) -> Route {
    Route {
        path: path.into(),
        timeout_ms,
        methods: vec!["GET".into()],
    }
}

#[test]
fn nothing_set_gives_empty_collections_and_no_option() {
    let app = App::builder().load().unwrap();
    assert_eq!(
        app,
        App {
            routes: vec![],
            upstreams: BTreeMap::new(),
            tls: None,
            port: 8080
        }
    );
}

#[test]
fn lists_maps_and_options_from_toml_with_defaults_per_element() {
    let app = load::toml::<App>(
            "[[routes]]\npath = \"/a\"\n\n[[routes]]\npath = \"/b\"\ntimeout_ms = 5\n\n\
             [upstreams.eu]\nurl = \"http://eu\"\n\n[upstreams.us]\nurl = \"http://us\"\nweight = 3\n\n\
             [tls]\ncert = \"c.pem\"\n",
        );
    assert_eq!(app.routes, [route("/a", 1000), route("/b", 5)]);
    assert_eq!(app.upstreams["eu"].weight, 1);
    assert_eq!(app.upstreams["us"].weight, 3);
    assert_eq!(
        app.tls,
        Some(Tls {
            cert: "c.pem".into(),
            key: "/etc/key.pem".into()
        })
    );
}

#[test]
fn lists_from_json_arrays() {
    let app =
        load::json::<App>(r#"{"routes": [{"path": "/j"}], "upstreams": {"x": {"url": "u"}}}"#);
    assert_eq!(app.routes, [route("/j", 1000)]);
    assert_eq!(app.upstreams["x"].url, "u");
}

#[test]
fn an_empty_table_makes_an_option_section_present() {
    #[derive(Config, Debug)]
    struct Opt {
        #[config(nested)]
        cache: Option<Cache>,
    }
    #[derive(Config, Debug, PartialEq)]
    struct Cache {
        #[config(default = 64)]
        size: u32,
    }
    let app = load::toml::<Opt>("[cache]\n");
    assert_eq!(app.cache, Some(Cache { size: 64 }));
    let app = Opt::builder().load().unwrap();
    assert_eq!(app.cache, None);
}

#[test]
fn every_problem_in_every_element_with_key_paths() {
    let err = load::toml_error::<App>(
            "[[routes]]\npath = \"/a\"\n\n[[routes]]\ntimeout_ms = \"x\"\n\n[[routes]]\npaht = \"/c\"\n\n\
             [upstreams.eu]\nweight = 2\n",
        );
    assert_eq!(
        err.to_string(),
        r#"5 problems in the configuration:

error: `routes.1.path`: missing required value
  = help: set it with `routes.1.path` in a configuration file

error: `routes.1.timeout_ms`: expected an integer (u64), found string "x"
  --> <toml>:5:14
   |
 5 | timeout_ms = "x"
   |              ^^^

error: `routes.2.path`: missing required value
  = help: set it with `routes.2.path` in a configuration file

error: `routes.2.paht`: unknown key
  --> <toml>:8:1
   |
 8 | paht = "/c"
   | ^^^^
  = help: did you mean `path`?

error: `upstreams.eu.url`: missing required value
  = help: set it with `upstreams.eu.url` in a configuration file"#
    );
}

#[test]
fn required_inside_an_option_only_when_present() {
    let err = load::toml_error::<App>("[tls]\nkey = \"k\"\n");
    assert_eq!(
        err.to_string(),
        "error: `tls.cert`: missing required value\n  \
         = help: set it with `tls.cert` in a configuration file"
    );
    assert!(App::builder().load().is_ok());
}

#[test]
fn origins_and_explain_for_every_element_value() {
    let loaded = App::builder()
        .toml_str("[[routes]]\npath = \"/a\"\n\n[upstreams.eu]\nurl = \"u\"\n")
        .env_from([("MYAPP_UPSTREAMS_EU_WEIGHT", "7")])
        .load_full()
        .unwrap();
    assert_eq!(
        loaded.origin("routes.0.path").unwrap().to_string(),
        "<toml>:2:8"
    );
    assert_eq!(loaded.origin("routes.0.timeout_ms"), Some(&Origin::Default));
    assert_eq!(
        loaded.origin("upstreams.eu.weight").unwrap().to_string(),
        "env MYAPP_UPSTREAMS_EU_WEIGHT"
    );
    assert_eq!(
        loaded.explain().to_string(),
        "routes.0.path = \"/a\"        # <toml>:2:8\n\
         routes.0.timeout_ms = 1000  # default\n\
         routes.0.methods = [\"GET\"]  # default\n\
         upstreams.eu.url = \"u\"      # <toml>:5:7\n\
         upstreams.eu.weight = 7     # env MYAPP_UPSTREAMS_EU_WEIGHT\n\
         # tls is not set\n\
         port = 8080                 # default\n"
    );
}

#[test]
fn a_higher_list_replaces_a_lower_one_and_maps_merge_by_entry() {
    let app = App::builder()
        .toml_str(
            "[[routes]]\npath = \"/a\"\n[[routes]]\npath = \"/b\"\n[upstreams.eu]\nurl = \"eu\"\n",
        )
        .toml_str(
            "[[routes]]\npath = \"/c\"\n[upstreams.eu]\nweight = 9\n[upstreams.us]\nurl = \"us\"\n",
        )
        .load()
        .unwrap();
    assert_eq!(app.routes, [route("/c", 1000)]);
    assert_eq!(app.upstreams["eu"].url, "eu");
    assert_eq!(app.upstreams["eu"].weight, 9);
    assert_eq!(app.upstreams["us"].url, "us");
}

#[test]
fn merge_append_adds_a_higher_list_to_the_lower() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Appending {
        #[config(nested, merge = "append")]
        routes: Vec<Route>,
    }
    let app = Appending::builder()
        .toml_str("[[routes]]\npath = \"/a\"\n")
        .toml_str("[[routes]]\npath = \"/b\"\n")
        .env_from([("MYAPP_ROUTES", r#"[{"path": "/e"}]"#)])
        .load()
        .unwrap();
    let paths: Vec<_> = app.routes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a", "/b", "/e"]);
}

#[test]
fn env_inline_json_for_a_whole_list_or_map() {
    let loaded = load::env_loaded::<App>([
        ("MYAPP_ROUTES", r#"[{"path": "/a", "timeout_ms": "20"}]"#),
        ("MYAPP_UPSTREAMS", r#"{"eu": {"url": "http://eu"}}"#),
    ]);
    let app = loaded.config();
    assert_eq!(app.routes, [route("/a", 20)]);
    assert_eq!(app.upstreams["eu"].url, "http://eu");
    assert_eq!(
        loaded.origin("routes.0.path").unwrap().to_string(),
        "env MYAPP_ROUTES"
    );
}

#[test]
fn env_map_entries_field_by_field() {
    let app = App::builder()
        .toml_str("[upstreams.eu]\nurl = \"file\"\n")
        .env_from([
            ("MYAPP_UPSTREAMS_EU_URL", "http://eu"),
            ("MYAPP_UPSTREAMS_EU_WEST_URL", "http://eu-west"),
            ("MYAPP_UPSTREAMS_EU_WEST_WEIGHT", "4"),
        ])
        .load()
        .unwrap();
    assert_eq!(app.upstreams["eu"].url, "http://eu");
    assert_eq!(app.upstreams["eu_west"].url, "http://eu-west");
    assert_eq!(app.upstreams["eu_west"].weight, 4);
}

/// An entry's name is read in any case, so two variables that differ
/// only in its case set one field: an error naming both, and neither read.
#[test]
fn two_variables_for_one_entrys_field_are_an_error_naming_both() {
    let err = App::builder()
        .env_from([
            ("MYAPP_UPSTREAMS_EU_URL", "http://a"),
            ("MYAPP_UPSTREAMS_eu_URL", "http://b"),
        ])
        .load()
        .unwrap_err();
    let problems: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "`upstreams.eu.url`: both MYAPP_UPSTREAMS_EU_URL and MYAPP_UPSTREAMS_eu_URL set this \
          entry's field\n  --> env MYAPP_UPSTREAMS_eu_URL\n  = help: unset one of them: an \
          entry's name is read in any case"
        ],
        "{err}"
    );
}

/// An entry's field has a `_FILE` form too, as every field does: the
/// value is read from the file it names, and the two set together are an
/// error naming both.
#[test]
fn env_map_entries_read_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("url");
    std::fs::write(&path, "http://from-file\n").unwrap();
    let file = path.to_str().unwrap();
    let loaded = load::env_loaded::<App>([("MYAPP_UPSTREAMS_EU_URL_FILE", file)]);
    assert_eq!(loaded.config().upstreams["eu"].url, "http://from-file");
    assert_eq!(
        loaded.origin("upstreams.eu.url"),
        Some(&Origin::EnvFile {
            var: "MYAPP_UPSTREAMS_EU_URL_FILE".into(),
            path: path.clone(),
        })
    );
    let err = load::env_error::<App>([
        ("MYAPP_UPSTREAMS_EU_URL_FILE", file),
        ("MYAPP_UPSTREAMS_EU_URL", "http://direct"),
    ]);
    assert_eq!(
        err.to_string(),
        "error: `upstreams.eu.url`: both MYAPP_UPSTREAMS_EU_URL and \
         MYAPP_UPSTREAMS_EU_URL_FILE are set\n  \
         --> env MYAPP_UPSTREAMS_EU_URL\n  \
         = help: unset one of them: MYAPP_UPSTREAMS_EU_URL_FILE names a file holding the value"
    );
    // The two in two cases: the message names the variables set.
    let err = load::env_error::<App>([
        ("MYAPP_UPSTREAMS_eu_URL_FILE", file),
        ("MYAPP_UPSTREAMS_EU_URL", "http://direct"),
    ]);
    assert!(
        err.to_string().starts_with(
            "error: `upstreams.eu.url`: both MYAPP_UPSTREAMS_EU_URL and MYAPP_UPSTREAMS_eu_URL_FILE are set"
        ),
        "{err}"
    );
    let err = load::env_error::<App>([("MYAPP_UPSTREAMS_EU_URL_FILE", "/nonexistent/url")]);
    assert!(
        err.to_string()
            .contains("env MYAPP_UPSTREAMS_EU_URL_FILE (file /nonexistent/url)"),
        "{err}"
    );
}

#[test]
fn env_map_entries_with_double_underscores() {
    let app = App::builder()
        .env_double_underscore()
        .env_from([("MYAPP__UPSTREAMS__EU_WEST__URL", "u")])
        .load()
        .unwrap();
    assert_eq!(app.upstreams["eu_west"].url, "u");
}

#[test]
fn env_map_entry_that_names_no_field() {
    let err = load::env_error::<App>([("MYAPP_UPSTREAMS_EU_URLL", "u")]);
    assert_eq!(
        err.to_string(),
        "error: `upstreams`: environment variable MYAPP_UPSTREAMS_EU_URLL names no field of an \
         entry of `upstreams`\n  --> env MYAPP_UPSTREAMS_EU_URLL\n  \
         = help: an entry's variables are MYAPP_UPSTREAMS_<ENTRY> followed by one of _URL, _WEIGHT"
    );
}

#[test]
fn env_map_entry_that_reads_two_ways() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Two {
        #[config(nested)]
        hosts: HashMap<String, Host>,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)] // `west_url` is there to make the reading ambiguous
    struct Host {
        #[config(default = "")]
        url: String,
        #[config(default = "")]
        west_url: String,
    }
    let err = load::env_error::<Two>([("MYAPP_HOSTS_EU_WEST_URL", "u")]);
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::Source);
    assert_eq!(
        err.problems()[0].message(),
        "environment variable MYAPP_HOSTS_EU_WEST_URL could set `hosts.eu_west.url` or \
         `hosts.eu.west_url`"
    );
    // A variable that reads one way only is fine.
    let two = load::env::<Two>([("MYAPP_HOSTS_ASIA_URL", "a")]);
    assert_eq!(two.hosts["asia"].url, "a");
}

#[test]
fn option_section_fields_get_env_and_flags() {
    let app = load::env::<App>([("MYAPP_TLS_CERT", "env.pem")]);
    assert_eq!(app.tls.unwrap().cert, "env.pem");
    let app = load::args::<App>(["myapp", "--tls-cert", "flag.pem"]);
    assert_eq!(app.tls.unwrap().cert, "flag.pem");
}

#[test]
fn no_flags_for_lists_and_maps_of_sections() {
    let err = load::args_error::<App>(["myapp", "--routes", "x"]);
    assert!(
        err.to_string().contains("unexpected argument '--routes'"),
        "{err}"
    );
    let help = App::builder().env().command().render_help().to_string();
    assert!(
        help.ends_with(
            "`routes`, `upstreams`: lists and maps of sections have no flags; set them in a \
             configuration file or the environment.\n"
        ),
        "{help}"
    );
    // A stack that reads no environment does not send the reader there.
    let help = App::builder().command().render_help().to_string();
    assert!(
        help.ends_with(
            "`routes`, `upstreams`: lists and maps of sections have no flags; set them in a \
             configuration file.\n"
        ),
        "{help}"
    );
}

#[test]
fn hash_maps_work_like_btree_maps() {
    #[derive(Config, Debug)]
    struct H {
        #[config(nested)]
        up: HashMap<String, Upstream>,
    }
    let h = load::toml::<H>("[up.a]\nurl = \"x\"\n");
    assert_eq!(h.up["a"].weight, 1);
}

#[test]
fn required_collection_must_be_set_by_some_layer() {
    #[derive(Config, Debug)]
    #[allow(dead_code)] // only whether it loads is looked at
    struct R {
        #[config(nested, required)]
        routes: Vec<Route>,
        #[config(required)]
        tags: Vec<String>,
    }
    let err = R::builder().load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 problems in the configuration:\n\n\
         error: `routes`: missing required value\n  \
         = help: set it with `routes` in a configuration file\n\n\
         error: `tags`: missing required value\n  \
         = help: set it with `tags` in a configuration file"
    );
    assert!(R::builder()
        .toml_str("routes = []\ntags = []\n")
        .load()
        .is_ok());
}

#[test]
fn nested_sections_inside_elements() {
    #[derive(Config, Debug)]
    struct Outer {
        #[config(nested)]
        sites: BTreeMap<String, Site>,
    }
    #[derive(Config, Debug)]
    struct Site {
        #[config(nested)]
        routes: Vec<Route>,
        #[config(nested)]
        tls: Option<Tls>,
    }
    let o = load::toml::<Outer>(
        "[sites.a]\n[[sites.a.routes]]\npath = \"/x\"\n[sites.a.tls]\ncert = \"c\"\n[sites.b]\n",
    );
    assert_eq!(o.sites["a"].routes, [route("/x", 1000)]);
    assert_eq!(o.sites["a"].tls.as_ref().unwrap().key, "/etc/key.pem");
    assert!(o.sites["b"].tls.is_none());
    let err = load::toml_error::<Outer>("[[sites.a.routes]]\npath = 1\n");
    assert_eq!(
        err.to_string(),
        "error: `sites.a.routes.0.path`: expected a string, found integer 1\n  \
         --> <toml>:2:8\n   |\n 2 | path = 1\n   |        ^"
    );
}

#[test]
fn secrets_inside_elements_stay_hidden() {
    #[derive(Config, Debug)]
    #[allow(dead_code)] // only errors and explain are looked at
    struct S {
        #[config(nested)]
        clients: Vec<Client>,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Client {
        #[config(secret)]
        key: u32,
    }
    let err = load::toml_error::<S>("[[clients]]\nkey = \"hunter2\"\n");
    assert_eq!(
        err.to_string(),
        "error: `clients.0.key`: invalid value for `u32` (value hidden: the field is secret)\n  \
         --> <toml>:2:7"
    );
    let loaded = load::toml_loaded::<S>("[[clients]]\nkey = 7\n");
    assert_eq!(
        loaded.explain().to_string(),
        "clients.0.key = \"<secret>\"  # <toml>:2:7\n"
    );
}

#[test]
fn env_usage_lists_sections() {
    let usage = App::builder().env_usage();
    assert_eq!(
        usage,
        "This application is configured with the following environment variables:\n\
         \n\
         VARIABLE                         TYPE                                 DEFAULT         REQUIRED         DESCRIPTION\n\
         MYAPP_ROUTES                     Vec<Route> (JSON)\n\
         MYAPP_UPSTREAMS                  BTreeMap<String, Upstream> (JSON)\n\
         MYAPP_UPSTREAMS_<NAME>_URL       String\n\
         MYAPP_UPSTREAMS_<NAME>_WEIGHT    u32                                  1\n\
         MYAPP_TLS_CERT                   String                                               if tls is set\n\
         MYAPP_TLS_KEY                    String                               /etc/key.pem\n\
         MYAPP_PORT                       u16                                  8080\n\
         \n\
         Any variable can be given as <VARIABLE>_FILE instead, naming a file that holds the \
         value (for secrets).\n\
         In variables and flags, lists are written a,b,c (\\, for a comma inside an item), \
         maps k:v,k:v, durations 1m30s or 250ms.\n"
    );
}

/// A map's inline JSON from the environment merges entry by entry with the
/// entries of a file below it and of the variables beside it, as a table
/// from a file does; plain maps of values too.
#[test]
fn inline_json_for_a_map_merges_with_files_and_entry_variables() {
    let app = App::builder()
        .toml_str("[upstreams.eu]\nurl = \"http://file-eu\"\n[upstreams.ap]\nurl = \"http://ap\"\n")
        .env_from([
            (
                "MYAPP_UPSTREAMS",
                r#"{"eu": {"weight": 5}, "us": {"url": "http://us"}}"#,
            ),
            ("MYAPP_UPSTREAMS_SA_URL", "http://sa"),
        ])
        .load()
        .unwrap();
    let got: Vec<(&str, &str, u32)> = app
        .upstreams
        .iter()
        .map(|(k, u)| (k.as_str(), u.url.as_str(), u.weight))
        .collect();
    assert_eq!(
        got,
        [
            ("ap", "http://ap", 1),
            ("eu", "http://file-eu", 5),
            ("sa", "http://sa", 1),
            ("us", "http://us", 1),
        ]
    );

    // Broken JSON beside entry variables is reported, not dropped.
    let err = load::env_error::<App>([
        ("MYAPP_UPSTREAMS", r#"{"eu": "#),
        ("MYAPP_UPSTREAMS_SA_URL", "http://sa"),
    ]);
    let shown = err.to_string();
    assert!(shown.contains("invalid inline JSON"), "{shown}");
    assert!(shown.contains("env MYAPP_UPSTREAMS"), "{shown}");

    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Labels {
        labels: HashMap<String, u32>,
    }
    let labels = Labels::builder()
        .toml_str("[labels]\na = 1\nb = 2\n")
        .env_from([("MYAPP_LABELS", "b:20,c:30")])
        .load()
        .unwrap()
        .labels;
    let mut got: Vec<(&String, &u32)> = labels.iter().collect();
    got.sort();
    assert_eq!(
        got,
        [
            (&"a".to_owned(), &1),
            (&"b".to_owned(), &20),
            (&"c".to_owned(), &30)
        ]
    );
}

/// A map entry whose name has a dot: explain quotes it, and `origin` finds
/// it by the same spelling.
#[test]
fn an_entry_named_with_a_dot_is_found_by_its_quoted_path() {
    let loaded = load::toml_loaded::<App>("[upstreams.\"eu.west\"]\nurl = \"http://eu\"\n");
    let explained = loaded.explain().to_string();
    assert!(
        explained.contains("upstreams.\"eu.west\".url = \"http://eu\""),
        "{explained}"
    );
    assert_eq!(
        loaded
            .origin("upstreams.\"eu.west\".url")
            .map(ToString::to_string)
            .as_deref(),
        Some("<toml>:2:7")
    );
    assert!(loaded.origin("upstreams.\"eu.west.url").is_none());
    assert!(loaded.origin("upstreams.eu.west.url").is_none());
}
