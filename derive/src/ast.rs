//! The checked form of a `#[derive(Config)]` input: what expand needs, with
//! the type facts (Option, bool, Secret) read off the field types.

use syn::spanned::Spanned;
use syn::{
    AngleBracketedGenericArguments, Data, DeriveInput, Fields, GenericArgument, Ident,
    PathArguments, Type,
};

use crate::attr::{self, ContainerAttrs, Errors, FieldAttrs};

pub struct Container<'a> {
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub doc: String,
    pub fields: Vec<Field<'a>>,
    /// For an enum: its variants (and no fields).
    pub variants: Option<Vec<Variant<'a>>>,
}

/// A variant of an enum section: a unit, or a newtype of a `Config` struct.
pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// The tag's value that selects it.
    pub name: String,
    pub doc: String,
    pub ty: Option<&'a Type>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The key in files: `rename`, or the name in the struct's
    /// `rename_all` case.
    pub key: String,
    /// What env variables and flags are spelled from: `rename`, or the Rust
    /// name.
    pub name: String,
    pub kind: Kind<'a>,
    pub doc: String,
    pub attrs: FieldAttrs,
    /// `Option<T>`: T.
    pub option_inner: Option<&'a Type>,
    /// The type is `Secret<..>`.
    pub secret_type: bool,
}

/// What a field holds, from `nested`, `skip` and the type.
pub enum Kind<'a> {
    Leaf,
    Nested,
    /// `Option<T>` with `nested`: T.
    Optional(&'a Type),
    /// `Vec<T>` with `nested`: T.
    List(&'a Type),
    /// `HashMap<K, T>` or `BTreeMap<K, T>` with `nested`: K and T.
    Map(&'a Type, &'a Type),
    Skipped,
}

impl Field<'_> {
    pub fn is_secret(&self) -> bool {
        self.attrs.secret.is_some() || self.secret_type
    }

    /// The shape of a leaf, by the last segment of its type's name; text
    /// for a `from_str` field, which is read as a string.
    pub fn shape(&self) -> &'static str {
        if self.attrs.from_str.is_some() {
            return "Text";
        }
        let Some(ident) = last_ident(self.option_inner.unwrap_or(self.ty)) else {
            return "Other";
        };
        match ident.to_string().as_str() {
            "bool" => "Bool",
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64"
            | "i128" | "isize" => "Integer",
            "f32" | "f64" => "Float",
            "String" | "PathBuf" | "char" | "SocketAddr" | "IpAddr" | "Ipv4Addr" | "Ipv6Addr" => {
                "Text"
            }
            "Duration" => "Duration",
            "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => "List",
            "HashMap" | "BTreeMap" => "Map",
            _ => "Other",
        }
    }

    pub fn is_list(&self) -> bool {
        match self.kind {
            Kind::List(_) => true,
            Kind::Leaf => self.shape() == "List",
            _ => false,
        }
    }

    pub fn has_default(&self) -> bool {
        let a = &self.attrs;
        a.default.is_some() || a.default_code.is_some() || a.default_with.is_some()
    }

    /// Required: marked so, or a plain value (not `Option`, not a
    /// collection, not a section) without a default.
    pub fn required(&self) -> bool {
        if self.attrs.required.is_some() {
            return true;
        }
        matches!(self.kind, Kind::Leaf)
            && self.option_inner.is_none()
            && !self.has_default()
            && !matches!(self.shape(), "List" | "Map")
    }
}

pub fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<Container<'a>> {
    let attrs = attr::container(&input.attrs, errors);
    let c_attrs = &attrs;
    if !input.generics.params.is_empty() {
        errors.push(
            input.generics.span(),
            "`Config` cannot be derived for a generic struct",
        );
    }
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named,
            _ => {
                errors.push(
                    input.ident.span(),
                    "`Config` can only be derived for a struct with named fields or an enum",
                );
                return None;
            }
        },
        Data::Enum(e) => {
            let variants = e
                .variants
                .iter()
                .map(|v| variant(v, c_attrs, errors))
                .collect();
            return Some(Container {
                ident: &input.ident,
                doc: attr::doc(&input.attrs),
                attrs,
                fields: Vec::new(),
                variants: Some(variants),
            });
        }
        Data::Union(_) => {
            errors.push(
                input.ident.span(),
                "`Config` can only be derived for a struct with named fields or an enum",
            );
            return None;
        }
    };
    let fields = named
        .named
        .iter()
        .map(|f| {
            let ident = f.ident.as_ref().expect("named fields have idents");
            let attrs = attr::field(&f.attrs, errors);
            let raw = ident.to_string();
            let raw = raw.strip_prefix("r#").unwrap_or(&raw).to_owned();
            let (key, name) = match (&attrs.rename, &c_attrs.rename_all) {
                (Some(r), _) => (r.value.clone(), r.value.clone()),
                (None, Some(case)) => (case.value.field(&raw), raw),
                (None, None) => (raw.clone(), raw),
            };
            let kind = kind(&f.ty, &attrs);
            Field {
                ident,
                ty: &f.ty,
                key,
                name,
                kind,
                doc: attr::doc(&f.attrs),
                option_inner: generic_inner(&f.ty, "Option"),
                // `Secret<T>`, or a type that holds one (`Option<Secret<T>>`,
                // `Vec<Secret<T>>`, a map of them): the value is secret.
                secret_type: holds_secret(&f.ty),
                attrs,
            }
        })
        .collect();
    Some(Container {
        ident: &input.ident,
        doc: attr::doc(&input.attrs),
        attrs,
        fields,
        variants: None,
    })
}

