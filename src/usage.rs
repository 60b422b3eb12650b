//! Usage tables: every environment variable a configuration reads.

use crate::naming::EnvNaming;
use crate::schema::Schema;

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
        let default = match (&field.default, field.secret) {
            (Some(_), true) => "<secret>".to_owned(),
            (Some(d), false) => d.to_string(),
            (None, _) => String::new(),
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
