//! What a configuration accepts, for people: the table of environment
//! variables and a commented TOML template.

use crate::naming::EnvNaming;
use crate::schema::Schema;
use crate::value::{Inline, Key};

/// The table behind [`Builder::env_usage`](crate::Builder::env_usage).
pub(crate) fn env_table(schema: &'static Schema, naming: &EnvNaming) -> String {
    let mut rows = vec![[
        "VARIABLE".to_owned(),
        "TYPE".to_owned(),
        "DEFAULT".to_owned(),
        "REQUIRED".to_owned(),
        "DESCRIPTION".to_owned(),
    ]];
    schema.walk(&mut |path, field| {
        let default = match (crate::redact::default_of(field), &field.default) {
            (Some(shown), _) => shown.to_string(),
            (None, Some(_)) => crate::redact::MASKED_KEY.to_owned(),
            (None, None) => String::new(),
        };
        rows.push([
            naming.var(path, field),
            field.ty.to_owned(),
            default,
            if field.required { "yes" } else { "" }.to_owned(),
            field.doc.lines().next().unwrap_or("").to_owned(),
        ]);
    });
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::from(
        "This application is configured with the following environment variables:\n\n",
    );
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}    ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A commented TOML file with every key, its doc comment and its default;
/// keys without a default are commented out with their type. Behind
/// [`Builder::toml_template`](crate::Builder::toml_template).
pub(crate) fn toml_template(schema: &'static Schema) -> String {
    let mut out = String::new();
    if !schema.doc.is_empty() {
        comment(&mut out, schema.doc);
        out.push('\n');
    }
    template_table(schema, "", &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn template_table(schema: &'static Schema, prefix: &str, out: &mut String) {
    for field in schema
        .fields
        .iter()
        .filter(|f| !f.skip && f.nested.is_none())
    {
        comment(out, field.doc);
        let key = Key(field.key);
        match crate::redact::default_of(field) {
            Some(default) => {
                out.push_str(&format!("{key} = {}\n", Inline(&default.to_value())));
            }
            _ => {
                let mut notes = vec![field.ty.to_owned()];
                if field.required {
                    notes.push("required".to_owned());
                }
                if field.secret {
                    notes.push("secret".to_owned());
                }
                out.push_str(&format!("# {key} =   ({})\n", notes.join(", ")));
            }
        }
        out.push('\n');
    }
    for field in schema.fields.iter().filter(|f| !f.skip) {
        let Some(nested) = field.nested else { continue };
        let path = if prefix.is_empty() {
            Key(field.key).to_string()
        } else {
            format!("{prefix}.{}", Key(field.key))
        };
        comment(out, field.doc);
        out.push_str(&format!("[{path}]\n"));
        template_table(nested, &path, out);
    }
}
