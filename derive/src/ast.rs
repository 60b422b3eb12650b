//! The checked form of a `#[derive(Config)]` input: what expand needs, with
//! the type facts (Option, bool, Secret) read off the field types.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type};

use crate::attr::{self, ContainerAttrs, Errors, FieldAttrs};

pub struct Container<'a> {
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub doc: String,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub key: String,
    pub doc: String,
    pub attrs: FieldAttrs,
    /// `Option<T>`: T.
    pub option_inner: Option<&'a Type>,
    /// The type is `Secret<..>`.
    pub secret_type: bool,
}

impl Field<'_> {
    pub fn is_secret(&self) -> bool {
        self.attrs.secret.is_some() || self.secret_type
    }

    pub fn is_bool(&self) -> bool {
        last_ident(self.option_inner.unwrap_or(self.ty)).is_some_and(|i| i == "bool")
    }

    pub fn is_list(&self) -> bool {
        let ty = self.option_inner.unwrap_or(self.ty);
        last_ident(ty)
            .is_some_and(|i| i == "Vec" || i == "HashSet" || i == "BTreeSet" || i == "VecDeque")
    }

    pub fn required(&self) -> bool {
        self.option_inner.is_none()
            && self.attrs.default.is_none()
            && self.attrs.nested.is_none()
            && self.attrs.skip.is_none()
    }
}

pub fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<Container<'a>> {
    let attrs = attr::container(&input.attrs, errors);
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
                    "`Config` can only be derived for a struct with named fields",
                );
                return None;
            }
        },
        _ => {
            errors.push(
                input.ident.span(),
                "`Config` can only be derived for a struct with named fields",
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
            let key = match &attrs.rename {
                Some(r) => r.value.clone(),
                None => raw.strip_prefix("r#").unwrap_or(&raw).to_owned(),
            };
            Field {
                ident,
                ty: &f.ty,
                key,
                doc: attr::doc(&f.attrs),
                option_inner: generic_inner(&f.ty, "Option"),
                // `Secret<T>` or `Option<Secret<T>>`: the value is secret either way.
                secret_type: last_ident(generic_inner(&f.ty, "Option").unwrap_or(&f.ty))
                    .is_some_and(|i| i == "Secret"),
                attrs,
            }
        })
        .collect();
    Some(Container {
        ident: &input.ident,
        doc: attr::doc(&input.attrs),
        attrs,
        fields,
    })
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
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
