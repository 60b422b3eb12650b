//! The README's quick start is examples/quickstart.rs, verbatim, and its
//! sections example shows fixtures/sections/gateway.toml as it is.

#[test]
fn readme_quick_start_is_the_example() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/quickstart.rs");
    let start = readme
        .find("<!-- quickstart:begin -->\n```rust\n")
        .expect("begin marker");
    let body = &readme[start..];
    let body = &body[body.find("```rust\n").unwrap() + 8..];
    let end = body
        .find("```\n<!-- quickstart:end -->")
        .expect("end marker");
    assert_eq!(
        &body[..end],
        example,
        "copy examples/quickstart.rs into README.md"
    );
}

#[test]
fn readme_sections_file_is_the_fixture() {
    let readme = include_str!("../README.md");
    let fixture = include_str!("../fixtures/sections/gateway.toml");
    let start = readme
        .find("<!-- sections-toml:begin -->\n```toml\n")
        .expect("begin marker");
    let body = &readme[start..];
    let body = &body[body.find("```toml\n").unwrap() + 8..];
    let end = body
        .find("```\n<!-- sections-toml:end -->")
        .expect("end marker");
    assert_eq!(
        &body[..end],
        fixture,
        "copy fixtures/sections/gateway.toml into README.md"
    );
}
