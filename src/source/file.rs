//! File layers: read, check, and hand to the parser of the format.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LoadCtx, Source};
use crate::error::{Lines, Problem, ProblemKind};
use crate::origin::Origin;
use crate::value::Value;

/// Tables and arrays nested deeper than this are refused before parsing, so
/// that no input can exhaust the stack. It is below the `toml` parser's own
/// limit of 80, so TOML and JSON files meet the same limit and the same error.
pub const MAX_DEPTH: usize = 64;

/// A file's format, chosen by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.json`
    Json,
}

impl Format {
    /// The format for a path's extension, if staid reads it.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// Every extension staid reads, for discovery and messages.
    pub const EXTENSIONS: &'static [&'static str] = &["toml", "json"];

    pub(crate) fn parse(self, text: &str, path: &Arc<Path>) -> (Option<Value>, Vec<Problem>) {
        let lines = Lines::new(text);
        if let Some(offset) = too_deep(text, self == Format::Toml) {
            let (line, column) = lines.position(offset);
            let problem = Problem::new(
                ProblemKind::TooDeep,
                format!("nesting is deeper than the limit of {MAX_DEPTH} levels"),
            )
            .with_origin(Origin::File {
                path: path.clone(),
                line,
                column,
            })
            .with_snippet(Some(lines.snippet(offset..offset + 1)));
            return (None, vec![problem]);
        }
        match self {
            Format::Toml => super::toml::parse(text, path, &lines),
            Format::Json => super::json::parse(text, path, &lines),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
        })
    }
}

/// A file layer: [`Builder::file`](crate::Builder::file) and
/// [`Builder::optional_file`](crate::Builder::optional_file).
#[derive(Clone, Debug)]
pub struct File {
    path: PathBuf,
    optional: bool,
}

impl File {
    /// A file that must exist.
    pub fn required(path: impl Into<PathBuf>) -> File {
        File {
            path: path.into(),
            optional: false,
        }
    }

