//! The `#[derive(Config)]` macro of staid. Use it through `staid::Config`.
//!
//! Laid out as a small compiler: `attr` parses `#[config(..)]`, `ast`
//! holds the checked form, `check` applies rules across attributes, and
//! `expand` writes the code.

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro::TokenStream;

/// Derives `staid::Config`. See the `staid` crate for the attributes.
// `serde` is a helper too, so `#[serde(..)]` gets staid's error (naming the
// attribute to use) rather than rustc's "cannot find attribute".
#[proc_macro_derive(Config, attributes(config, serde))]
pub fn derive_config(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
