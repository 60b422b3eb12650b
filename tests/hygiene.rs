//! The code `#[derive(Config)]` generates names everything by absolute path:
//! it compiles without the prelude and beside local items that shadow
//! prelude and std names.
#![no_implicit_prelude]
#![allow(dead_code, non_camel_case_types)]

// Local items with the names generated code might use unqualified.
struct Option;
struct Some;
struct None;
struct Result;
struct Ok;
struct Err;
struct String;
struct Vec;
struct Box;
struct Default;
struct Config;
struct Self_;
mod core {}
mod std {}
mod staid {}
trait Sized {}
trait Into {}
fn drop() {}

/// Shadowing names.
#[derive(::staid::Config, ::std::fmt::Debug)]
#[config(name = "hyg", validate = check)]
struct App {
    /// A documented field.
    #[config(default = "x", validate = not_empty)]
    name: ::std::string::String,
    #[config(default = 1)]
    count: u32,
    maybe: ::std::option::Option<u8>,
    #[config(default = [1, 2])]
    list: ::std::vec::Vec<i64>,
    #[config(nested)]
    inner: Inner,
    #[config(skip)]
    skipped: ::std::vec::Vec<u8>,
    #[config(secret)]
    token: ::std::option::Option<::std::string::String>,
    #[config(nested)]
    many: ::std::vec::Vec<Inner>,
    #[config(nested)]
    named: ::std::collections::BTreeMap<::std::string::String, Inner>,
    #[config(nested)]
    optional: ::std::option::Option<Inner>,
    #[config(default)]
    from_default: u8,
    #[config(default_with = seven)]
    from_fn: u8,
}

fn seven() -> u8 {
    7
}

#[derive(::staid::Config, ::std::fmt::Debug)]
struct Inner {
    #[config(default = true)]
    on: bool,
}

#[allow(clippy::ptr_arg)] // a field validator takes `&T` of the field's type
fn not_empty(s: &::std::string::String) -> ::std::result::Result<(), &'static str> {
    if s.is_empty() {
        return ::std::result::Result::Err("empty");
    }
    ::std::result::Result::Ok(())
}

fn check(_: &App) -> ::std::result::Result<(), &'static str> {
    ::std::result::Result::Ok(())
}

#[test]
fn generated_code_compiles_and_loads_without_the_prelude() {
    use ::staid::Config as _;
    let app = App::builder()
        .toml_str("count = 3\n[inner]\non = false\n[[many]]\n[named.a]\n[optional]\n")
        .load()
        .unwrap();
    ::std::assert_eq!(app.count, 3);
    ::std::assert_eq!(app.name, "x");
    ::std::assert!(!app.inner.on);
    ::std::assert_eq!(app.list, [1, 2]);
    ::std::assert_eq!(app.many.len(), 1);
    ::std::assert!(app.named["a"].on);
    ::std::assert!(app.optional.is_some());
    ::std::assert_eq!((app.from_default, app.from_fn), (0, 7));
    ::std::assert_eq!(<App as ::staid::Config>::SCHEMA.fields.len(), 12);
}