    /// A file that may be missing; if it exists it must be readable and valid.
    pub fn optional(path: impl Into<PathBuf>) -> File {
        File {
            path: path.into(),
            optional: true,
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Source for File {
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let path: Arc<Path> = Arc::from(self.path.as_path());
        let Some(text) = read(&path, self.optional)? else {
            return Ok(None);
        };
        let Some(format) = Format::from_path(&path) else {
            return Err(vec![unknown_format(&path)]);
        };
        let (value, problems) = format.parse(&text, &path);
        ctx.add_text(path, text);
        ctx.problems.extend(problems);
        Ok(value)
    }

    fn watch_paths(&self, _ctx: &LoadCtx<'_>) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }
}

/// Configuration text held in memory, such as defaults compiled in with
/// `include_str!` ([`Builder::toml_str`](crate::Builder::toml_str)).
#[derive(Clone, Debug)]
pub struct Text {
    name: PathBuf,
    format: Format,
    text: Arc<str>,
}

impl Text {
    /// Text in `format`; `name` stands for the file in origins and errors.
    pub fn new(format: Format, name: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Text {
        Text {
            name: name.into(),
            format,
            text: text.into(),
        }
    }
}

impl Source for Text {
    fn describe(&self) -> String {
        format!("{} text {}", self.format, self.name.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let path: Arc<Path> = Arc::from(self.name.as_path());
        let (value, problems) = self.format.parse(&self.text, &path);
        ctx.add_text(path, self.text.clone());
        ctx.problems.extend(problems);
        Ok(value)
    }
}

fn unknown_format(path: &Arc<Path>) -> Problem {
    let found = path
        .extension()
        .map(|e| format!("`.{}`", e.to_string_lossy()))
        .unwrap_or_else(|| "no extension".to_owned());
    let known: Vec<String> = Format::EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
    Problem::new(
        ProblemKind::Format,
        format!(
            "{}: unknown format ({found}); staid reads {}",
            path.display(),
            known.join(", ")
        ),
    )
}

/// Reads a file as UTF-8 text. `Ok(None)` when it is optional and missing.
pub(crate) fn read(path: &Arc<Path>, optional: bool) -> Result<Option<Arc<str>>, Vec<Problem>> {
    let io_problem = |reason: String| {
        vec![Problem::new(
            ProblemKind::Io,
            format!("cannot read {}: {reason}", path.display()),
        )]
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound && optional => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::IsADirectory || path.is_dir() => {
            return Err(io_problem("it is a directory, not a file".to_owned()))
        }
        Err(e) => return Err(io_problem(os_reason(&e))),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(Arc::from(text))),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let good = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let (line, column) = Lines::new(good).position(valid);
            Err(vec![Problem::new(
                ProblemKind::Io,
                format!("{} is not UTF-8 text", path.display()),
            )
            .with_origin(Origin::File {
                path: path.clone(),
                line,
                column,
            })])
        }
    }
}

/// The OS reason without Rust's "(os error 2)" suffix.
fn os_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// The byte offset where nesting first passes [`MAX_DEPTH`], counting
/// brackets outside strings and, for TOML, dots in keys (each makes a table).
///
/// Only dots in key position count (table headers, keys before `=`, keys in
/// inline tables), each key on its own: `x = [1.5, 2.5, ..]` and
/// `{ a.b = 1, c.d = 2, .. }` are as shallow as they look.
fn too_deep(text: &str, toml: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    // Open brackets, each with the key dots outside it.
    let mut open: Vec<(u8, usize)> = Vec::new();
    // Dots of the last `[table.header]`, which apply to the keys below it.
    let mut table = 0usize;
    // Dots on the path to the current position below `table`.
    let mut dots = 0usize;
    let mut in_key = toml;
    let mut in_header = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b @ (b'[' | b'{') => {
                if toml && b == b'[' && open.is_empty() && in_key {
                    in_header = true;
                    dots = 0;
                }
                open.push((b, dots));
                in_key = in_header || b == b'{';
            }
            b']' | b'}' => {
                if let Some((_, outside)) = open.pop() {
                    if !in_header {
                        dots = outside;
                    }
                }
                if in_header && open.is_empty() {
                    in_header = false;
                    table = dots;
                    dots = 0;
                }
                in_key = false;
            }
            b'.' if in_key => dots += 1,
            b'=' if toml => in_key = false,
            b',' if toml => {
                if let Some(&(b'{', outside)) = open.last() {
                    in_key = true;
                    dots = outside;
                }
            }
            b'\n' if toml && open.is_empty() => {
                in_key = true;
                dots = 0;
            }
            b'#' if toml => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            q @ (b'"' | b'\'') if toml || q == b'"' => {
                let triple = toml && bytes[i..].starts_with(&[q, q, q]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if q == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple {
                        if bytes[i..].starts_with(&[q, q, q]) {
                            i += 3;
                            break;
                        }
                    } else if bytes[i] == q || bytes[i] == b'\n' {
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        if open.len() + dots + table > MAX_DEPTH {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_and_dotted_keys_outside_strings() {
        assert_eq!(too_deep("a = [[[1]]]", true), None);
        assert!(too_deep(&"[".repeat(200), false).is_some());
        assert!(too_deep(&format!("{} = 1", vec!["a"; 200].join(".")), true).is_some());
        assert_eq!(
            too_deep(&format!("a = \"{}\"", "[".repeat(200)), true),
            None
        );
        assert_eq!(too_deep(&format!("# {}\n", "[".repeat(200)), true), None);
        let header = format!("[{}]\nx = 1\n", vec!["a"; 200].join("."));
        assert!(too_deep(&header, true).is_some());
        let under = format!(
            "[{}]\n{} = 1\n",
            vec!["a"; 40].join("."),
            vec!["b"; 40].join(".")
        );
        assert!(too_deep(&under, true).is_some());
    }

    #[test]
    fn dots_in_values_and_sibling_keys_do_not_count() {
        let floats = vec!["1.5"; 300].join(", ");
        assert_eq!(too_deep(&format!("x = [{floats}]"), true), None);
        assert_eq!(
            too_deep(&format!("x = [\n{floats}\n]\ny = 2.5"), true),
            None
        );
        let keys: Vec<String> = (0..300).map(|i| format!("k{i}.v = 1.0")).collect();
        assert_eq!(
            too_deep(&format!("x = {{ {} }}", keys.join(", ")), true),
            None
        );
        let lines: Vec<String> = (0..300).map(|i| format!("a.k{i} = 1.0")).collect();
        assert_eq!(too_deep(&lines.join("\n"), true), None);
        assert_eq!(too_deep("t = 1979-05-27T07:32:00.999Z", true), None);
    }
}
