//! What a configuration accepts, for people: the table of environment
//! variables and a commented TOML template.

use crate::naming::EnvNaming;
use crate::schema::{FieldKind, Schema};
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
    schema.walk_named(&mut |path, names, field| {
        let default = match (crate::redact::default_of(field), &field.default) {
            (Some(shown), _) => shown.to_string(),
            (None, Some(_)) => crate::redact::MASKED_KEY.to_owned(),
            (None, None) => match field.default_code {
                Some(_) if field.secret => crate::redact::MASKED_KEY.to_owned(),
                code => code.unwrap_or_default().to_owned(),
            },
        };
        let var = naming.var(names, field);
        if let FieldKind::Map(element) = field.kind {
            // The map as inline JSON, then each field of an entry.
            rows.push([
                var.clone(),
                format!("{} (JSON)", field.ty),
                String::new(),
                if field.required { "yes" } else { "" }.to_owned(),
                field.doc.lines().next().unwrap_or("").to_owned(),
            ]);
            entry_rows(&mut rows, &var, element, naming.sep, 1);
            return;
        }
        let ty = match field.kind {
            FieldKind::List(_) => format!("{} (JSON)", field.ty),
            _ => field.ty.to_owned(),
        };
        let required = match (field.required, condition(schema, path)) {
            (false, _) => String::new(),
            (true, None) => "yes".to_owned(),
            (true, Some(when)) => format!("if {when}"),
        };
        rows.push([
            var,
            ty,
            default,
            required,
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

/// The rows of each field of an entry of the map whose variable is `var`
/// (`MYAPP_UPSTREAMS_<NAME>_URL`); a map of sections inside the entry as
/// its inline JSON and then, as far as the env layer reads them, its own
/// entries' fields.
fn entry_rows(
    rows: &mut Vec<[String; 5]>,
    var: &str,
    element: &'static Schema,
    sep: &'static str,
    depth: usize,
) {
    let inner = EnvNaming {
        prefix: format!("{var}{sep}<NAME>{sep}"),
        sep,
    };
    element.walk_named(&mut |_, names, field| {
        let bare = crate::schema::Field {
            env: None,
            ..*field
        };
        let var = inner.var(names, &bare);
        let ty = match field.kind {
            FieldKind::List(_) | FieldKind::Map(_) => format!("{} (JSON)", field.ty),
            _ => field.ty.to_owned(),
        };
        rows.push([
            var.clone(),
            ty,
            crate::redact::default_of(field)
                .map(ToString::to_string)
                .unwrap_or_default(),
            String::new(),
            field.doc.lines().next().unwrap_or("").to_owned(),
        ]);
        if let FieldKind::Map(element) = field.kind {
            if depth < crate::source::MAX_MAP_DEPTH {
                entry_rows(rows, &var, element, sep, depth + 1);
            }
        }
    });
}

/// How variables and flags write values that are not plain text.
const TEXT_FORMS: &str =
    "In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps \
                          k:v,k:v, durations 1m30s or 250ms.";

/// What the table of variables leaves out: `_FILE`, `<PREFIX>CONFIG`, and
/// the text forms of values.
pub(crate) fn env_notes(naming: &EnvNaming, discovers: bool) -> String {
    let mut out = String::from(
        "Any variable can be given as <VARIABLE>_FILE instead, naming a file that holds the \
         value (for secrets).\n",
    );
    if let Some(var) = crate::source::config_var(naming).filter(|_| discovers) {
        out.push_str(&format!(
            "{var} names a configuration file read after the discovered ones.\n"
        ));
    }
    out.push_str(TEXT_FORMS);
    out.push('\n');
    out
}

/// How `--help` lists the file `--config` names (`.. or MYAPP_CONFIG`
/// where discovery reads the variable too).
pub(crate) const CONFIG_SOURCE: &str = "the file named by --config";

/// The end of `--help`: where configuration comes from, lowest first, and
/// how values are written on the command line and in variables. Without
/// `config_flag` (an application that has a `--config` of its own keeps
/// it), the file is listed only as the variable names it.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) fn sources(naming: &crate::naming::Naming, config_flag: bool) -> String {
    let mut out = String::from("Configuration, lowest first (later wins):\n  defaults\n");
    for source in &naming.sources {
        let source = match source.strip_prefix(CONFIG_SOURCE) {
            Some(_) if config_flag => source.clone(),
            Some(var) => match var.strip_prefix(" or ") {
                Some(var) => format!("the file named by {var}"),
                None => continue,
            },
            None => source.clone(),
        };
        out.push_str(&format!("  {source}\n"));
    }
    out.push('\n');
    out.push_str(TEXT_FORMS);
    out
}

/// An environment layer, as `--help` lists it.
pub(crate) fn env_source(env: &EnvNaming) -> String {
    let prefix = env.prefix.as_str();
    format!(
        "environment variables {prefix}<KEY> (nested keys joined by {}), or \
         {prefix}<KEY>_FILE naming a file that holds the value",
        env.sep
    )
}

/// When a required field is required only in some case: its optional
/// section is present (`tls` is set), or its enum section has its variant
/// (`storage.kind = "s3"`).
fn condition(schema: &Schema, path: &str) -> Option<String> {
    let mut schema = schema;
    let mut at = String::new();
    for part in path.split('.') {
        let own = schema.fields.iter().find(|f| f.key == part);
        if let (None, Some((tag, variants))) = (own, schema.tag()) {
            let variant = variants
                .iter()
                .find(|v| v.schema.is_some_and(|s| s.field(part).is_some()))?;
            let sep = if at.is_empty() { "" } else { "." };
            return Some(format!("{at}{sep}{} = \"{}\"", tag.key, variant.name));
        }
        let field = schema.field(part)?;
        if !at.is_empty() {
            at.push('.');
        }
        at.push_str(part);
        if let FieldKind::Optional(_) = field.kind {
            return Some(format!("{at} is set"));
        }
        schema = field.nested()?;
    }
    None
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
        .filter(|f| matches!(f.kind, FieldKind::Leaf { .. }))
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
                if let Some(code) = field
                    .default_code
                    .filter(|_| !crate::redact::hides_whole(field))
                {
                    notes.push(format!("default {code}"));
                }
                out.push_str(&format!("# {key} =   ({})\n", notes.join(", ")));
            }
        }
        out.push('\n');
    }
    if let Some((tag, variants)) = schema.tag() {
        // The tag chooses one variant: the first that needs no value stays
        // in force, so that the file loads as it is; the others are
        // commented out. One that opens tables of its own is written last,
        // so that those tables hold none of the others.
        let chosen = variants
            .iter()
            .position(|v| v.schema.is_none_or(|s| !s.needs_keys()));
        let mut in_force = String::new();
        for (i, variant) in variants.iter().enumerate() {
            let mut text = String::new();
            comment(&mut text, variant.doc);
            text.push_str(&format!("{} = \"{}\"\n", Key(tag.key), variant.name));
            match variant.schema {
                Some(inner) => template_table(inner, prefix, &mut text),
                None => text.push('\n'),
            }
            match Some(i) == chosen {
                true if text.lines().any(|l| l.starts_with('[')) => in_force = text,
                true => out.push_str(&text),
                false => commented(&text, out),
            }
        }
        out.push_str(&in_force);
    }
    for field in schema.fields {
        let path = if prefix.is_empty() {
            Key(field.key).to_string()
        } else {
            format!("{prefix}.{}", Key(field.key))
        };
        let (header, element, note) = match field.kind {
            FieldKind::Nested(nested) => {
                comment(out, field.doc);
                out.push_str(&format!("[{path}]\n"));
                template_table(nested, &path, out);
                continue;
            }
            FieldKind::Optional(nested) => (
                format!("[{path}]"),
                nested,
                "optional: absent unless some key of it is set",
            ),
            FieldKind::List(element) => (
                format!("[[{path}]]"),
                element,
                "a list: repeat the table for each entry",
            ),
            FieldKind::Map(element) => (
                format!("[{path}.<name>]"),
                element,
                "a map: one table per entry, named as you like",
            ),
            _ => continue,
        };
        // Commented out: an optional section would become present, and an
        // example entry's required values have no value to show.
        comment(out, field.doc);
        out.push_str(&format!("# ({note})\n# {header}\n"));
        let mut inner = String::new();
        let within = match field.kind {
            FieldKind::Map(_) => format!("{path}.<name>"),
            _ => path,
        };
        template_table(element, &within, &mut inner);
        commented(&inner, out);
    }
}

/// `text` with every line that is not already a comment commented out.
fn commented(text: &str, out: &mut String) {
    for line in text.lines() {
        match line.is_empty() || line.starts_with('#') {
            true => out.push_str(line),
            false => {
                out.push_str("# ");
                out.push_str(line);
            }
        }
        out.push('\n');
    }
}
