//! The secret values on a command line, found as clap reads it, so that
//! clap's errors (which quote arguments back) can be masked.

use std::ffi::OsString;

use crate::naming;
use crate::schema::{Schema, Shape};

/// The arguments that follow a secret field's flag (`--token x`): clap
/// quotes an argument back in its error, as when a secret starts with `-`
/// (`--token --s3cret` reads as an unknown flag), so those are masked.
pub(super) fn secret_values(schema: &'static Schema, args: &[OsString]) -> Vec<String> {
    let mut longs: Vec<String> = Vec::new();
    let mut secret_shorts: Vec<char> = Vec::new();
    let mut value_shorts: Vec<char> = Vec::new();
    schema.walk_named(&mut |path, names, field| {
        if field.shape() != Some(Shape::Bool) {
            value_shorts.extend(field.short);
        }
        if schema.is_secret(path) {
            longs.push(format!("--{}", naming::flag(names, field)));
            secret_shorts.extend(field.short);
        }
    });
    // The argument after a secret flag is taken for its value even when
    // it looks like a flag (`--token --S3cret`): clap would quote it back
    // as an unknown one.
    let value_at = |i: usize| args.get(i).and_then(|a| a.to_str());
    let mut values = Vec::new();
    let mut push = |value: &str| {
        if value.is_empty() {
            return;
        }
        // clap quotes `--a=b` by its flag part, `--a`.
        if let Some((flag, _)) = value.split_once('=') {
            values.push(flag.to_owned());
        }
        values.push(value.to_owned());
    };
    for (i, arg) in args.iter().enumerate() {
        let Some(arg) = arg.to_str() else {
            continue;
        };
        if longs.iter().any(|long| arg == long) {
            if let Some(value) = value_at(i + 1) {
                push(value);
            }
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
            continue;
        };
        // clap reads a cluster of shorts (`-vt`) up to the first that takes
        // a value; the rest of the cluster (`-tabc`, `-t=abc`) or else the
        // next argument is that value.
        let Some((at, short)) = cluster
            .char_indices()
            .find(|(_, c)| value_shorts.contains(c))
        else {
            continue;
        };
        if !secret_shorts.contains(&short) {
            continue;
        }
        let rest = &cluster[at + short.len_utf8()..];
        match rest.strip_prefix('=').unwrap_or(rest) {
            "" => {
                if let Some(value) = value_at(i + 1) {
                    push(value);
                }
            }
            inline => {
                push(inline);
                push(arg);
            }
        }
    }
    values
}
