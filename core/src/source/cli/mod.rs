//! The command-line layer: clap arguments generated from the schema.
//!
//! Every leaf field gets a long flag (nested keys joined with `-`), its doc
//! comment as help, and the env variable and default in the help text. A flag
//! that is not given sets nothing, so it never hides a value from a lower
//! layer behind a default.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use clap::{ArgMatches, Command};

mod builder;
mod mount;
mod secrets;

use mount::augment;
use mount::{Mount, LEFT_OUT, MOUNT};
use secrets::secret_values;

use super::{LoadCtx, Source};
use crate::error::{Exit, Problem, ProblemKind};
use crate::naming::{self, Naming};
use crate::origin::Origin;
use crate::print::Print;
use crate::schema::Schema;
use crate::value::{Kind, Value};

/// The id and long name of the flag that names a configuration file.
pub const CONFIG_FLAG: &str = "config";
/// The id and long name of the flag that prints the effective configuration.
pub const PRINT_CONFIG_FLAG: &str = "print-config";
/// The id and long name of the flag that checks the configuration and exits.
pub const CHECK_CONFIG_FLAG: &str = "check-config";

pub(super) const RESERVED: &[&str] = &[
    CONFIG_FLAG,
    PRINT_CONFIG_FLAG,
    CHECK_CONFIG_FLAG,
    "help",
    "version",
];

/// The command line as a layer: the process's arguments, given ones, or
/// the matches of the application's own clap parser.
/// [`Builder::cli`](crate::Builder::cli), [`args`](crate::Builder::args) and
/// [`matches`](crate::Builder::matches) add one; added with
/// [`Builder::source`](crate::Builder::source) it behaves the same.
///
/// Matches carry what [`Builder::augment`](crate::Builder::augment)
/// mounted (in a hidden argument of each command), so any builder loading
/// them reads staid's flags alone and reports the same clashes.
///
/// The arguments are parsed once per builder, when it plans its loads: a
/// load or a watch reload never parses them again.
#[derive(Clone, Debug)]
pub struct Cli {
    input: Input,
    parsed: OnceLock<Arc<Parse>>,
    /// Whether staid's flags are global: accepted after a subcommand too.
    global: bool,
}

impl Default for Cli {
    fn default() -> Cli {
        Cli {
            input: Input::default(),
            parsed: OnceLock::new(),
            global: true,
        }
    }
}

#[derive(Clone, Debug, Default)]
enum Input {
    /// `std::env::args_os()`.
    #[default]
    Process,
    Args(Arc<Vec<OsString>>),
    Matches(Arc<ArgMatches>),
}

/// What parsing the command line gave: the flags, or why there are none.
#[derive(Debug)]
pub(crate) enum Parse {
    Flags(Flags),
    /// `--help` or `--version`: every load ends with it.
    Exit(Exit),
    /// Unknown or malformed arguments: reported with the other problems.
    Problems(Vec<Problem>),
}

/// The parsed command line.
#[derive(Debug)]
pub(crate) struct Flags {
    matches: Arc<ArgMatches>,
    /// What staid mounted in the command the matches come from.
    mount: Arc<Mount>,
    /// `--config <FILE>`.
    pub(crate) config: Option<PathBuf>,
    /// `--print-config[=FORMAT]`.
    pub(crate) print_config: Option<Print>,
    /// `--check-config`.
    pub(crate) check_config: bool,
}

impl Cli {
    /// The process's arguments (`std::env::args_os`).
    pub fn new() -> Cli {
        Cli::default()
    }

    /// These arguments instead of the process's; the first is the program
    /// name, as in `std::env::args`. `--help`, `--version` and
    /// `--print-config` end the load with an [`Error`](crate::Error) holding
    /// an [`Exit`] instead of exiting the process.
    pub fn args<I, S>(args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Cli {
            input: Input::Args(Arc::new(args.into_iter().map(Into::into).collect())),
            ..Cli::default()
        }
    }

