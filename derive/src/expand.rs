//! Code generation: the static schema and the `__build` function.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::ast::{self, Container, Field, Kind};
use crate::attr::{DefaultLit, Errors};
use crate::check;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let container = ast::parse(input, &mut errors);
    if let Some(c) = &container {
        check::check(c, &mut errors);
    }
    match (container, errors.into_result()) {
        (Some(c), Ok(())) => expand(&c),
        (_, Err(e)) => {
            // A stand-in impl, so one mistake gives one error and not a
            // cascade of "Config is not implemented" at every use.
            let mut out = e.to_compile_error();
            out.extend(fallback(input));
            out
        }
        (None, Ok(())) => fallback(input),
    }
}

fn fallback(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = ident.to_string();
    quote! {
        #[automatically_derived]
        impl ::staid::Config for #ident {
            const SCHEMA: &'static ::staid::__private::Schema = &::staid::__private::Schema {
                type_name: #name,
                name: ::staid::__private::None,
                doc: "",
                version: ::staid::__private::None,
                fields: &[],
            };
            fn __build(
                _: ::staid::__private::Option<&::staid::__private::Value>,
                _: &mut ::staid::__private::Ctx<'_>,
            ) -> ::staid::__private::Option<Self> {
                ::staid::__private::None
            }
        }
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::staid::__private::Some(#s)),
        None => quote!(::staid::__private::None),
    }
}

