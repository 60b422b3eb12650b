//! `Error`: every problem a load found, each with the place to fix it.

use std::fmt;

use crate::origin::Origin;
use crate::snippet::Snippet;

/// What went wrong in one [`Problem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A file could not be read: missing, a directory, no permission, not UTF-8.
    Io,
    /// A file's name has no known format.
    Format,
    /// A file, env value or flag is not valid syntax for its format.
    Syntax,
    /// Nesting deeper than the limit.
    TooDeep,
    /// A value does not fit the field's type.
    Type,
    /// A required value was set nowhere.
    Missing,
    /// A key, variable or flag that the configuration does not have.
    Unknown,
    /// A validator rejected the value.
    Validation,
    /// A source other than a file failed (its message says how).
    Source,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Io => "cannot read",
            ProblemKind::Format => "unknown format",
            ProblemKind::Syntax => "syntax error",
            ProblemKind::TooDeep => "nesting too deep",
            ProblemKind::Type => "invalid value",
            ProblemKind::Missing => "missing value",
            ProblemKind::Unknown => "unknown key",
            ProblemKind::Validation => "validation failed",
            ProblemKind::Source => "source failed",
        })
    }
}

impl std::error::Error for ProblemKind {}

/// One problem found by a load: what, at which key, set where.
#[derive(Clone, Debug)]
pub struct Problem {
    pub(crate) kind: ProblemKind,
    pub(crate) key: Option<String>,
    pub(crate) origin: Option<Origin>,
    pub(crate) message: String,
    pub(crate) snippet: Option<Snippet>,
    pub(crate) help: Option<String>,
    /// The message is a text of several lines of its own (clap's error for
    /// the command line), whose line breaks are printed as they are.
    pub(crate) lines: bool,
    /// The whole text a parser found the problem in: hiding secrets needs
    /// it to see a value that spans lines, whether or not the source kept
    /// the text with `add_text`. Dropped once secrets are hidden.
    pub(crate) text: Option<Whole>,
}

/// A text carried by a problem, for hiding secrets only: its `Debug` does
/// not show it.
#[derive(Clone)]
pub(crate) struct Whole(pub(crate) std::sync::Arc<str>);

impl fmt::Debug for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of text>", self.0.len())
    }
}

/// A warning is a problem that the builder was told not to fail on (for
/// instance unknown keys with [`Unknown::Warn`](crate::Unknown::Warn)).
pub type Warning = Problem;

impl Problem {
    /// A problem with a message; add key, origin and hint with the
    /// builder-style methods. For custom sources and checks.
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            key: None,
            origin: None,
            message: message.into(),
            snippet: None,
            help: None,
            lines: false,
            text: None,
        }
    }

    /// The problem was found in `text`, whose snippet it shows.
    pub(crate) fn with_text(mut self, text: std::sync::Arc<str>) -> Problem {
        self.text = Some(Whole(text));
        self
    }

    /// The message is a text of several lines (clap's rendered error).
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn with_lines(mut self) -> Problem {
        self.lines = true;
        self
    }

    /// Sets the dotted key path the problem is about.
    pub fn with_key(mut self, key: impl Into<String>) -> Problem {
        let key = key.into();
        self.key = (!key.is_empty()).then_some(key);
        self
    }

    /// Sets where the offending value was set.
    pub fn with_origin(mut self, origin: Origin) -> Problem {
        self.origin = Some(origin);
        self
    }

    /// Sets a hint on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Places the problem at a byte span of the text a source read: the
    /// origin becomes `name:line:column` and the problem shows that line
    /// with a caret under the span. `name` is what the text is called in
    /// messages (a path, a URL, `<inline>`). For sources that parse text of
    /// their own.
    ///
    /// ```
    /// use staid::{Problem, ProblemKind};
    ///
    /// let text = "port = 80\nhost 'a'\n";
    /// let problem = Problem::new(ProblemKind::Syntax, "expected `=` after the key")
    ///     .with_span("app.conf", text, 15..18);
    /// assert_eq!(
    ///     problem.to_string(),
    ///     "expected `=` after the key\n  --> app.conf:2:6\n   |\n 2 | host 'a'\n   |      ^^^"
    /// );
    /// ```
    pub fn with_span(
        self,
        name: impl AsRef<std::path::Path>,
        text: &str,
        span: std::ops::Range<usize>,
    ) -> Problem {
        let lines = crate::snippet::Lines::new(text);
        let (line, column) = lines.position(span.start);
        self.with_origin(Origin::File {
            path: std::sync::Arc::from(name.as_ref()),
            line,
            column,
        })
        .with_snippet(Some(lines.snippet(span)))
    }

    pub(crate) fn with_snippet(mut self, snippet: Option<Snippet>) -> Problem {
        self.snippet = snippet;
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The dotted key path the problem is about, if it is about one.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Where the offending value was set (or the file that failed).
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_ref()
    }

    /// The message, without key, origin or snippet.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A hint on how to fix it, such as every way to set a missing value or a
    /// "did you mean" suggestion.
    pub fn hint(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

/// What comes from outside (a key, a variable's name, a file's) is printed
/// with its control characters escaped, so that a report never gains a
/// line it did not write nor acts on the terminal; the snippet shows them
/// as U+FFFD.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::printable;
        let message = match self.lines {
            true => self
                .message
                .split('\n')
                .map(printable)
                .collect::<Vec<_>>()
                .join("\n")
                .into(),
            false => printable(&self.message),
        };
        match &self.key {
            Some(key) => write!(f, "`{}`: {message}", printable(key))?,
            None => f.write_str(&message)?,
        }
        if let Some(origin) = &self.origin {
            write!(f, "\n  --> {origin}")?;
        }
        if let Some(s) = &self.snippet {
            s.render(f)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {}", printable(help))?;
        }
        Ok(())
    }
}

