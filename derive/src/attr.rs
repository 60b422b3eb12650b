//! Parsing `#[config(..)]` attributes and doc comments. Every mistake is
//! collected, so one derive reports all of them.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitChar, LitStr, Path, Token};

/// Errors collected while parsing, reported together.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, message));
    }

    pub fn add(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    pub fn into_result(self) -> Result<(), syn::Error> {
        let mut iter = self.0.into_iter();
        let Some(mut first) = iter.next() else {
            return Ok(());
        };
        for e in iter {
            first.combine(e);
        }
        Err(first)
    }
}

/// A value with the span of the attribute that set it.
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// A literal from `default = ..`.
#[derive(Clone)]
pub enum DefaultLit {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Array(Vec<DefaultLit>),
    /// `{}`, for maps.
    EmptyTable,
}

impl DefaultLit {
    pub fn kind_name(&self) -> String {
        match self {
            DefaultLit::Str(_) => "a string".to_owned(),
            DefaultLit::Int(_) => "an integer".to_owned(),
            DefaultLit::Float(_) => "a float".to_owned(),
            DefaultLit::Bool(_) => "a boolean".to_owned(),
            DefaultLit::EmptyTable => "an empty table".to_owned(),
            DefaultLit::Array(items) => match items.first().map(DefaultLit::kind_name) {
                None => "an empty array".to_owned(),
                Some(first) if items.iter().all(|i| i.kind_name() == first) => {
                    let item = first
                        .strip_prefix("an ")
                        .or_else(|| first.strip_prefix("a "))
                        .unwrap_or(&first);
                    format!("an array of {item}s")
                }
                Some(_) => "an array of mixed kinds".to_owned(),
            },
        }
    }
}

#[derive(Default)]
pub struct ContainerAttrs {
    pub name: Option<Sp<String>>,
    pub validate: Option<Sp<Path>>,
    pub rename_all: Option<Sp<Case>>,
    pub tag: Option<Sp<String>>,
}

/// A `rename_all` case, by serde's names.
#[derive(Clone, Copy)]
pub enum Case {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl Case {
    const NAMES: &'static [(&'static str, Case)] = &[
        ("lowercase", Case::Lower),
        ("UPPERCASE", Case::Upper),
        ("PascalCase", Case::Pascal),
        ("camelCase", Case::Camel),
        ("snake_case", Case::Snake),
        ("SCREAMING_SNAKE_CASE", Case::ScreamingSnake),
        ("kebab-case", Case::Kebab),
        ("SCREAMING-KEBAB-CASE", Case::ScreamingKebab),
    ];

    /// A snake_case field name in this case.
    pub fn field(self, name: &str) -> String {
        let words = name.split('_').filter(|w| !w.is_empty());
        match self {
            Case::Lower | Case::Snake => name.to_owned(),
            Case::Upper | Case::ScreamingSnake => name.to_ascii_uppercase(),
            Case::Kebab => name.replace('_', "-"),
            Case::ScreamingKebab => name.replace('_', "-").to_ascii_uppercase(),
            Case::Pascal => words.map(capitalise).collect(),
            Case::Camel => {
                let pascal: String = words.map(capitalise).collect();
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
        }
    }
}

