//! Misuse of `#[derive(Config)]`: each case in tests/ui is refused at
//! compile time, pointing at the offending token (see the `.stderr` next to it).

#[test]
fn derive_misuse() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
