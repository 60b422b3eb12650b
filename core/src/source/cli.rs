//! The command-line layer: clap arguments generated from the schema.
//!
//! Every leaf field gets a long flag (nested keys joined with `-`), its doc
//! comment as help, and the env variable and default in the help text. A flag
//! that is not given sets nothing, so it never hides a value from a lower
//! layer behind a default.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::{LoadCtx, Source};
use crate::error::{Exit, Problem, ProblemKind};
use crate::naming::{self, Naming};
use crate::origin::Origin;
use crate::print::Print;
use crate::schema::{Schema, Shape};
use crate::value::{Kind, Value};

/// The id and long name of the flag that names a configuration file.
pub const CONFIG_FLAG: &str = "config";
/// The id and long name of the flag that prints the effective configuration.
pub const PRINT_CONFIG_FLAG: &str = "print-config";
/// The id and long name of the flag that checks the configuration and exits.
pub const CHECK_CONFIG_FLAG: &str = "check-config";

const RESERVED: &[&str] = &[
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
/// The arguments are parsed once per builder, when it plans its loads: a
/// load or a watch reload never parses them again.
#[derive(Clone, Debug)]
pub struct Cli {
    input: Input,
    parsed: OnceLock<Arc<Parse>>,
    /// Whether staid's flags are global: accepted after a subcommand too.
    global: bool,
    /// What [`Builder::augment`](crate::Builder::augment) did when it
    /// mounted the flags into the application's command.
    mounted: Arc<Mutex<Mounted>>,
}

/// The flags mounted into an application's command.
#[derive(Debug, Default)]
struct Mounted {
    /// Names that clash with the application's arguments: reported as
    /// warnings by every load of the matches.
    problems: Vec<Problem>,
    /// The ids of the arguments staid added, which are the only ones read
    /// from the matches: an argument of the application's own whose id is
    /// a key path is not configuration. `None` before a mount.
    ids: Option<std::collections::HashSet<String>>,
}

impl Default for Cli {
    fn default() -> Cli {
        Cli {
            input: Input::default(),
            parsed: OnceLock::new(),
            global: true,
            mounted: Arc::default(),
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
    /// Flags left out of staid's own command for a clash (see `LEFT_OUT`).
    warnings: Vec<Problem>,
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
    /// arguments.
    pub fn matches(matches: &ArgMatches) -> Cli {
        Cli::default().with_matches(matches)
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

    /// This layer reading `matches`, with its settings and what mounting
    /// found kept.
    pub(crate) fn with_matches(&self, matches: &ArgMatches) -> Cli {
        Cli {
            input: Input::Matches(Arc::new(matches.clone())),
            parsed: OnceLock::new(),
            global: self.global,
            mounted: self.mounted.clone(),
        }
    }

    /// Mounts staid's arguments into the application's `cmd`; the clashes
    /// found are kept for the loads of the matches, and returned.
    pub(crate) fn mount(
        &self,
        schema: &'static Schema,
        naming: &Naming,
        cmd: Command,
    ) -> (Command, Vec<Problem>) {
        let before: std::collections::HashSet<String> = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect();
        let (cmd, problems) = augment(schema, naming, cmd, self.global);
        let ids = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| !before.contains(id))
            .collect();
        *self.mounted.lock().unwrap_or_else(|e| e.into_inner()) = Mounted {
            problems: problems.clone(),
            ids: Some(ids),
        };
        (cmd, problems)
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
        let mut own = None;
        if let Input::Matches(_) = self.input {
            let mounted = self.mounted.lock().unwrap_or_else(|e| e.into_inner());
            ctx.sink.warnings.extend(mounted.problems.iter().cloned());
            own = mounted.ids.clone();
        }
        let matches = match self.parsed(ctx.schema, ctx.naming) {
            Parse::Flags(flags) => {
                ctx.sink.warnings.extend(flags.warnings.iter().cloned());
                &flags.matches
            }
            Parse::Exit(_) => return Ok(None),
            Parse::Problems(problems) => return Err(problems.clone()),
        };
        let mut flags = Value::table(Origin::Default);
        let mut any = false;
        ctx.schema.walk_named(&mut |path, names, field| {
            if field.elements().is_some() || own.as_ref().is_some_and(|ids| !ids.contains(path)) {
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
            .try_get_one::<String>(PRINT_CONFIG_FLAG)
            .ok()
            .flatten()
            .map(|format| match format.as_str() {
                "json" => Print::Json,
                "toml" => Print::Toml,
                _ => Print::Listing,
            });
        let check_config = matches
            .try_get_one::<bool>(CHECK_CONFIG_FLAG)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
        Flags {
            matches,
            warnings: Vec::new(),
            config,
            print_config,
            check_config,
        }
    }
}

/// The names the subcommands of `cmd` (at any depth) use for their own
/// arguments, each with who uses it: a global flag of staid's must not
/// meet one of them there (clap would panic).
#[derive(Default)]
struct Below {
    longs: HashMap<String, String>,
    shorts: HashMap<char, String>,
    ids: HashMap<String, String>,
}

impl Below {
    fn of(cmd: &Command) -> Below {
        let mut below = Below::default();
        below.walk(cmd, "");
        below
    }

    fn walk(&mut self, cmd: &Command, path: &str) {
        for sub in cmd.get_subcommands() {
            let name = match path {
                "" => sub.get_name().to_owned(),
                _ => format!("{path} {}", sub.get_name()),
            };
            for arg in sub.get_arguments().filter(|a| !a.is_global_set()) {
                let id = arg.get_id().to_string();
                if let Some(l) = arg.get_long() {
                    let who = format!("the subcommand `{name}`'s --{l}");
                    self.longs.entry(l.to_owned()).or_insert(who);
                }
                if let Some(s) = arg.get_short() {
                    let who = format!("the subcommand `{name}`'s -{s}");
                    self.shorts.entry(s).or_insert(who);
                }
                let who = format!("the subcommand `{name}`'s argument `{id}`");
                self.ids.entry(id).or_insert(who);
            }
            self.walk(sub, &name);
        }
    }

    /// Who below uses a name of `arg`, if anyone, and whether it is the
    /// short alone.
    fn clash(&self, arg: &Arg) -> Option<(&str, bool)> {
        let long = arg.get_long().and_then(|l| self.longs.get(l));
        let short = arg.get_short().and_then(|s| self.shorts.get(&s));
        let id = self.ids.get(arg.get_id().as_str());
        match long.or(id) {
            Some(who) => Some((who, false)),
            None => short.map(|who| (who.as_str(), true)),
        }
    }
}

/// The help of a flag staid leaves out for a clash it can live with (a
/// field named `config`, an application's own `--verbose`): a warning, and
/// the load goes on.
const LEFT_OUT: &str = "staid's flag is left out; the key can still be set in a file or the \
                        environment, or give the field another flag with \
                        #[config(flag = \"..\")]";

/// Adds staid's arguments for `schema` to `cmd`: one per field, plus
/// `--config` and `--print-config`, global when `global` is set.
/// Conflicting names are reported as problems and left out, never passed
/// to clap (which would panic).
pub(crate) fn augment(
    schema: &'static Schema,
    naming: &Naming,
    mut cmd: Command,
    global: bool,
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
    let below = Below::of(&cmd);
    let left_out = LEFT_OUT;
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
        // A key such as `_x` or `a=b` spells a flag no command line can give.
        if long.is_empty()
            || long.starts_with('-')
            || long.contains(|c: char| c.is_whitespace() || c == '=')
        {
            problems.push(
                Problem::new(
                    ProblemKind::Source,
                    format!("`{path}` spells the flag --{long}, which no command line can give"),
                )
                .with_key(path)
                .with_help(LEFT_OUT),
            );
            return;
        }
        let other = longs.get(&long).cloned().or_else(|| {
            app_ids
                .contains(path)
                .then(|| format!("the application's argument `{path}`"))
        });
        if let Some(other) = other {
            // Two fields of the schema spell one flag: the schema is to
            // change, not the application's command.
            let help = match other.starts_with('`') {
                true => {
                    "two fields have one flag: give one of them another with \
                         #[config(flag = \"..\")]"
                }
                false => left_out,
            };
            problems.push(
                Problem::new(
                    ProblemKind::Source,
                    format!(
                        "flag --{long} is generated for `{path}` but is already used by {other}"
                    ),
                )
                .with_key(path)
                .with_help(help),
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
                    .with_key(path)
                    .with_help(format!("staid's flag is --{long} alone")),
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
            arg.action(ArgAction::Append).allow_negative_numbers(true)
        } else {
            // `--offset -5` is a value, not an unknown flag `-5`.
            arg.action(ArgAction::Set).allow_negative_numbers(true)
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
    // `--help` is always global: clap's own help flag is turned off for the
    // whole tree below (the setting propagates), so each subcommand needs
    // this one. It gives up `-h` where a field or a subcommand has it.
    let help_short =
        (!shorts.contains_key(&'h') && !below.shorts.contains_key(&'h')).then_some('h');
    // When the application propagates its version, clap would give every
    // subcommand `--version`; staid's one flag does that by being global,
    // unless a subcommand has a `--version` of its own.
    let version_global = cmd.is_propagate_version_set()
        && !below.longs.contains_key("version")
        && !below.ids.contains_key("version");
    let version_short = (!shorts.contains_key(&'V')
        && (!version_global || !below.shorts.contains_key(&'V')))
    .then_some('V');
    let extra = [
        Arg::new(CONFIG_FLAG)
            .long(CONFIG_FLAG)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .action(ArgAction::Set)
            .help("Read this configuration file after the discovered ones"),
        Arg::new(PRINT_CONFIG_FLAG)
            .long(PRINT_CONFIG_FLAG)
            .value_name("FORMAT")
            .value_parser(["text", "json", "toml"])
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("text")
            .hide_possible_values(true)
            .action(ArgAction::Set)
            .help("Print the effective configuration and exit: text with origins, json or toml"),
        Arg::new(CHECK_CONFIG_FLAG)
            .long(CHECK_CONFIG_FLAG)
            .action(ArgAction::SetTrue)
            .help("Check the configuration, print every problem, and exit"),
    ];
    // An application that has its own `--config` (or help, version) keeps
    // it; staid's is left out rather than handed to clap as a duplicate.
    for arg in extra {
        let name = arg.get_id().to_string();
        if !app_has(&name) {
            args.push(arg);
        } else {
            problems.push(Problem::new(
                ProblemKind::Source,
                format!("the application already has --{name}; staid's --{name} is left out"),
            ));
        }
    }
    if global {
        // A flag a subcommand also uses stays at the top, where it is
        // still accepted before the subcommand.
        args = args
            .into_iter()
            .map(|arg| match below.clash(&arg) {
                None => arg.global(true),
                // As at the top: for a short, the long flag stays (global).
                Some((who, true)) => {
                    let short = arg.get_short().unwrap_or_default();
                    let flag = arg.get_long().unwrap_or_default().to_owned();
                    let mut problem = Problem::new(
                        ProblemKind::Source,
                        format!(
                            "short flag -{short} of --{flag} is left out: {who} has the same name"
                        ),
                    )
                    .with_help(format!("--{flag} is still accepted everywhere"));
                    let id = arg.get_id().as_str();
                    if !RESERVED.contains(&id) {
                        problem = problem.with_key(id);
                    }
                    problems.push(problem);
                    arg.short(None).global(true)
                }
                Some((who, false)) => {
                    let flag = arg.get_long().unwrap_or_default().to_owned();
                    let mut problem = Problem::new(
                        ProblemKind::Source,
                        format!("flag --{flag} is not global: {who} has the same name"),
                    )
                    .with_help("give staid's flag before the subcommand");
                    let id = arg.get_id().as_str();
                    if !RESERVED.contains(&id) {
                        problem = problem.with_key(id);
                    }
                    problems.push(problem);
                    arg
                }
            })
            .collect();
    }
    let mut kept = Vec::new();
    if !app_has("help") {
        cmd = cmd.disable_help_flag(true);
        kept.push(
            Arg::new("help")
                .long("help")
                .short(help_short)
                .action(ArgAction::Help)
                .global(true)
                .help("Print help"),
        );
    }
    if cmd.get_version().is_some() && !app_has("version") {
        cmd = cmd.disable_version_flag(true);
        kept.push(
            Arg::new("version")
                .long("version")
                .short(version_short)
                .action(ArgAction::Version)
                .global(version_global)
                .help("Print version"),
        );
    }
    cmd = cmd.args(args).args(kept);
    // An application's own text after the help stays as it is.
    if cmd.get_after_help().is_none() {
        let mut after = crate::usage::sources(naming);
        if !sections.is_empty() {
            let list = sections
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            after.push_str(&format!(
                "\n\n{list}: lists and maps of sections have no flags; set them in a \
                 configuration file or the environment."
            ));
        }
        cmd = cmd.after_help(after);
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
    augment(schema, naming, cmd, false)
}

/// Parses `args` (program name first) with the command for `schema`.
fn parse(schema: &'static Schema, naming: &Naming, args: Vec<OsString>) -> Parse {
    let (cmd, problems) = command(schema, naming);
    let (left_out, fatal): (Vec<Problem>, Vec<Problem>) = problems
        .into_iter()
        .partition(|p| p.help.as_deref() == Some(LEFT_OUT));
    if !fatal.is_empty() {
        return Parse::Problems(fatal);
    }
    let secrets = secret_values(schema, &args);
    match cmd.try_get_matches_from(args) {
        Ok(matches) => Parse::Flags(Flags {
            warnings: left_out,
            ..Flags::new(Arc::new(matches))
        }),
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

/// The arguments that follow a secret field's flag (`--token x`): clap
/// quotes an argument back in its error, as when a secret starts with `-`
/// (`--token --s3cret` reads as an unknown flag), so those are masked.
fn secret_values(schema: &'static Schema, args: &[OsString]) -> Vec<String> {
    let mut longs: Vec<String> = Vec::new();
    let mut secret_shorts: Vec<char> = Vec::new();
    let mut value_shorts: Vec<char> = Vec::new();
    schema.walk_named(&mut |path, names, field| {
        if field.shape() != Some(Shape::Bool) {
            value_shorts.extend(field.short);
        }
        if schema.is_secret(path) {
            longs.push(format!("--{}", naming::flag(names, field)));
            secret_shorts.extend(field.short);
        }
    });
    // The argument after a secret flag is taken for its value even when
    // it looks like a flag (`--token --S3cret`): clap would quote it back
    // as an unknown one.
    let value_at = |i: usize| args.get(i).and_then(|a| a.to_str());
    let mut values = Vec::new();
    let mut push = |value: &str| {
        if value.is_empty() {
            return;
        }
        // clap quotes `--a=b` by its flag part, `--a`.
        if let Some((flag, _)) = value.split_once('=') {
            values.push(flag.to_owned());
        }
        values.push(value.to_owned());
    };
    for (i, arg) in args.iter().enumerate() {
        let Some(arg) = arg.to_str() else {
            continue;
        };
        if longs.iter().any(|long| arg == long) {
            if let Some(value) = value_at(i + 1) {
                push(value);
            }
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
            continue;
        };
        // clap reads a cluster of shorts (`-vt`) up to the first that takes
        // a value; the rest of the cluster (`-tabc`, `-t=abc`) or else the
        // next argument is that value.
        let Some((at, short)) = cluster
            .char_indices()
            .find(|(_, c)| value_shorts.contains(c))
        else {
            continue;
        };
        if !secret_shorts.contains(&short) {
            continue;
        }
        let rest = &cluster[at + short.len_utf8()..];
        match rest.strip_prefix('=').unwrap_or(rest) {
            "" => {
                if let Some(value) = value_at(i + 1) {
                    push(value);
                }
            }
            inline => {
                push(inline);
                push(arg);
            }
        }
    }
    values
}
