//! The README's quick start is examples/quickstart.rs, verbatim.

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
