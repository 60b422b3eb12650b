//! Code generation: the static schema and the `__build` function.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::DeriveInput;

use crate::ast::{self, Container, Field};
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
    let secret = f.is_secret();
    let required = f.required();
    let optional = f.option_inner.is_some();
    let boolean = f.is_bool();
    let list = f.is_list();
    let append = f.attrs.append.is_some();
    let skip = f.attrs.skip.is_some();
    let restart = f.attrs.restart.is_some();
    let nested = if f.attrs.nested.is_some() {
        let t = f.ty;
        quote!(::staid::__private::Some(<#t as ::staid::Config>::SCHEMA))
    } else {
        quote!(::staid::__private::None)
    };
    quote! {
        ::staid::__private::Field {
            key: #key,
            ty: #ty,
            doc: #doc,
            default: #default,
            env: #env,
            flag: #flag,
            short: #short,
            secret: #secret,
            required: #required,
            optional: #optional,
            boolean: #boolean,
            list: #list,
            append: #append,
            skip: #skip,
            restart: #restart,
            nested: #nested,
        }
    }
}

fn expand(c: &Container<'_>) -> TokenStream {
    let ident = c.ident;
    let type_name = ident.to_string();
    let name = opt_str(c.attrs.name.as_ref().map(|n| n.value.as_str()));
    let doc = &c.doc;
    let fields = c.fields.iter().map(schema_field);

    let mut builds = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in c.fields.iter().enumerate() {
        let var = quote::format_ident!("__field{}", i);
        let ty = f.ty;
        let field_ref = quote!(&<Self as ::staid::Config>::SCHEMA.fields[#i]);
        let build = if f.attrs.skip.is_some() {
            quote!(let #var: ::staid::__private::Option<#ty> =
                ::staid::__private::Some(<#ty as ::staid::__private::Default>::default());)
        } else if f.attrs.nested.is_some() {
            quote!(let #var = __ctx.nested::<#ty>(__table, #field_ref);)
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
    let struct_validate = c.attrs.validate.as_ref().map(|v| {
        let path = &v.value;
        quote!(__ctx.validated_struct(#path(&__config));)
    });

    quote! {
        #[automatically_derived]
        impl ::staid::Config for #ident {
            const SCHEMA: &'static ::staid::__private::Schema = &::staid::__private::Schema {
                type_name: #type_name,
                name: #name,
                doc: #doc,
                version: ::core::option_env!("CARGO_PKG_VERSION"),
                fields: &[#(#fields),*],
            };

            fn __build(
                __node: ::staid::__private::Option<&::staid::__private::Value>,
                __ctx: &mut ::staid::__private::Ctx<'_>,
            ) -> ::staid::__private::Option<Self> {
                let __table = __ctx.table(__node)?;
                #(#builds)*
                __ctx.unknown_keys(__table, <Self as ::staid::Config>::SCHEMA);
                let __config = Self { #(#inits),* };
                #struct_validate
                ::staid::__private::Some(__config)
            }
        }
    }
}
