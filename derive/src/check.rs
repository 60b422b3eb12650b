//! Rules across attributes, and `default` literals against field types
//! where the type is one staid can recognise by name.

use crate::ast::{generic_inner, last_ident, Container, Kind};
use crate::attr::{DefaultLit, Errors, FieldAttrs};

pub fn check(c: &Container<'_>, errors: &mut Errors) {
    if let Some(name) = &c.attrs.name {
        if name.value.is_empty() {
            errors.push(name.span, "`name` cannot be empty");
        }
    }
    match (&c.attrs.tag, &c.variants) {
        (Some(tag), None) => errors.push(
            tag.span,
            "`tag` is for enums: it names the key that selects the variant",
        ),
        (Some(tag), Some(_)) if tag.value.is_empty() || tag.value.contains('.') => {
            errors.push(tag.span, "`tag` must be a key without `.`")
        }
        _ => {}
    }
    if let Some(variants) = &c.variants {
        if variants.is_empty() {
            errors.push(
                c.ident.span(),
                "an enum section needs at least one variant for its tag to name",
            );
        }
        let mut names = std::collections::HashMap::new();
        for v in variants {
            if let Some(previous) = names.insert(v.name.clone(), v.ident) {
                errors.push(
                    v.ident.span(),
                    format!("variant name `{}` is already used by `{previous}`", v.name),
                );
            }
        }
    }
    let mut keys = std::collections::HashMap::new();
    // Names given outright, which two fields of one struct cannot share.
    let mut given: std::collections::HashMap<(&str, String), &syn::Ident> = Default::default();
    for f in &c.fields {
        let a = &f.attrs;
        let names = [
            ("flag", a.flag.as_ref().map(|v| (v.value.clone(), v.span))),
            (
                "short",
                a.short.as_ref().map(|v| (v.value.to_string(), v.span)),
            ),
            ("env", a.env.as_ref().map(|v| (v.value.clone(), v.span))),
        ];
        for (what, name) in names {
            let Some((name, span)) = name else { continue };
            if let Some(previous) = given.insert((what, name.clone()), f.ident) {
                errors.push(
                    span,
                    format!("{what} `{name}` is already given to field `{previous}`"),
                );
            }
        }
        let literal = a.default.as_ref().map(|d| d.span);
        if let (true, Some(with)) = (literal.or(a.default_code).is_some(), &a.default_with) {
            errors.push(with.span, "`default` cannot be used with `default_with`");
        }
        if let Some(required) = a.required {
            let conflicts = [
                (
                    "default",
                    a.default.as_ref().map(|d| d.span).or(a.default_code),
                ),
                ("default_with", a.default_with.as_ref().map(|d| d.span)),
                ("skip", a.skip),
            ];
            for (name, span) in conflicts {
                if span.is_some() {
                    errors.push(required, format!("`required` cannot be used with `{name}`"));
                }
            }
            if f.option_inner.is_some() {
                errors.push(
                    required,
                    "`required` cannot be used on an `Option` field (remove `Option`, or \
                     `required`)",
                );
            } else if matches!(f.kind, Kind::Nested) {
                errors.push(
                    required,
                    "`required` cannot be used on a nested struct: its own fields say what \
                     is required",
                );
            }
        }
        let section = match f.kind {
            Kind::Nested => Some(f.ty),
            Kind::Optional(t) | Kind::List(t) | Kind::Map(_, t) => Some(t),
            _ => None,
        };
        if let Some(ident) = section
            .and_then(last_ident)
            .filter(|i| WRAPPERS.iter().any(|w| *i == w))
        {
            errors.push(
                syn::spanned::Spanned::span(f.ty),
                format!(
                    "`nested` takes a `Config` type `T` as `T`, `Option<T>`, `Vec<T>` or a map \
                     of `T`; `{ident}<..>` around it cannot be built: hold the `Config` type \
                     itself"
                ),
            );
        }
        if let Kind::Map(key, _) = f.kind {
            if last_ident(key).is_none_or(|i| i != "String") {
                errors.push(
                    syn::spanned::Spanned::span(key),
                    "`nested` on a map needs `String` keys",
                );
            }
        }
        if a.nested.is_some() {
            let merge = match f.kind {
                Kind::List(_) => None,
                _ => a.append,
            };
            let others = [
                ("secret", a.secret),
                ("skip", a.skip),
                ("from_str", a.from_str),
                ("merge", merge),
            ];
            for (name, span) in value_sources(a).into_iter().chain(others) {
                if let Some(span) = span {
                    errors.push(span, format!("`nested` cannot be used with `{name}`"));
                }
            }
        }
        let code = a.default_with.as_ref().map(|d| d.span).or(a.default_code);
        if let (Some(span), true) = (a.from_str, code.is_some()) {
            errors.push(span, "`from_str` cannot be used with a default from code");
        }
        if a.skip.is_some() {
            let others = [
                ("validate", a.validate.as_ref().map(|d| d.span)),
                ("from_str", a.from_str),
            ];
            for (name, span) in value_sources(a).into_iter().chain(others) {
                if let Some(span) = span {
                    errors.push(
                        span,
                        format!("`skip` cannot be used with `{name}` (a skipped field is set from `Default`)"),
                    );
                }
            }
        }
        if let Some(span) = a.path {
            if !matches!(f.kind, crate::ast::Kind::Leaf) || !is_path_type(f.ty) {
                errors.push(
                    span,
                    "`path` needs a `PathBuf`, `Option<PathBuf>` or `Vec<PathBuf>` field",
                );
            }
        }
        if let Some(span) = a.append {
            if !f.is_list() {
                errors.push(
                    span,
                    "`merge = \"append\"` needs a list type such as `Vec<T>`",
                );
            }
            // Appended items are merged in the value tree, where a default
            // from code is not: the later layers would replace it unseen.
            if let Some(with) = &a.default_with {
                errors.push(
                    with.span,
                    "`merge = \"append\"` adds to a literal `default = [..]`, not to \
                     `default_with`; write the default's items as a literal",
                );
            }
        }
        if let Some(env) = &a.env {
            if env.value.is_empty() || env.value.contains(['=', '\0']) {
                errors.push(env.span, "`env` must be a variable name without `=`");
            }
        }
        if let Some(flag) = &a.flag {
            let bad = flag.value.is_empty()
                || flag.value.starts_with('-')
                || flag.value.contains(|c: char| c.is_whitespace() || c == '=');
            if bad {
                errors.push(
                    flag.span,
                    "`flag` must be a long flag's name without the leading `--`, spaces or `=` \
                     (`flag = \"listen-port\"`)",
                );
            }
        }
        if let Some(rename) = &a.rename {
            if rename.value.is_empty() || rename.value.contains('.') {
                errors.push(
                    rename.span,
                    "`rename` must be a key without `.` (nest a struct for a dotted path)",
                );
            }
        }
        if let Some(short) = &a.short {
            if !short.value.is_ascii_alphanumeric() {
                errors.push(short.span, "`short` must be an ASCII letter or digit");
            }
        }
        if let Some(d) = &a.default {
            let ty = f.option_inner.unwrap_or(f.ty);
            let message = match expected_kind(ty) {
                Some(expected) if !fits(&d.value, expected) => Some(format!(
                    "`default` is {} but the field's type needs {}",
                    d.value.kind_name(),
                    expected.describe()
                )),
                Some(_) => out_of_range(&d.value, ty).or_else(|| match a.from_str {
                    // Read by the type's own `FromStr`, whose forms are its own.
                    Some(_) => None,
                    None => bad_duration(&d.value, ty),
                }),
                None => None,
            };
            if let Some(message) = message {
                match &a.default_tokens {
                    // Point at the value, which is what is wrong.
                    Some(tokens) => errors.add(syn::Error::new_spanned(tokens, message)),
                    None => errors.push(d.span, message),
                }
            }
        }
        if let Some(previous) = keys.insert(f.key.clone(), f.ident) {
            let span = f.attrs.rename.as_ref().map_or(f.ident.span(), |r| r.span);
            errors.push(
                span,
                format!("key `{}` is already used by field `{previous}`", f.key),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum Expected {
    Str,
    Int,
    Float,
    Bool,
    Array(&'static Expected),
    ArrayOfUnknown,
    Table,
}

impl Expected {
    fn describe(self) -> String {
        match self {
            Expected::Str => "a string".to_owned(),
            Expected::Int => "an integer".to_owned(),
            Expected::Float => "a number".to_owned(),
            Expected::Bool => "a boolean".to_owned(),
            Expected::Array(inner) => format!("an array of {}", strip_article(&inner.describe())),
            Expected::ArrayOfUnknown => "an array".to_owned(),
            Expected::Table => "a table (`{}`)".to_owned(),
        }
    }
}

/// Types that `nested` cannot see through.
const WRAPPERS: &[&str] = &[
    "Box", "Arc", "Rc", "Cow", "Option", "Vec", "VecDeque", "HashMap", "BTreeMap",
];

/// The attributes that give a field a value of its own (a default, a
/// variable, a flag), which neither a nested nor a skipped field takes.
fn value_sources(a: &FieldAttrs) -> [(&'static str, Option<proc_macro2::Span>); 5] {
    [
        (
            "default",
            a.default.as_ref().map(|d| d.span).or(a.default_code),
        ),
        ("default_with", a.default_with.as_ref().map(|d| d.span)),
        ("env", a.env.as_ref().map(|d| d.span)),
        ("flag", a.flag.as_ref().map(|d| d.span)),
        ("short", a.short.as_ref().map(|d| d.span)),
    ]
}

fn strip_article(s: &str) -> String {
    let s = s
        .strip_prefix("an ")
        .or_else(|| s.strip_prefix("a "))
        .unwrap_or(s);
    format!("{s}s")
}

const INTS: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
];

fn expected_kind(ty: &syn::Type) -> Option<Expected> {
    let ident = last_ident(ty)?.to_string();
    Some(match ident.as_str() {
        "String" | "PathBuf" | "str" | "char" | "Duration" | "SocketAddr" | "IpAddr"
        | "Ipv4Addr" | "Ipv6Addr" => Expected::Str,
        i if INTS.contains(&i) => Expected::Int,
        "f32" | "f64" => Expected::Float,
        "bool" => Expected::Bool,
        "HashMap" | "BTreeMap" => Expected::Table,
        "Vec" => match generic_inner(ty, "Vec").and_then(expected_kind) {
            Some(Expected::Str) => Expected::Array(&Expected::Str),
            Some(Expected::Int) => Expected::Array(&Expected::Int),
            Some(Expected::Float) => Expected::Array(&Expected::Float),
            Some(Expected::Bool) => Expected::Array(&Expected::Bool),
            _ => Expected::ArrayOfUnknown,
        },
        _ => return None,
    })
}

/// A `Duration` default that does not read as one, said as a load would
/// say it: the mistake is in the attribute, so the build says so.
fn bad_duration(lit: &DefaultLit, ty: &syn::Type) -> Option<String> {
    let DefaultLit::Str(text) = lit else {
        return None;
    };
    // `Duration` or `std::time::Duration`, not another type of that name.
    let std = match ty {
        syn::Type::Path(p) => {
            let names: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            matches!(
                names
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["Duration"] | ["std" | "core", "time", "Duration"] | ["time", "Duration"]
            )
        }
        _ => false,
    };
    if !std {
        return None;
    }
    humantime::parse_duration(text)
        .err()
        .map(|e| format!("`default` is not a duration such as \"1m30s\" or \"250ms\": {e}"))
}

/// An integer default (or an item of a list's) that the field's integer
/// type cannot hold, said as a load would say it.
fn out_of_range(lit: &DefaultLit, ty: &syn::Type) -> Option<String> {
    let (ints, name) = match lit {
        DefaultLit::Int(v) => (vec![*v], last_ident(ty)?.to_string()),
        DefaultLit::Array(items) => (
            items
                .iter()
                .filter_map(|i| match i {
                    DefaultLit::Int(v) => Some(*v),
                    _ => None,
                })
                .collect(),
            last_ident(generic_inner(ty, "Vec")?)?.to_string(),
        ),
        _ => return None,
    };
    let (min, max): (i128, i128) = match name.as_str() {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "u128" => (0, i128::MAX),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    };
    let bad = ints.into_iter().find(|v| !(min..=max).contains(v))?;
    Some(format!(
        "`default` {bad} is out of range for {name} ({min} to {max})"
    ))
}

fn fits(lit: &DefaultLit, expected: Expected) -> bool {
    match (lit, expected) {
        (DefaultLit::Str(_), Expected::Str) => true,
        (DefaultLit::Int(_), Expected::Int | Expected::Float) => true,
        (DefaultLit::Float(_), Expected::Float) => true,
        (DefaultLit::Bool(_), Expected::Bool) => true,
        (DefaultLit::Array(_), Expected::ArrayOfUnknown) => true,
        (DefaultLit::EmptyTable, Expected::Table) => true,
        (DefaultLit::Array(items), Expected::Array(inner)) => items.iter().all(|i| fits(i, *inner)),
        _ => false,
    }
}

/// `PathBuf`, `Option<PathBuf>` or `Vec<PathBuf>`, by the types' names.
fn is_path_type(ty: &syn::Type) -> bool {
    fn last(ty: &syn::Type) -> Option<&syn::PathSegment> {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
            _ => None,
        }
    }
    let Some(seg) = last(ty) else { return false };
    if seg.ident == "PathBuf" {
        return true;
    }
    if seg.ident != "Option" && seg.ident != "Vec" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return false;
    };
    matches!(
        args.args.first(),
        Some(syn::GenericArgument::Type(inner)) if last(inner).is_some_and(|s| s.ident == "PathBuf")
    )
}