/// The error of a failed load: every problem found, not just the first.
///
/// `Display` lists them all, each with key path, origin and, for file values,
/// the line with a caret. Values of `secret` fields never appear in it.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    problems: Vec<Problem>,
    exit: Option<Exit>,
    /// What the load found that did not fail it, kept for `main`.
    warnings: Vec<Warning>,
    /// The load answered `--check-config`: for `main`, a failure is the
    /// check's verdict (status 2) rather than an error to handle.
    checked: bool,
}

/// A load that ended without a configuration because the command line asked
/// for something else: help, the version, the effective configuration, or
/// a check. The text is what a program prints before exiting with 0 (or,
/// for `--print-config` of an invalid configuration, before the problems
/// and a non-zero exit; see [`Error::exit_process`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// `--help`: the help text.
    Help(String),
    /// `--version`: the version line.
    Version(String),
    /// `--print-config`: the effective configuration with origins (or, with
    /// `=json` or `=toml`, as a file). When the configuration is invalid,
    /// the [`Error`] holding it also has the problems, and the listing marks
    /// each key that has one.
    PrintConfig(String),
    /// `--check-config` on a configuration that loads: `configuration OK`,
    /// then any warnings. A configuration that does not load is the
    /// ordinary load error.
    Check(String),
}

impl Exit {
    /// The text to print.
    pub fn text(&self) -> &str {
        match self {
            Exit::Help(t) | Exit::Version(t) | Exit::PrintConfig(t) | Exit::Check(t) => t,
        }
    }
}

impl Error {
    pub(crate) fn from_problems(problems: Vec<Problem>) -> Error {
        debug_assert!(!problems.is_empty());
        Error {
            inner: Box::new(Inner {
                problems,
                exit: None,
                warnings: Vec::new(),
                checked: false,
            }),
        }
    }

    /// These problems, with the text `--print-config` prints for them.
    pub(crate) fn with_exit(mut self, exit: Exit) -> Error {
        self.inner.exit = Some(exit);
        self
    }

    /// The warnings of the load this error ended.
    pub(crate) fn with_warnings(mut self, warnings: Vec<Warning>) -> Error {
        self.inner.warnings = warnings;
        self
    }

    /// Problems of the load that did not fail it (unknown environment
    /// variables, service links, skipped drop-ins), which a load that ended
    /// with this error also found: what `--print-config` prints leaves them
    /// out, and [`exit_process`](Error::exit_process) writes them to stderr.
    pub fn warnings(&self) -> &[Warning] {
        &self.inner.warnings
    }

    /// Marks a failed load that answered `--check-config`.
    pub(crate) fn checked(mut self) -> Error {
        self.inner.checked = true;
        self
    }

    /// Whether `main` should print this and exit: help and the like, or a
    /// failed `--check-config`.
    pub(crate) fn ends_process(&self) -> bool {
        self.inner.exit.is_some() || self.inner.checked
    }

    pub(crate) fn exit(exit: Exit) -> Error {
        Error {
            inner: Box::new(Inner {
                problems: Vec::new(),
                exit: Some(exit),
                warnings: Vec::new(),
                checked: false,
            }),
        }
    }

    /// Every problem, in the order found (sources bottom to top, then build).
    pub fn problems(&self) -> &[Problem] {
        &self.inner.problems
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.inner.problems.len()
    }

    /// Whether this carries no problem (then it is an [`Exit`]).
    pub fn is_empty(&self) -> bool {
        self.inner.problems.is_empty()
    }

    /// `Some` when the command line asked for `--help`, `--version`,
    /// `--print-config`, or `--check-config` of a configuration that loads
    /// ([`Exit::Check`]); a check that fails is the load's error itself,
    /// with its problems. Under `--print-config` an invalid configuration
    /// has both: the listing here and the problems in
    /// [`problems`](Error::problems).
    pub fn as_exit(&self) -> Option<&Exit> {
        self.inner.exit.as_ref()
    }