    /// The matches of the application's own parser, into which
    /// [`Builder::augment`](crate::Builder::augment) mounted staid's
    /// arguments: only those are read. Matches of a command staid's flags
    /// were not mounted in set nothing, with a warning saying so.
    pub fn matches(matches: &ArgMatches) -> Cli {
        Cli {
            input: Input::Matches(Arc::new(matches.clone())),
            ..Cli::default()
        }
    }

    /// Whether staid's flags are global (the default, `true`): accepted
    /// after a subcommand of the application's command as well as before
    /// it (`tool serve --port 9`), and listed in every subcommand's help.
    /// Configuration is the whole program's, and an operator adds a flag
    /// at the end of a command line. A flag whose name a subcommand uses
    /// for its own argument stays local, with a warning.
    pub fn global(mut self, yes: bool) -> Cli {
        self.global = yes;
        self
    }

    /// Mounts staid's arguments into the application's `cmd`, global as
    /// this layer says; returns the clashes found, which the matches carry
    /// to every load too.
    pub(crate) fn mount(
        &self,
        schema: &'static Schema,
        naming: &Naming,
        cmd: Command,
    ) -> (Command, Vec<Problem>) {
        augment(schema, naming, cmd, self.global)
    }

    /// The command line, parsed on first use and kept.
    pub(crate) fn parsed(&self, schema: &'static Schema, naming: &Naming) -> &Parse {
        self.parsed.get_or_init(|| {
            Arc::new(match &self.input {
                Input::Matches(matches) => Parse::Flags(Flags::new(matches.clone())),
                Input::Args(args) => parse(schema, naming, args.as_ref().clone()),
                Input::Process => parse(schema, naming, std::env::args_os().collect()),
            })
        })
    }
}

impl Source for Cli {
    fn describe(&self) -> String {
        "command line".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let parsed = match self.parsed(ctx.schema, ctx.naming) {
            Parse::Flags(flags) => flags,
            Parse::Exit(_) => return Ok(None),
            Parse::Problems(problems) => {
                // A command line refused by clap, or not read for the
                // schema's own fault (two fields with one flag), sets
                // nothing and may be what sets any value: none is
                // reported missing beside it.
                ctx.sink.refused = true;
                return Err(problems.clone());
            }
        };
        ctx.sink
            .warnings
            .extend(parsed.mount.warnings.iter().cloned());
        let matches = &parsed.matches;
        let mut flags = Value::table(Origin::Default);
        let mut any = false;
        ctx.schema.walk_named(&mut |path, names, field| {
            if field.elements().is_some() || !parsed.mount.ids.contains(path) {
                return;
            }
            let Ok(Some(values)) = matches.try_get_many::<String>(path) else {
                return;
            };
            let name = naming::flag(names, field);
            let origin = Origin::Flag { name };
            let mut values: Vec<Value> = values
                .map(|v| Value::text(v.clone(), origin.clone()))
                .collect();
            let value = if values.len() == 1 {
                values.remove(0)
            } else {
                Value::new(Kind::Array(values), origin)
            };
            flags.insert_at(path, value);
            any = true;
        });
        Ok(any.then_some(flags))
    }
}

impl Flags {
    /// Reads what staid mounted, and staid's own `--config`,
    /// `--print-config` and `--check-config` where it mounted them: an
    /// application's arguments of those names are its own.
    fn new(matches: Arc<ArgMatches>) -> Flags {
        let mount = match matches.try_get_one::<Arc<Mount>>(MOUNT) {
            Ok(Some(mount)) => mount.clone(),
            _ => Arc::new(Mount {
                warnings: vec![Problem::new(
                    ProblemKind::Source,
                    "the matches come from a command staid's flags are not mounted in, so \
                     no flag is read",
                )
                .with_help("mount them with Builder::augment before parsing")],
                ..Mount::default()
            }),
        };
        let config = mounted::<PathBuf>(&matches, &mount, CONFIG_FLAG).cloned();
        let print_config = mounted::<String>(&matches, &mount, PRINT_CONFIG_FLAG).map(|format| {
            match format.as_str() {
                "json" => Print::Json,
                "toml" => Print::Toml,
                _ => Print::Listing,
            }
        });
        let check_config =
            mounted::<bool>(&matches, &mount, CHECK_CONFIG_FLAG).is_some_and(|&yes| yes);
        Flags {
            matches,
            mount,
            config,
            print_config,
            check_config,
        }
    }
}

