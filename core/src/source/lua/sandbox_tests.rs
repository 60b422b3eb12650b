//! Unit tests of `sandbox.rs`.

use super::*;
use crate::source::lua::meter::bytes;
use crate::source::lua::prelude::names_a_credential;

#[test]
fn positions_are_split_only_for_the_script() {
    assert_eq!(
        split_position("app.lua:12: boom", "app.lua"),
        (Some(12), "boom")
    );
    assert_eq!(
        split_position("other.lua:12: boom", "app.lua"),
        (None, "other.lua:12: boom")
    );
    assert_eq!(
        split_position("app.lua: x", "app.lua"),
        (None, "app.lua: x")
    );
}

#[test]
fn credential_names_are_told_by_their_words() {
    for name in [
        "GITHUB_TOKEN",
        "DB_PASSWORD",
        "AWS_SECRET_ACCESS_KEY",
        "api-key",
        "AUTH",
        "PGPASSWORD",
        "MYSQL_PWD",
        "SSHPASS",
        "APITOKEN",
    ] {
        assert!(names_a_credential(name), "{name}");
    }
    for name in [
        "PATH",
        "HOME",
        "USER",
        "DEPLOY_REGION",
        "AUTHOR",
        "KEYBOARD",
        "PWD",
        "OLDPWD",
        "PING_HOST",
    ] {
        assert!(!names_a_credential(name), "{name}");
    }
}

#[test]
fn sizes_read_as_units() {
    assert_eq!(bytes(32 * 1024 * 1024), "32 MiB");
    assert_eq!(bytes(512 * 1024), "512 KiB");
    assert_eq!(bytes(1000), "1000 bytes");
}