    /// For a binary's `main`: prints help, version, the configuration or
    /// the check's `configuration OK` to stdout and exits 0; prints the
    /// problems to stderr and exits 2. `--print-config` of an invalid
    /// configuration prints both, the listing first, and exits 2. The
    /// load's [`warnings`](Error::warnings) go to stderr, as `App::load()`
    /// writes them. A stdout closed early (`myapp --help | head -1`) ends
    /// the output, not the process with a panic. Any other failure to write
    /// it (a full disk under `myapp --print-config > effective.toml`) is
    /// said on stderr and the process exits 1, so that no script takes a
    /// cut-off listing for a good one.
    pub fn exit_process(&self) -> ! {
        use std::io::Write;
        if let Some(exit) = self.as_exit() {
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(exit.text().as_bytes())
                .and_then(|()| out.flush());
            match written {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
                    std::process::exit(1)
                }
                _ => {}
            }
        }
        // The check's text holds its warnings already.
        if !matches!(self.as_exit(), Some(Exit::Check(_))) {
            crate::error::write_warnings(&self.inner.warnings);
        }
        if self.is_empty() {
            std::process::exit(0)
        }
        let _ = writeln!(std::io::stderr(), "{self}");
        std::process::exit(2)
    }
}

/// Writes warnings to stderr as `main` shows them; a closed stderr is
/// no reason to fail.
pub(crate) fn write_warnings(warnings: &[Warning]) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for warning in warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = &self.inner.problems;
        if let (Some(exit), true) = (&self.inner.exit, problems.is_empty()) {
            return f.write_str(exit.text());
        }
        if problems.len() == 1 {
            return write!(f, "error: {}", problems[0]);
        }
        write!(f, "{} problems in the configuration:", problems.len())?;
        for p in problems {
            write!(f, "\n\nerror: {p}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Display form is what a person needs from `main() -> Result`.
        write!(f, "{self}")
    }
}

impl std::error::Error for Error {}

/// What a struct validator found: any number of problems, each at a key
/// path relative to the struct, so that staid can attach the origin and
/// source line of each value.
///
/// A validator returns `Result<(), Invalid>`; the plain
/// `Result<(), E: Display>` form keeps working (its message is one problem
/// at the struct's own key).
///
/// ```
/// use staid::{Config, Invalid};
///
/// #[derive(Config, Debug)]
/// #[config(validate = check)]
/// struct Pool {
///     #[config(default = 1)]
///     min: u32,
///     #[config(default = 10)]
///     max: u32,
/// }
///
/// fn check(pool: &Pool) -> Result<(), Invalid> {
///     let mut invalid = Invalid::new();
///     if pool.min == 0 {
///         invalid.push("min", "must be at least 1");
///     }
///     if pool.max < pool.min.max(1) {
///         invalid.push("max", format!("must be at least {}", pool.min.max(1)));
///     }
///     invalid.into_result()
/// }
///
/// let err = Pool::builder().toml_str("min = 0\nmax = 0").load().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "2 problems in the configuration:\n\n\
///      error: `min`: must be at least 1\n  --> <toml>:1:7\n   |\n 1 | min = 0\n   |       ^\n\n\
///      error: `max`: must be at least 1\n  --> <toml>:2:7\n   |\n 2 | max = 0\n   |       ^"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invalid {
    findings: Vec<(String, String)>,
}

impl Invalid {
    /// No findings yet.
    pub fn new() -> Invalid {
        Invalid::default()
    }

    /// Adds a finding at `key`, a dotted path relative to the struct
    /// (`"max"`, `"tls.cert"`) of keys as files spell them or of the Rust
    /// field names (the same under `rename_all`); `""` is the struct itself.
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.findings.push((key.into(), message.into()));
    }

    /// [`push`](Invalid::push), in a chain.
    pub fn at(mut self, key: impl Into<String>, message: impl Into<String>) -> Invalid {
        self.push(key, message);
        self
    }

    /// Whether there are no findings.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// `Ok(())` without findings, else `Err(self)`: the validator's return
    /// value.
    pub fn into_result(self) -> Result<(), Invalid> {
        match self.findings.is_empty() {
            true => Ok(()),
            false => Err(self),
        }
    }

    /// The findings: key relative to the struct, and message.
    pub fn findings(&self) -> &[(String, String)] {
        &self.findings
    }
}

/// The plain form of a validator's error: one finding at the struct. (So
/// that this impl does not overlap `From<Invalid> for Invalid`, `Invalid`
/// does not implement `Display`.)
impl<E: fmt::Display> From<E> for Invalid {
    fn from(e: E) -> Invalid {
        Invalid::new().at("", e.to_string())
    }
}