/// The value of staid's own argument `id`, where staid mounted it: an
/// application's argument of that id is its own.
fn mounted<'m, T: Clone + Send + Sync + 'static>(
    matches: &'m ArgMatches,
    mount: &Mount,
    id: &str,
) -> Option<&'m T> {
    match mount.ids.contains(id) {
        true => matches.try_get_one::<T>(id).ok().flatten(),
        false => None,
    }
}

/// The standalone command for a configuration: named after the app, its doc
/// comment as description, the crate version.
pub(crate) fn command(schema: &'static Schema, naming: &Naming) -> (Command, Vec<Problem>) {
    let name = schema.name.unwrap_or(schema.type_name);
    let mut cmd = Command::new(name);
    if !schema.doc.is_empty() {
        let first = schema.doc.lines().next().unwrap_or("");
        cmd = cmd.about(first.trim_end_matches('.').to_owned());
        if schema.doc.contains('\n') {
            cmd = cmd.long_about(schema.doc.to_owned());
        }
    }
    if let Some(version) = schema.version {
        cmd = cmd.version(version);
    }
    augment(schema, naming, cmd, false)
}

/// `--nums -1,-2` given as `--nums=-1,-2` for a field of numbers alone:
/// clap takes `-5` for a value but not staid's other number forms (`-1,-2`,
/// `-0x10`, `-1_000`, `-.5`, `-inf`), and a value that starts with `--`
/// stays a flag (`--offset --help` is help).
fn numbers_joined(schema: &'static Schema, args: Vec<OsString>) -> Vec<OsString> {
    let mut longs: Vec<String> = Vec::new();
    schema.walk_named(&mut |_, names, field| {
        if field.elements().is_none() && mount::numbers_only(field.ty) {
            longs.push(format!("--{}", naming::flag(names, field)));
        }
    });
    if longs.is_empty() {
        return args;
    }
    let mut out = Vec::with_capacity(args.len());
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(args);
            break;
        }
        let negative = |next: &OsString| {
            next.to_str()
                .is_some_and(|n| n.len() > 1 && n.starts_with('-') && !n.starts_with("--"))
        };
        match arg.to_str() {
            Some(flag) if longs.iter().any(|l| l == flag) && args.peek().is_some_and(negative) => {
                let mut joined = OsString::from(format!("{flag}="));
                joined.push(args.next().unwrap_or_default());
                out.push(joined);
            }
            _ => out.push(arg),
        }
    }
    out
}

/// Parses `args` (program name first) with the command for `schema`.
fn parse(schema: &'static Schema, naming: &Naming, args: Vec<OsString>) -> Parse {
    let (cmd, problems) = command(schema, naming);
    // Flags left out of staid's own command are warnings the matches
    // carry; any other problem of the schema's is an error.
    let fatal: Vec<Problem> = problems
        .into_iter()
        .filter(|p| p.help.as_deref() != Some(LEFT_OUT))
        .collect();
    if !fatal.is_empty() {
        return Parse::Problems(fatal);
    }
    let args = numbers_joined(schema, args);
    let secrets = secret_values(schema, &args);
    match cmd.try_get_matches_from(args) {
        Ok(matches) => Parse::Flags(Flags::new(Arc::new(matches))),
        Err(e) => {
            use clap::error::ErrorKind as K;
            let mut text = e.render().to_string();
            for secret in &secrets {
                text = text.replace(&format!("'{secret}'"), "'<secret>'");
            }
            match e.kind() {
                K::DisplayHelp | K::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Parse::Exit(Exit::Help(text))
                }
                K::DisplayVersion => Parse::Exit(Exit::Version(text)),
                kind => {
                    let problem_kind = match kind {
                        K::UnknownArgument => ProblemKind::Unknown,
                        _ => ProblemKind::Syntax,
                    };
                    let message = text.trim_end().trim_start_matches("error: ").to_owned();
                    Parse::Problems(vec![Problem::new(problem_kind, message).with_lines()])
                }
            }
        }
    }
}
