//! File layers: read, check, and hand to the parser of the format.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LoadCtx, Source};
use crate::error::{Lines, Problem, ProblemKind};
use crate::origin::Origin;
use crate::value::Value;

/// Tables and arrays nested deeper than this are refused, so that no input
/// can exhaust the stack. It is the `toml` parser's own limit (brackets and
/// dotted keys alike), which staid applies to JSON files as well, before
/// parsing them.
pub const MAX_DEPTH: usize = 80;

/// A file's format, chosen by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.json`
    Json,
    /// `.lua`: a script run in a sandbox (feature `lua`).
    #[cfg(feature = "lua")]
    Lua,
}

impl Format {
    /// The format for a path's extension, if staid reads it.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            #[cfg(feature = "lua")]
            "lua" => Some(Format::Lua),
            _ => None,
        }
    }

    /// Every extension staid reads, for discovery and messages.
    #[cfg(not(feature = "lua"))]
    pub const EXTENSIONS: &'static [&'static str] = &["toml", "json"];
    /// Every extension staid reads, for discovery and messages.
    #[cfg(feature = "lua")]
    pub const EXTENSIONS: &'static [&'static str] = &["toml", "json", "lua"];

    pub(crate) fn parse(self, text: &str, path: &Arc<Path>) -> (Option<Value>, Vec<Problem>) {
        let lines = Lines::new(text);
        // The TOML parser has its own limit (see `toml::parse`).
        if self == Format::Json {
            if let Some(offset) = too_deep(text) {
                return (None, vec![too_deep_problem(path, &lines, offset)]);
            }
        }
        match self {
            Format::Toml => super::toml::parse(text, path, &lines),
            Format::Json => super::json::parse(text, path, &lines),
            // A script needs the load context: `File` and `Text` run it
            // through `load` below, never through `parse`.
            #[cfg(feature = "lua")]
            Format::Lua => (None, Vec::new()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
            #[cfg(feature = "lua")]
            Format::Lua => "Lua",
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
        #[cfg(feature = "lua")]
        if format == Format::Lua {
            return super::lua::load_text(ctx, path, text);
        }
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
        #[cfg(feature = "lua")]
        if self.format == Format::Lua {
            return super::lua::load_text(ctx, path, self.text.clone());
        }
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

/// The byte offset in JSON text where brackets outside strings first nest
/// deeper than [`MAX_DEPTH`].
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                // Skip the string: to its closing quote, past escapes.
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_counts_brackets_outside_strings() {
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(too_deep(&at_limit), None);
        assert_eq!(too_deep(&"[".repeat(MAX_DEPTH + 1)), Some(MAX_DEPTH));
        assert_eq!(too_deep(&"[]".repeat(1000)), None);
        let quoted = format!("{{\"a\": \"{}\\\"\", \"b\": 1}}", "[".repeat(200));
        assert_eq!(too_deep(&quoted), None);
    }
}
