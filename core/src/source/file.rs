//! File layers: read a file (or text held in memory), then hand it to the
//! parser of its format, or to the loader of a script.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LoadCtx, Source};
use crate::error::{Problem, ProblemKind};
use crate::format::{parse::parse_named, Format};
use crate::origin::Origin;
use crate::snippet::Lines;
use crate::value::Value;

/// A loader for a file that is run rather than parsed (a script), given the
/// context, the file's name and its text.
type Run = fn(&mut LoadCtx<'_>, Arc<Path>, Arc<str>) -> Result<Option<Value>, Vec<Problem>>;

/// The scripts staid runs, by extension: the one place where a feature that
/// adds a kind of file registers it.
const SCRIPTS: &[(&str, Run)] = &[
    #[cfg(feature = "lua")]
    ("lua", super::lua::load_text),
];

/// Every extension a file layer reads, in the order discovery looks for
/// them: the formats, then the scripts.
pub(crate) fn extensions() -> impl Iterator<Item = &'static str> {
    Format::EXTENSIONS
        .iter()
        .copied()
        .chain(SCRIPTS.iter().map(|(ext, _)| *ext))
}

/// Whether `path` names a script (run, seeing the layers below) rather
/// than a file that is parsed.
pub(crate) fn is_script(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    SCRIPTS.iter().any(|(known, _)| *known == ext)
}

/// Parses or runs `text` read from `path`, by its extension.
fn load_text(
    ctx: &mut LoadCtx<'_>,
    path: Arc<Path>,
    text: Arc<str>,
) -> Result<Option<Value>, Vec<Problem>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if let Some(format) = Format::from_extension(ext) {
        return Ok(parse_text(ctx, format, path, text));
    }
    match SCRIPTS.iter().find(|(known, _)| *known == ext) {
        Some((_, run)) => run(ctx, path, text),
        None => Err(vec![unknown_format(&path)]),
    }
}

fn parse_text(
    ctx: &mut LoadCtx<'_>,
    format: Format,
    path: Arc<Path>,
    text: Arc<str>,
) -> Option<Value> {
    // A byte-order mark (some Windows editors write one) is not part of the
    // document: without it, line 1's columns and snippet are the editor's.
    // (Only one: a second is an error the parsers report.)
    let text: Arc<str> = match crate::format::without_bom(&text) {
        Some(rest) => Arc::from(rest),
        None => text,
    };
    let (value, problems) = parse_named(format, &text, &path);
    if problems.iter().any(|p| p.kind() == ProblemKind::Syntax) {
        let keys = crate::format::scan::keys(format, &text);
        ctx.sink.unparsed.extend(keys);
    }
    ctx.add_text(path, text);
    ctx.sink.problems.extend(problems);
    value
}

/// A file layer: [`Builder::file`](crate::Builder::file) and
/// [`Builder::optional_file`](crate::Builder::optional_file).
#[derive(Clone, Debug)]
pub struct File {
    path: PathBuf,
    optional: bool,
    /// What named the file (`--config`, `MYAPP_CONFIG`), said with a
    /// problem reading it: a stale path is fixed where it was given.
    named_by: Option<String>,
}

impl File {
    /// A file that must exist.
    pub fn required(path: impl Into<PathBuf>) -> File {
        File {
            path: path.into(),
            optional: false,
            named_by: None,
        }
    }

    /// A file that must exist, named by `by` (a flag, a variable).
    pub(crate) fn named_by(path: impl Into<PathBuf>, by: String) -> File {
        File {
            named_by: Some(by),
            ..File::required(path)
        }
    }

