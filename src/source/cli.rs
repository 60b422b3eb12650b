//! The command-line layer: clap arguments generated from the schema.
//!
//! Every leaf field gets a long flag (nested keys joined with `-`), its doc
//! comment as help, and the env variable and default in the help text. A flag
//! that is not given sets nothing, so it never hides a value from a lower
//! layer behind a default.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::{LoadCtx, Source};
use crate::error::{Exit, Problem, ProblemKind};
use crate::naming::{self, Naming};
use crate::origin::Origin;
use crate::schema::{Schema, Shape};
use crate::value::{Kind, Value};

/// The id and long name of the flag that names a configuration file.
pub const CONFIG_FLAG: &str = "config";
/// The id and long name of the flag that prints the effective configuration.
pub const PRINT_CONFIG_FLAG: &str = "print-config";

const RESERVED: &[&str] = &[CONFIG_FLAG, PRINT_CONFIG_FLAG, "help", "version"];

/// The command line as a layer: the process's arguments, given ones, or
/// the matches of the application's own clap parser.
/// [`Builder::cli`](crate::Builder::cli), [`args`](crate::Builder::args) and
/// [`matches`](crate::Builder::matches) add one; added with
/// [`Builder::source`](crate::Builder::source) it behaves the same.
///
/// The arguments are parsed once per builder, when it plans its loads: a
/// load or a watch reload never parses them again.
#[derive(Clone, Debug, Default)]
pub struct Cli {
    input: Input,
    parsed: OnceLock<Arc<Parse>>,
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
    /// `--config <FILE>`.
    pub(crate) config: Option<PathBuf>,
    /// `--print-config`.
    pub(crate) print_config: bool,
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
            parsed: OnceLock::new(),
        }
    }

    /// The matches of the application's own parser, into which
    /// [`Builder::augment`](crate::Builder::augment) mounted staid's
    /// arguments.
    pub fn matches(matches: &ArgMatches) -> Cli {
        Cli {
            input: Input::Matches(Arc::new(matches.clone())),
            parsed: OnceLock::new(),
        }
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
        let matches = match self.parsed(ctx.schema, ctx.naming) {
            Parse::Flags(flags) => &flags.matches,
            Parse::Exit(_) => return Ok(None),
            Parse::Problems(problems) => return Err(problems.clone()),
        };
        let mut flags = Value::table(Origin::Default);
        let mut any = false;
        ctx.schema.walk_named(&mut |path, names, field| {
            if field.elements().is_some() {
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
    fn new(matches: Arc<ArgMatches>) -> Flags {
        let config = matches
            .try_get_one::<PathBuf>(CONFIG_FLAG)
            .ok()
            .flatten()
            .cloned();
        let print_config = matches
            .try_get_one::<bool>(PRINT_CONFIG_FLAG)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
        Flags {
            matches,
            config,
            print_config,
        }
    }
}

/// Adds staid's arguments for `schema` to `cmd`: one per field, plus
/// `--config` and `--print-config`. Conflicting names are reported as
/// problems and left out, never passed to clap (which would panic).
pub(crate) fn augment(
    schema: &'static Schema,
    naming: &Naming,
    mut cmd: Command,
) -> (Command, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut longs: HashMap<String, String> = RESERVED
        .iter()
        .map(|r| (r.to_string(), format!("--{r}")))
        .collect();
    let mut shorts: HashMap<char, String> = HashMap::new();
    // The application's own argument ids: clap panics on a duplicate id too.
    let app_ids: std::collections::HashSet<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    let app_longs: std::collections::HashSet<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_owned))
        .collect();
    let app_has = |name: &str| app_ids.contains(name) || app_longs.contains(name);
    for taken in cmd.get_arguments() {
        if let Some(l) = taken.get_long() {
            longs.insert(l.to_owned(), format!("the application's --{l}"));
        }
        if let Some(s) = taken.get_short() {
            shorts.insert(s, format!("the application's -{s}"));
        }
    }
    let mut args = Vec::new();
    let mut sections = Vec::new();
    schema.walk_named(&mut |path, names, field| {
        if field.elements().is_some() {
            // Lists and maps of sections have no flags: their keys are not
            // known before the load.
            sections.push(path.to_owned());
            return;
        }
        let long = naming::flag(names, field);
        let other = longs.get(&long).cloned().or_else(|| {
            app_ids
                .contains(path)
                .then(|| format!("the application's argument `{path}`"))
        });
        if let Some(other) = other {
            problems.push(
                Problem::new(
                    ProblemKind::Source,
                    format!(
                        "flag --{long} is generated for `{path}` but is already used by {other}"
                    ),
                )
                .with_key(path)
                .with_help(
                    "give the field another flag with #[config(flag = \"..\")] or rename it",
                ),
            );
            return;
        }
        longs.insert(long.clone(), format!("`{path}`"));
        let mut arg = Arg::new(path.to_owned())
            .long(long.clone())
            .value_name(field.key.to_ascii_uppercase());
        if let Some(short) = field.short {
            match shorts.get(&short) {
                Some(other) => problems.push(
                    Problem::new(
                        ProblemKind::Source,
                        format!("short flag -{short} of `{path}` is already used by {other}"),
                    )
                    .with_key(path),
                ),
                None => {
                    shorts.insert(short, format!("`{path}`"));
                    arg = arg.short(short);
                }
            }
        }
        arg = if field.shape() == Some(Shape::Bool) {
            arg.num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .action(ArgAction::Set)
                .value_name("BOOL")
        } else if field.shape() == Some(Shape::List) {
            arg.action(ArgAction::Append)
        } else {
            arg.action(ArgAction::Set)
        };
        let mut help = field
            .doc
            .lines()
            .next()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_owned();
        let mut notes = String::new();
        if let Some(env) = &naming.env {
            notes.push_str(&format!(" [env: {}]", env.var(names, field)));
        }
        if let Some(default) = crate::redact::default_of(field) {
            let shown = default.to_string();
            if !shown.is_empty() {
                notes.push_str(&format!(" [default: {shown}]"));
            }
        } else if let Some(code) = field.default_code.filter(|_| !field.secret) {
            notes.push_str(&format!(" [default: {code}]"));
        }
        if !help.is_empty() && !notes.is_empty() {
            help.push(' ');
        }
        help.push_str(notes.trim_start());
        if !help.is_empty() {
            arg = arg.help(help);
        }
        args.push(arg);
    });
    let help_short = (!shorts.contains_key(&'h')).then_some('h');
    let version_short = (!shorts.contains_key(&'V')).then_some('V');
    let mut extra = vec![
        Arg::new(CONFIG_FLAG)
            .long(CONFIG_FLAG)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .action(ArgAction::Set)
            .help("Read this configuration file after the discovered ones"),
        Arg::new(PRINT_CONFIG_FLAG)
            .long(PRINT_CONFIG_FLAG)
            .action(ArgAction::SetTrue)
            .help("Print the effective configuration with the origin of each value, and exit"),
        Arg::new("help")
            .long("help")
            .short(help_short)
            .action(ArgAction::Help)
            .help("Print help"),
    ];
    if cmd.get_version().is_some() {
        extra.push(
            Arg::new("version")
                .long("version")
                .short(version_short)
                .action(ArgAction::Version)
                .help("Print version"),
        );
    }
    // An application that has its own `--config` (or help, version) keeps
    // it; staid's is left out rather than handed to clap as a duplicate.
    let mut kept = Vec::new();
    for arg in extra {
        let name = arg.get_id().to_string();
        if !app_has(&name) {
            kept.push(arg);
        } else if name == CONFIG_FLAG || name == PRINT_CONFIG_FLAG {
            problems.push(Problem::new(
                ProblemKind::Source,
                format!("the application already has --{name}; staid's --{name} is left out"),
            ));
        }
    }
    let (own_help, own_version) = (app_has("help"), app_has("version"));
    if !own_help {
        cmd = cmd.disable_help_flag(true);
    }
    if !own_version {
        cmd = cmd.disable_version_flag(true);
    }
    cmd = cmd.args(args).args(kept);
    // Notes after the options, unless the application has its own.
    let mut notes = Vec::new();
    if !sections.is_empty() {
        let list = sections
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(format!(
            "{list}: lists and maps of sections have no flags; set them in a configuration \
             file or the environment."
        ));
    }
    if !naming.places.is_empty() {
        let places: Vec<String> = naming.places.iter().map(|p| format!("  {p}")).collect();
        notes.push(format!(
            "Configuration files, lowest first:\n{}",
            places.join("\n")
        ));
    }
    if !notes.is_empty() && cmd.get_after_help().is_none() {
        cmd = cmd.after_help(notes.join("\n\n"));
    }
    (cmd, problems)
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
    augment(schema, naming, cmd)
}

/// Parses `args` (program name first) with the command for `schema`.
fn parse(schema: &'static Schema, naming: &Naming, args: Vec<OsString>) -> Parse {
    let (cmd, problems) = command(schema, naming);
    if !problems.is_empty() {
        return Parse::Problems(problems);
    }
    match cmd.try_get_matches_from(args) {
        Ok(matches) => Parse::Flags(Flags::new(Arc::new(matches))),
        Err(e) => {
            use clap::error::ErrorKind as K;
            let text = e.render().to_string();
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
                    Parse::Problems(vec![Problem::new(problem_kind, message)])
                }
            }
        }
    }
}