fn literal(lit: &DefaultLit) -> TokenStream {
    match lit {
        DefaultLit::Str(s) => quote!(::staid::__private::Literal::Str(#s)),
        DefaultLit::Int(i) => {
            let i = proc_macro2::Literal::i128_unsuffixed(*i);
            quote!(::staid::__private::Literal::Int(#i))
        }
        DefaultLit::Float(f) => {
            let f = proc_macro2::Literal::f64_unsuffixed(*f);
            quote!(::staid::__private::Literal::Float(#f))
        }
        DefaultLit::Bool(b) => quote!(::staid::__private::Literal::Bool(#b)),
        DefaultLit::Array(items) => {
            let items = items.iter().map(literal);
            quote!(::staid::__private::Literal::Array(&[#(#items),*]))
        }
        DefaultLit::EmptyTable => quote!(::staid::__private::Literal::EmptyTable),
    }
}

/// The type as text, without the spaces `quote` puts around punctuation.
fn type_text(ty: &syn::Type) -> String {
    let raw = ty.to_token_stream().to_string();
    raw.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

fn schema_field(f: &Field<'_>) -> TokenStream {
    let key = &f.key;
    let ty = type_text(f.ty);
    let doc = &f.doc;
    let default = match &f.attrs.default {
        Some(d) => {
            let lit = literal(&d.value);
            quote!(::staid::__private::Some(#lit))
        }
        None => quote!(::staid::__private::None),
    };
    let env = opt_str(f.attrs.env.as_ref().map(|s| s.value.as_str()));
    let flag = opt_str(f.attrs.flag.as_ref().map(|s| s.value.as_str()));
    let short = match &f.attrs.short {
        Some(c) => {
            let c = c.value;
            quote!(::staid::__private::Some(#c))
        }
        None => quote!(::staid::__private::None),
    };
    // The type's name tells for `Secret<T>` as written; the probe tells
    // through an alias.
    let field_ty = f.ty;
    let secret = match f.is_secret() {
        true => quote!(true),
        false => quote!({
            #[allow(unused_imports)]
            use ::staid::__private::NotSecret as _;
            <::staid::__private::SecretProbe<#field_ty>>::SECRET
        }),
    };
    let required = f.required();
    let append = f.attrs.append.is_some();
    let restart = f.attrs.restart.is_some();
    let path = f.attrs.path.is_some();
    let name = &f.name;
    let ident = f.ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident);
    let kind = match f.kind {
        Kind::Leaf => {
            let shape = quote::format_ident!("{}", f.shape());
            let optional = f.option_inner.is_some();
            quote!(::staid::__private::FieldKind::Leaf {
                shape: ::staid::__private::Shape::#shape,
                optional: #optional,
            })
        }
        Kind::Nested => section_kind("Nested", f.ty),
        Kind::Optional(inner) => section_kind("Optional", inner),
        Kind::List(inner) => section_kind("List", inner),
        Kind::Map(_, inner) => section_kind("Map", inner),
        Kind::Skipped => quote!(::staid::__private::FieldKind::Skipped),
    };
    // A leaf type's own JSON Schema, when it has one (the probe falls back
    // to `None`); for `Option<T>`, T's, since absence needs no schema.
    let json_schema = match f.kind {
        Kind::Leaf => {
            let probed = f.option_inner.unwrap_or(f.ty);
            quote!({
                #[allow(unused_imports)]
                use ::staid::__private::NoSchema as _;
                <::staid::__private::Probe<#probed>>::JSON_SCHEMA
            })
        }
        _ => quote!(::staid::__private::None),
    };
    let default_code = opt_str(default_code_text(f).as_deref());
    quote! {
        ::staid::__private::Field {
            key: #key,
            ident: #ident,
            name: #name,
            ty: #ty,
            doc: #doc,
            kind: #kind,
            default: #default,
            default_code: #default_code,
            env: #env,
            flag: #flag,
            short: #short,
            secret: #secret,
            required: #required,
            append: #append,
            restart: #restart,
            path: #path,
            json_schema: #json_schema,
        }
    }
}

/// `<T as Config>::SCHEMA` in a section kind, spanned at the type so that a
/// type that is not a `Config` is reported there.
fn section_kind(kind: &str, ty: &syn::Type) -> TokenStream {
    let kind = quote::format_ident!("{}", kind);
    let schema = quote_spanned!(ty.span()=> <#ty as ::staid::Config>::SCHEMA);
    quote!(::staid::__private::FieldKind::#kind(#schema))
}

/// `<T as Config>::__build`, spanned like the schema's reference to `T`, so
/// that a `T` that is not `Config` gives one error.
fn section_build(ty: &syn::Type) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as ::staid::Config>::__build)
}

/// A default from code as help shows it.
fn default_code_text(f: &Field<'_>) -> Option<String> {
    if f.attrs.default_code.is_some() {
        return Some("Default::default()".to_owned());
    }
    let path = &f.attrs.default_with.as_ref()?.value;
    Some(format!("{}()", type_text_of(path)))
}

fn type_text_of(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(" :: ", "::")
}

/// An enum section: a schema whose one field is the tag, listing the
/// variants; the build reads the tag, then the chosen variant's struct
/// from the same table.
fn expand_enum(c: &Container<'_>, variants: &[ast::Variant<'_>]) -> TokenStream {
    let tag = c.attrs.tag.as_ref().map_or("kind", |t| t.value.as_str());
    let listed: Vec<String> = variants.iter().map(|v| format!("`{}`", v.name)).collect();
    let tag_doc = format!("Which variant: one of {}.", listed.join(", "));
    let schema_variants = variants.iter().map(|v| {
        let vname = &v.name;
        let vdoc = &v.doc;
        let schema = match v.ty {
            Some(ty) => {
                let schema = quote_spanned!(ty.span()=> <#ty as ::staid::Config>::SCHEMA);
                quote!(::staid::__private::Some(#schema))
            }
            None => quote!(::staid::__private::None),
        };
        quote!(::staid::__private::Variant { name: #vname, doc: #vdoc, schema: #schema })
    });
    let checks = variants.iter().filter_map(|v| {
        let ty = v.ty?;
        let clash = format!(
            "variant `{}`: a field of `{}` has the tag's key `{tag}`, so the tag would set it; \
             rename the field or choose another key with `#[config(tag = \"..\")]`",
            v.name,
            type_text_of(ty),
        );
        let nested = format!(
            "variant `{}`: `{}` is an enum section, whose own tag no file could reach; \
             hold it in a field of a struct (`#[config(nested)]`)",
            v.name,
            type_text_of(ty),
        );
        // Literal format strings for `panic!` in a const.
        let (clash, nested) = (clash.replace('{', "{{"), nested.replace('{', "{{"));
        let (clash, nested) = (clash.replace('}', "}}"), nested.replace('}', "}}"));
        Some(quote_spanned! {ty.span()=>
            const _: () = match ::staid::__private::check_variant(
                #tag,
                <#ty as ::staid::Config>::SCHEMA,
            ) {
                ::staid::__private::VariantCheck::Ok => {}
                ::staid::__private::VariantCheck::TagKey => ::core::panic!(#clash),
                ::staid::__private::VariantCheck::Enum => ::core::panic!(#nested),
            };
        })
    });
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let vident = v.ident;
        match v.ty {
            Some(ty) => {
                let build = section_build(ty);
                quote!(#i => Self::#vident(__ctx.variant_fields(__node, __schema, #build)?),)
            }
            None => quote!(#i => {
                __ctx.unknown_keys(__table, __schema);
                Self::#vident
            }),
        }
    });
    let field = quote! {
        ::staid::__private::Field {
            key: #tag,
            ident: #tag,
            name: #tag,
            ty: "String",
            doc: #tag_doc,
            kind: ::staid::__private::FieldKind::Tag(&[#(#schema_variants),*]),
            default: ::staid::__private::None,
            default_code: ::staid::__private::None,
            env: ::staid::__private::None,
            flag: ::staid::__private::None,
            short: ::staid::__private::None,
            secret: false,
            required: true,
            append: false,
            restart: false,
            path: false,
            json_schema: ::staid::__private::None,
        }
    };
    let build = quote! {
        let __schema = <Self as ::staid::Config>::SCHEMA;
        let __table = __ctx.table(__node)?;
        let __config = match __ctx.variant(__table, __schema)? {
            #(#arms)*
            _ => return ::staid::__private::None,
        };
    };
    let config = config_impl(c, field, build);
    quote!(#config #(#checks)*)
}

/// The `Config` impl: the schema with these fields, and a build that runs
/// `build` (which binds `__table` and `__config`), then the struct's own
/// validator.
fn config_impl(c: &Container<'_>, fields: TokenStream, build: TokenStream) -> TokenStream {
    let ident = c.ident;
    let type_name = ident.to_string();
    let name = opt_str(c.attrs.name.as_ref().map(|n| n.value.as_str()));
    let doc = &c.doc;
    let struct_validate = c.attrs.validate.as_ref().map(|v| {
        let path = &v.value;
        quote!(__ctx.validated_struct(
            __table,
            <Self as ::staid::Config>::SCHEMA,
            #path(&__config),
        );)
    });
    quote! {
        #[automatically_derived]
        impl ::staid::Config for #ident {
            const SCHEMA: &'static ::staid::__private::Schema = &::staid::__private::Schema {
                type_name: #type_name,
                name: #name,
                doc: #doc,
                version: ::core::option_env!("CARGO_PKG_VERSION"),
                fields: &[#fields],
            };

            fn __build(
                __node: ::staid::__private::Option<&::staid::__private::Value>,
                __ctx: &mut ::staid::__private::Ctx<'_>,
            ) -> ::staid::__private::Option<Self> {
                #build
                #struct_validate
                ::staid::__private::Some(__config)
            }
        }
    }
}

fn expand(c: &Container<'_>) -> TokenStream {
    if let Some(variants) = &c.variants {
        return expand_enum(c, variants);
    }
    let fields = c.fields.iter().map(schema_field);

    let mut builds = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in c.fields.iter().enumerate() {
        let var = quote::format_ident!("__field{}", i);
        let ty = f.ty;
        let field_ref = quote!(&<Self as ::staid::Config>::SCHEMA.fields[#i]);
        let code_default = match (&f.attrs.default_code, &f.attrs.default_with) {
            (Some(_), _) => Some(quote!(<#ty as ::staid::__private::Default>::default)),
            (None, Some(with)) => {
                let path = &with.value;
                Some(quote_spanned!(path.span()=> #path))
            }
            (None, None) => None,
        };
        let build = if let Kind::Skipped = f.kind {
            quote!(let #var: ::staid::__private::Option<#ty> =
                ::staid::__private::Some(<#ty as ::staid::__private::Default>::default());)
        } else if let Kind::Nested = f.kind {
            let build = section_build(ty);
            quote!(let #var: ::staid::__private::Option<#ty> = __ctx.nested(__table, #field_ref, #build);)
        } else if let Kind::Optional(inner) = f.kind {
            let build = section_build(inner);
            quote!(let #var: ::staid::__private::Option<#ty> = __ctx.optional(__table, #field_ref, #build);)
        } else if let Kind::List(inner) = f.kind {
            let build = section_build(inner);
            quote!(let #var: ::staid::__private::Option<#ty> = __ctx.list(__table, #field_ref, #build);)
        } else if let Kind::Map(_, inner) = f.kind {
            let build = section_build(inner);
            quote!(let #var: ::staid::__private::Option<#ty> = __ctx.map(__table, #field_ref, #build);)
        } else if let Some(default) = code_default {
            quote!(let #var = __ctx.leaf_or_else::<#ty>(__table, #field_ref, #default);)
        } else if f.attrs.from_str.is_some() {
            match f.option_inner {
                Some(inner) => {
                    quote!(let #var = __ctx.leaf_parsed_opt::<#inner>(__table, #field_ref);)
                }
                None => quote!(let #var = __ctx.leaf_parsed::<#ty>(__table, #field_ref);),
            }
        } else {
            quote!(let #var = __ctx.leaf::<#ty>(__table, #field_ref);)
        };
        if let (Kind::Leaf, None, Some(item)) =
            (&f.kind, &f.attrs.from_str, crate::ast::leaf_item(ty))
        {
            builds.push(quote_spanned!(item.span()=> ::staid::__private::leaf_item::<#item>();));
        }
        builds.push(build);
        if let Some(validate) = &f.attrs.validate {
            let path = &validate.value;
            builds.push(quote! {
                if let ::staid::__private::Some(__value) = &#var {
                    __ctx.validated(__table, #field_ref, #path(__value));
                }
            });
        }
        let field_ident = f.ident;
        inits.push(quote!(#field_ident: #var?));
    }
    let build = quote! {
        let __table = __ctx.table(__node)?;
        #(#builds)*
        __ctx.unknown_keys(__table, <Self as ::staid::Config>::SCHEMA);
        let __config = Self { #(#inits),* };
    };
    config_impl(c, quote!(#(#fields),*), build)
}