fn variant<'a>(v: &'a syn::Variant, c_attrs: &ContainerAttrs, errors: &mut Errors) -> Variant<'a> {
    let rename = attr::variant(&v.attrs, errors);
    let raw = v.ident.to_string();
    let name = match (rename, &c_attrs.rename_all) {
        (Some(r), _) => r,
        (None, Some(case)) => case.value.variant(&raw),
        (None, None) => attr::Case::Snake.variant(&raw),
    };
    let ty = match &v.fields {
        Fields::Unit => None,
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
        other => {
            errors.push(
                other.span(),
                "a variant of a `Config` enum holds one `Config` struct or nothing, as in \
                 `S3(S3Storage)` or `Memory`",
            );
            None
        }
    };
    if let Some(d) = &v.discriminant {
        errors.push(
            d.1.span(),
            "a variant of a `Config` enum cannot have a discriminant",
        );
    }
    Variant {
        ident: &v.ident,
        name,
        doc: attr::doc(&v.attrs),
        ty,
    }
}

fn kind<'a>(ty: &'a Type, attrs: &FieldAttrs) -> Kind<'a> {
    if attrs.skip.is_some() {
        return Kind::Skipped;
    }
    if attrs.nested.is_none() {
        return Kind::Leaf;
    }
    if let Some(inner) = generic_inner(ty, "Option") {
        return Kind::Optional(inner);
    }
    if let Some(inner) = generic_inner(ty, "Vec") {
        return Kind::List(inner);
    }
    for map in ["HashMap", "BTreeMap"] {
        if let Some((key, value)) = generic_pair(ty, map) {
            return Kind::Map(key, value);
        }
    }
    Kind::Nested
}

/// The `<..>` of a type whose last path segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<&'a AngleBracketedGenericArguments> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != name {
        return None;
    }
    match &seg.arguments {
        PathArguments::AngleBracketed(args) => Some(args),
        _ => None,
    }
}

/// The item type inside a leaf's std collections and options
/// (`Tls` of `Option<Vec<Tls>>`), `None` for a type that is none of them:
/// checked as a leaf of its own, so that a `Config` struct there gets the
/// hint to add `nested` rather than serde's bound on the item.
pub fn leaf_item(ty: &Type) -> Option<&Type> {
    let one = ["Option", "Vec", "VecDeque", "BTreeSet", "HashSet"]
        .iter()
        .find_map(|name| generic_inner(ty, name));
    let item = one.or_else(|| {
        ["BTreeMap", "HashMap"]
            .iter()
            .find_map(|name| generic_pair(ty, name).map(|(_, v)| v))
    })?;
    Some(leaf_item(item).unwrap_or(item))
}

/// `K` and `V` of `Name<K, V>` (and of `Name<K, V, S>`, a hasher).
fn generic_pair<'a>(ty: &'a Type, name: &str) -> Option<(&'a Type, &'a Type)> {
    let args = generic_args(ty, name)?;
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    Some((types.next()?, types.next()?))
}

/// Whether a type is `Secret<..>` or has one among its type arguments, at
/// any depth (`Vec<Secret<String>>`, `BTreeMap<String, Secret<u64>>`).
fn holds_secret(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.iter().any(|seg| {
            seg.ident == "Secret"
                || match &seg.arguments {
                    PathArguments::AngleBracketed(args) => args.args.iter().any(|a| match a {
                        GenericArgument::Type(t) => holds_secret(t),
                        _ => false,
                    }),
                    _ => false,
                }
        }),
        Type::Group(g) => holds_secret(&g.elem),
        Type::Paren(p) => holds_secret(&p.elem),
        Type::Array(a) => holds_secret(&a.elem),
        Type::Slice(s) => holds_secret(&s.elem),
        Type::Tuple(t) => t.elems.iter().any(holds_secret),
        _ => false,
    }
}

/// The last path segment's name of a type, if it is a path.
pub fn last_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

/// `T` of `Name<T>`.
pub fn generic_inner<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let args = generic_args(ty, name)?;
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