impl Case {
    /// A PascalCase variant name in this case.
    pub fn variant(self, name: &str) -> String {
        let mut snake = String::new();
        for (i, c) in name.char_indices() {
            if c.is_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        }
        match self {
            Case::Lower => name.to_ascii_lowercase(),
            Case::Upper => name.to_ascii_uppercase(),
            Case::Pascal => name.to_owned(),
            Case::Camel => {
                let mut chars = name.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            Case::Snake => snake,
            Case::ScreamingSnake => snake.to_ascii_uppercase(),
            Case::Kebab => snake.replace('_', "-"),
            Case::ScreamingKebab => snake.replace('_', "-").to_ascii_uppercase(),
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[derive(Default)]
pub struct FieldAttrs {
    pub default: Option<Sp<DefaultLit>>,
    /// The expression of `default = ..`, for errors about the value itself.
    /// The tokens of the default's value, to point errors at it.
    pub default_tokens: Option<proc_macro2::TokenStream>,
    /// `default` without a value: the type's `Default`.
    pub default_code: Option<Span>,
    pub default_with: Option<Sp<Path>>,
    pub required: Option<Span>,
    pub nested: Option<Span>,
    pub secret: Option<Span>,
    pub env: Option<Sp<String>>,
    pub flag: Option<Sp<String>>,
    pub short: Option<Sp<char>>,
    pub rename: Option<Sp<String>>,
    pub skip: Option<Span>,
    pub restart: Option<Span>,
    /// `path`: a relative value is resolved against the directory of the
    /// file that set it.
    pub path: Option<Span>,
    pub from_str: Option<Span>,
    pub append: Option<Span>,
    pub validate: Option<Sp<Path>>,
}

impl FieldAttrs {
    /// The slot of the field attribute that `path` names, if it is one
    /// written as a bare word (`nested`, `secret`, ..).
    fn word(&mut self, path: &Path) -> Option<&mut Option<Span>> {
        let slot = match path.get_ident()?.to_string().as_str() {
            "required" => &mut self.required,
            "nested" => &mut self.nested,
            "secret" => &mut self.secret,
            "skip" => &mut self.skip,
            "restart" => &mut self.restart,
            "path" => &mut self.path,
            "from_str" => &mut self.from_str,
            _ => return None,
        };
        Some(slot)
    }
}

/// The doc comment, lines trimmed of one leading space, joined by `\n`.
pub fn doc(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let line = s.value();
                lines.push(
                    line.strip_prefix(' ')
                        .unwrap_or(&line)
                        .trim_end()
                        .to_owned(),
                );
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

fn set<T>(slot: &mut Option<Sp<T>>, value: T, meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    once(slot, |span| Sp { value, span }, meta, errors);
}

fn flag(slot: &mut Option<Span>, meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    once(slot, |span| span, meta, errors);
}

/// Fills `slot` from the attribute's span, or reports the attribute as a
/// duplicate if an earlier one filled it.
fn once<T>(
    slot: &mut Option<T>,
    value: impl FnOnce(Span) -> T,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) {
    let span = meta.path.span();
    if slot.is_some() {
        errors.push(
            span,
            format!("duplicate attribute `{}`", path_name(&meta.path)),
        );
    } else {
        *slot = Some(value(span));
    }
}

fn path_name(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Reports the attribute as unknown, `expected` saying what would be
/// known there, and skips its value so parsing can go on.
fn unknown(meta: &ParseNestedMeta<'_>, expected: &str, errors: &mut Errors) -> syn::Result<()> {
    errors.push(
        meta.path.span(),
        format!("unknown attribute `{}` {expected}", path_name(&meta.path)),
    );
    skip_value(meta)
}

/// Skips what follows an unknown attribute so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        value_tokens(meta.value()?)?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// `#[serde(..)]` on a `Config` type or field: staid does not read it (its
/// derive reads the struct itself), so it would be silently ignored.
/// Each item is an error naming the staid attribute to use.
fn refuse_serde(attr: &Attribute, errors: &mut Errors) {
    let result = attr.parse_nested_meta(|meta| {
        let name = path_name(&meta.path);
        let instead = match name.as_str() {
            "rename" => Some("#[config(rename = \"..\")]"),
            "rename_all" => Some("#[config(rename_all = \"..\")]"),
            "default" => Some("#[config(default)]` or `#[config(default = ..)]"),
            "skip" | "skip_deserializing" => Some("#[config(skip)]"),
            "tag" => Some("#[config(tag = \"..\")]"),
            _ => None,
        };
        let message = match instead {
            Some(instead) => {
                format!("`#[serde({name})]` is not read by `Config`; use `{instead}` instead")
            }
            None => {
                format!("`#[serde({name})]` is not read by `Config`, which has no such attribute")
            }
        };
        errors.push(meta.path.span(), message);
        skip_value(&meta)
    });
    if result.is_err() {
        errors.push(
            attr.path().span(),
            "`#[serde(..)]` is not read by `Config`; use `#[config(..)]`",
        );
    }
}

fn for_each_config_attr(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut each: impl FnMut(&ParseNestedMeta<'_>, &mut Errors) -> syn::Result<()>,
) {
    for attr in attrs {
        if attr.path().is_ident("serde") {
            refuse_serde(attr, errors);
            continue;
        }
        if !attr.path().is_ident("config") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| each(&meta, errors));
        if let Err(e) = result {
            errors.add(e);
        }
    }
}

pub fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for_each_config_attr(attrs, errors, |meta, errors| {
        if meta.path.is_ident("name") {
            let s: LitStr = meta.value()?.parse()?;
            set(&mut out.name, s.value(), meta, errors);
        } else if meta.path.is_ident("validate") {
            let p: Path = meta.value()?.parse()?;
            set(&mut out.validate, p, meta, errors);
        } else if meta.path.is_ident("rename_all") {
            let s: LitStr = meta.value()?.parse()?;
            let value = s.value();
            match Case::NAMES.iter().find(|(name, _)| *name == value) {
                Some((_, case)) => set(&mut out.rename_all, *case, meta, errors),
                None => {
                    let names: Vec<String> = Case::NAMES
                        .iter()
                        .map(|(n, _)| format!("\"{n}\""))
                        .collect();
                    errors.push(
                        s.span(),
                        format!(
                            "unknown case `{value}` for `rename_all` (expected one of {})",
                            names.join(", ")
                        ),
                    );
                }
            }
        } else if meta.path.is_ident("tag") {
            let s: LitStr = meta.value()?.parse()?;
            set(&mut out.tag, s.value(), meta, errors);
        } else {
            unknown(
                meta,
                "(expected `name`, `validate`, `rename_all` or `tag`)",
                errors,
            )?;
        }
        Ok(())
    });
    out
}

/// A variant's attributes: only `rename`.
pub fn variant(attrs: &[Attribute], errors: &mut Errors) -> Option<String> {
    let mut rename: Option<Sp<String>> = None;
    for_each_config_attr(attrs, errors, |meta, errors| {
        if meta.path.is_ident("rename") {
            let s: LitStr = meta.value()?.parse()?;
            set(&mut rename, s.value(), meta, errors);
        } else {
            unknown(meta, "on a variant (expected `rename`)", errors)?;
        }
        Ok(())
    });
    rename.map(|r| r.value)
}

pub fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_config_attr(attrs, errors, |meta, errors| {
        let p = &meta.path;
        if p.is_ident("default") && !meta.input.peek(Token![=]) {
            if out.default.is_some() {
                errors.push(p.span(), "duplicate attribute `default`");
            } else {
                flag(&mut out.default_code, meta, errors);
            }
        } else if p.is_ident("default_with") {
            let path: Path = meta.value()?.parse()?;
            set(&mut out.default_with, path, meta, errors);
        } else if let Some(slot) = out.word(p) {
            flag(slot, meta, errors);
        } else if p.is_ident("default") {
            if out.default_code.is_some() {
                errors.push(p.span(), "duplicate attribute `default`");
            }
            let tokens = value_tokens(meta.value()?)?;
            match syn::parse::Parser::parse2(default_literal, tokens.clone()) {
                Ok(lit) => {
                    if out.default.is_none() {
                        out.default_tokens = Some(tokens);
                    }
                    set(&mut out.default, lit, meta, errors);
                }
                Err(_) => errors.add(syn::Error::new_spanned(&tokens, NOT_LITERAL)),
            }
        } else if p.is_ident("merge") {
            let s: LitStr = meta.value()?.parse()?;
            match s.value().as_str() {
                "append" => flag(&mut out.append, meta, errors),
                "replace" => {}
                _ => errors.push(s.span(), "`merge` is \"append\" or \"replace\""),
            }
        } else if p.is_ident("env") || p.is_ident("flag") || p.is_ident("rename") {
            let s: LitStr = meta.value()?.parse()?;
            let slot = if p.is_ident("env") {
                &mut out.env
            } else if p.is_ident("flag") {
                &mut out.flag
            } else {
                &mut out.rename
            };
            set(slot, s.value(), meta, errors);
        } else if p.is_ident("short") {
            let c: LitChar = meta.value()?.parse()?;
            set(&mut out.short, c.value(), meta, errors);
        } else if p.is_ident("validate") {
            let path: Path = meta.value()?.parse()?;
            set(&mut out.validate, path, meta, errors);
        } else {
            unknown(
                meta,
                "(expected one of `default`, `default_with`, `required`, `nested`, `secret`, \
                 `env`, `flag`, `short`, `rename`, `skip`, `from_str`, `merge`, `validate`, \
                 `restart`, `path`)",
                errors,
            )?;
        }
        Ok(())
    });
    out
}

/// The tokens of an attribute's value, up to the next top-level comma.
/// Brackets and parentheses are one token each, so commas inside them stay.
fn value_tokens(input: syn::parse::ParseStream<'_>) -> syn::Result<proc_macro2::TokenStream> {
    let mut tokens = proc_macro2::TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        let tree: proc_macro2::TokenTree = input.parse()?;
        tokens.extend(std::iter::once(tree));
    }
    Ok(tokens)
}

/// A default: a literal, a negative number, or `[..]` of those. Parsed by
/// hand because syn without its `full` feature (the build serde_derive
/// shares) does not parse array expressions.
fn default_literal(input: syn::parse::ParseStream<'_>) -> syn::Result<DefaultLit> {
    if input.peek(syn::token::Brace) {
        let content;
        syn::braced!(content in input);
        if !content.is_empty() {
            return Err(content.error("`default = {}` takes only an empty table"));
        }
        return Ok(DefaultLit::EmptyTable);
    }
    if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        let items = syn::punctuated::Punctuated::<DefaultLit, Token![,]>::parse_terminated_with(
            &content,
            default_literal,
        )?;
        return Ok(DefaultLit::Array(items.into_iter().collect()));
    }
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let lit: Lit = input.parse()?;
    let value = match lit {
        Lit::Str(s) if !negative => DefaultLit::Str(s.value()),
        Lit::Int(i) => {
            let n: i128 = i.base10_parse()?;
            DefaultLit::Int(if negative { -n } else { n })
        }
        Lit::Float(f) => {
            let x: f64 = f.base10_parse()?;
            DefaultLit::Float(if negative { -x } else { x })
        }
        Lit::Bool(b) if !negative => DefaultLit::Bool(b.value),
        other => return Err(syn::Error::new_spanned(other, NOT_LITERAL)),
    };
    Ok(value)
}

const NOT_LITERAL: &str = "`default` takes a literal: a string, integer, float, boolean, an array \
     of those, or `{}`; for any other value use `default_with = path`";
