//! `Format`, chosen by a file's extension, and the one entry point that
//! parses text of a format.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::snippet::Lines;
use crate::value::Value;

/// Tables and arrays nested deeper than this are refused, so that no input
/// can exhaust the stack. It is the `toml` parser's own limit (brackets and
/// dotted keys alike), which staid applies to JSON text as well, before
/// parsing it.
pub const MAX_DEPTH: usize = 80;

/// A text format staid parses into a value tree.
///
/// Lua scripts are not a format: they are run, not parsed, by their own
/// loader ([`source::Lua`](crate::source::Lua), feature `lua`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.json`
    Json,
}

impl Format {
    /// The format for a path's extension, if it is one of these.
    pub fn from_path(path: &Path) -> Option<Format> {
        Format::from_extension(path.extension()?.to_str()?)
    }

    /// The format for an extension without its dot (`"toml"`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The extension of each format, in the order discovery looks for them.
    pub const EXTENSIONS: &'static [&'static str] = &["toml", "json"];
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
        })
    }
}

/// Parses `text` of `format` into a tree whose values carry
/// [`Origin::File`] positions in `name` (a path, or any name that stands for
/// the text: `<toml>`, a URL). Every problem found is returned, each with its
/// position and a snippet; text with a problem gives no tree. The problems
/// carry the text, so that, reported by a source, their snippets hide a
/// secret value that spans lines as those of a file do.
///
/// ```
/// use staid::format::{parse, Format};
///
/// let (tree, problems) = parse(Format::Toml, "served.toml", "port = 8080\nhost = \n");
/// assert_eq!(problems.len(), 1);
/// assert_eq!(problems[0].origin().unwrap().to_string(), "served.toml:2:8");
/// assert!(tree.is_none());
///
/// let (tree, problems) = parse(Format::Json, "<served>", r#"{"port": 8080}"#);
/// assert!(problems.is_empty());
/// assert_eq!(tree.unwrap().get("port").unwrap().origin.to_string(), "<served>:1:10");
/// ```
pub fn parse(format: Format, name: impl AsRef<Path>, text: &str) -> (Option<Value>, Vec<Problem>) {
    let name: Arc<Path> = Arc::from(name.as_ref());
    parse_named(format, text, &name)
}

pub(crate) fn parse_named(
    format: Format,
    text: &str,
    name: &Arc<Path>,
) -> (Option<Value>, Vec<Problem>) {
    // Positions count from after a byte-order mark, as an editor shows them.
    let text = super::without_bom(text).unwrap_or(text);
    let lines = Lines::new(text);
    let (value, problems) = match format {
        // The TOML parser counts depth itself (see `toml::parse`).
        Format::Toml => super::toml::parse(text, name, &lines),
        // So does the JSON reader, before it parses.
        Format::Json => super::json::parse(text, name, &lines),
    };
    (value, carrying(problems, text))
}

/// Gives each problem of a parse the text it was found in, so that its
/// snippet hides a secret that spans lines whatever the source does with
/// the text. One copy, made only when there are problems.
fn carrying(problems: Vec<Problem>, text: &str) -> Vec<Problem> {
    if problems.is_empty() {
        return problems;
    }
    let text: Arc<str> = Arc::from(text);
    problems
        .into_iter()
        .map(|p| p.with_text(text.clone()))
        .collect()
}

/// A JSON value of any kind, not only an object at the top as a file must
/// hold, read with the positions of a file named `name`: for a source whose
/// documents may be a list or a number (etcd's `.json` keys). `null` and
/// empty text give no value.
///
/// ```
/// let (value, problems) = staid::format::parse_json_value("/app/tags.json", r#"["a", "b"]"#);
/// assert!(problems.is_empty());
/// assert_eq!(value.unwrap().get("1").unwrap().as_str(), Some("b"));
/// ```
pub fn parse_json_value(name: impl AsRef<Path>, text: &str) -> (Option<Value>, Vec<Problem>) {
    let name: Arc<Path> = Arc::from(name.as_ref());
    let lines = Lines::new(text);
    let (value, problems) = super::json::parse_value(text, &name, &lines);
    (value, carrying(problems, text))
}

/// The problem of nesting deeper than [`MAX_DEPTH`] at a byte offset.
pub(crate) fn too_deep_problem(path: &Arc<Path>, lines: &Lines<'_>, offset: usize) -> Problem {
    let (line, column) = lines.position(offset);
    Problem::new(
        ProblemKind::TooDeep,
        format!("nesting is deeper than the limit of {MAX_DEPTH} levels"),
    )
    .with_origin(Origin::File {
        path: path.clone(),
        line,
        column,
    })
    .with_snippet(Some(lines.snippet(offset..offset + 1)))
}
