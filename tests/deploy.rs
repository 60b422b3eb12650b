//! examples/deploy.rs on its fixtures: drop-ins, a credential, a `.env`
//! file and a path relative to its file, each value with its origin.

use std::path::Path;

#[path = "../examples/deploy.rs"]
#[allow(dead_code)]
mod example;

#[test]
fn the_deploy_example_loads_every_layer_with_its_origin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/deploy");
    let loaded = example::load(&root, &[("MYAPP_WORKERS", "24")]).unwrap();
    let service = loaded.config();
    assert_eq!(service.db.password, "correct horse battery staple");
    assert_eq!(service.cert, root.join("etc/myapp/tls/server.pem"));
    assert!(loaded.warnings().is_empty());
    let text = loaded
        .explain()
        .to_string()
        .replace(&root.display().to_string(), "fixtures/deploy");
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "listen = \"0.0.0.0:8443\" # fixtures/deploy/etc/myapp/myapp.toml:2:10",
            "cert = \"fixtures/deploy/etc/myapp/tls/server.pem\" # fixtures/deploy/etc/myapp/myapp.toml:3:8",
            "workers = 24 # env MYAPP_WORKERS",
            "log = \"debug\" # fixtures/deploy/local.env:2:11",
            "db.host = \"db.internal\" # fixtures/deploy/etc/myapp/myapp.toml:6:8",
            "db.pool = 32 # fixtures/deploy/etc/myapp/myapp.d/10-site.toml:3:8",
            "db.password = \"<secret>\" # credential db.password",
        ]
    );
}