    /// A file that may be missing; if it exists it must be readable and valid.
    pub fn optional(path: impl Into<PathBuf>) -> File {
        File {
            path: path.into(),
            optional: true,
            named_by: None,
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Source for File {
    fn describe(&self) -> String {
        let optional = if self.optional { " if it exists" } else { "" };
        format!("file {}{optional}", self.path.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let path: Arc<Path> = Arc::from(self.path.as_path());
        // A format staid does not read is refused before the file is
        // opened: opening a named pipe would wait for a writer.
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let known = Format::from_extension(ext).is_some() || SCRIPTS.iter().any(|(e, _)| *e == ext);
        let exists = || std::fs::metadata(&path).is_ok_and(|meta| !meta.is_dir());
        let read = match known || !exists() {
            true => read(&path, self.optional),
            false => Err(vec![unknown_format(&path)]),
        };
        let read = read.map_err(|mut problems| {
            if let Some(by) = &self.named_by {
                for problem in &mut problems {
                    problem.help = Some(format!("the file is named by {by}"));
                }
            }
            problems
        });
        match read? {
            Some(text) => load_text(ctx, path, text),
            None => Ok(None),
        }
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
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
        Ok(parse_text(ctx, self.format, path, self.text.clone()))
    }
}

fn unknown_format(path: &Arc<Path>) -> Problem {
    let found = path
        .extension()
        .map(|e| format!("`.{}`", e.to_string_lossy()))
        .unwrap_or_else(|| "no extension".to_owned());
    let known: Vec<String> = extensions().map(|e| format!(".{e}")).collect();
    Problem::new(
        ProblemKind::Format,
        format!(
            "{}: unknown format ({found}); staid reads {}",
            path.display(),
            known.join(", ")
        ),
    )
}

/// Reads a file that holds one value (a `_FILE` secret, a credential): the
/// whole text, a leading byte-order mark and one trailing newline (`\n` or
/// `\r\n`) removed, as an editor shows it. Its problems never show a line
/// of it, which may be a secret.
pub(crate) fn read_value(path: &Path) -> Result<String, Box<Problem>> {
    let arc: Arc<Path> = Arc::from(path);
    // A value's file is a regular file, as a credential is: a FIFO named
    // by `X_FILE` would hold the load until something wrote to it.
    match read_text(&arc, false, Some(NOT_REGULAR)) {
        Ok(Some(text)) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let text = text.strip_suffix('\n').unwrap_or(text);
            Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
        }
        Ok(None) => Err(Box::new(Problem::new(
            ProblemKind::Io,
            format!("cannot read {}", path.display()),
        ))),
        Err(mut problems) => {
            let mut problem = problems.remove(0);
            problem.snippet = None;
            Err(Box::new(problem))
        }
    }
}

/// Opens `path` only if it is a regular file (`None` if it is not),
/// without waiting: on Unix it is opened with `O_NONBLOCK`, so that a FIFO
/// found there opens at once, and the open file is looked at.
fn open_regular(path: &Path) -> io::Result<Option<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path)?;
    Ok(file.metadata()?.is_file().then_some(file))
}

/// `O_NONBLOCK` of `open(2)`, which std does not name: one constant, not
/// the `libc` crate for it (see README, design notes). Linux's on the
/// common architectures; the BSDs' and Apple's. Elsewhere 0: the open may
/// then wait where the path was swapped for a FIFO after the check.
#[cfg(unix)]
const O_NONBLOCK: i32 = if cfg!(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
)) {
    0o4000
} else if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)) {
    0x0004
} else {
    0
};

/// The largest file a layer reads: far above any configuration, and far
/// below what a link to `/dev/zero` would make a load allocate.
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;

thread_local! {
    /// Set on the thread of a watch's reloads, where a named pipe is not
    /// read (see [`refuse_pipes_on_this_thread`]).
    static NO_PIPES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// From now on, reads on this thread refuse a named file that is not a
/// regular one. A named pipe is read by the first load; a reload reading it
/// again would wait for a writer, and the watch could neither answer nor
/// stop meanwhile.
#[cfg_attr(not(feature = "watch"), allow(dead_code))]
pub(crate) fn refuse_pipes_on_this_thread() {
    NO_PIPES.with(|no| no.set(true));
}

/// Reads a file as UTF-8 text. `Ok(None)` when it is optional and missing.
///
/// A file found rather than named (optional, as discovered files and
/// drop-ins are) must be a regular file: opening a FIFO would wait for a
/// writer forever. One named outright may be a named pipe, except in a
/// watch's reload.
pub(crate) fn read(path: &Arc<Path>, optional: bool) -> Result<Option<Arc<str>>, Vec<Problem>> {
    let regular_only = match optional {
        true => Some(NOT_REGULAR),
        false => NO_PIPES.with(std::cell::Cell::get).then_some(
            "it is not a regular file (a FIFO, a socket or a device), which a reload does \
             not read: a named pipe is read once, by the first load",
        ),
    };
    read_text(path, optional, regular_only)
}

/// Why a file that must be a regular one is not read.
const NOT_REGULAR: &str = "it is not a regular file (a FIFO, a socket or a device)";

/// [`read`], refusing with `regular_only`'s reason what is not a regular
/// file where it is given.
fn read_text(
    path: &Arc<Path>,
    optional: bool,
    regular_only: Option<&str>,
) -> Result<Option<Arc<str>>, Vec<Problem>> {
    use std::io::Read;
    let io_problem = |reason: String| {
        vec![Problem::new(
            ProblemKind::Io,
            format!("cannot read {}: {reason}", path.display()),
        )]
    };
    let opened = match (std::fs::metadata(path), regular_only) {
        (Ok(meta), _) if meta.is_dir() => Err(io::Error::from(io::ErrorKind::IsADirectory)),
        (Ok(meta), Some(why)) if !meta.is_file() => return Err(io_problem(why.to_owned())),
        // What is opened is checked again: the path may have been swapped
        // for a FIFO since (a symlink switched), and opening one waits.
        (_, Some(why)) => match open_regular(path) {
            Ok(Some(file)) => Ok(file),
            Ok(None) => return Err(io_problem(why.to_owned())),
            Err(e) => Err(e),
        },
        (_, None) => std::fs::File::open(path),
    };
    let mut bytes = Vec::new();
    let read = opened.and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    match read {
        Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => {
            return Err(io_problem(format!(
                "it is larger than {} MiB, the most staid reads",
                MAX_FILE_BYTES >> 20
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound && optional => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::IsADirectory || path.is_dir() => {
            return Err(io_problem("it is a directory, not a file".to_owned()))
        }
        Err(e) => return Err(io_problem(os_reason(&e))),
    }
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
pub(crate) fn os_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
