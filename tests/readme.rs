//! The README's quick start is examples/quickstart.rs, verbatim, and its
//! sections example shows fixtures/sections/gateway.toml as it is.

/// The body of the README's code block between `<!-- NAME:begin -->` and
/// `<!-- NAME:end -->`, written in `lang`.
fn readme_block(name: &str, lang: &str) -> &'static str {
    let readme = include_str!("../README.md");
    let fence = format!("```{lang}\n");
    let start = readme
        .find(&format!("<!-- {name}:begin -->\n{fence}"))
        .expect("begin marker");
    let body = &readme[start..];
    let body = &body[body.find(&fence).unwrap() + fence.len()..];
    let end = body
        .find(&format!("```\n<!-- {name}:end -->"))
        .expect("end marker");
    &body[..end]
}

#[test]
fn readme_quick_start_is_the_example() {
    assert_eq!(
        readme_block("quickstart", "rust"),
        include_str!("../examples/quickstart.rs"),
        "copy examples/quickstart.rs into README.md"
    );
}

#[test]
fn readme_sections_file_is_the_fixture() {
    assert_eq!(
        readme_block("sections-toml", "toml"),
        include_str!("../fixtures/sections/gateway.toml"),
        "copy fixtures/sections/gateway.toml into README.md"
    );
}
