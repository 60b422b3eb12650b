//! Mounting staid's flags into a command (the application's own, or the
//! standalone one): one argument per field, clashes reported and left out,
//! global where no subcommand uses the name.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgAction, Command};

use super::{CHECK_CONFIG_FLAG, CONFIG_FLAG, PRINT_CONFIG_FLAG, RESERVED};
use crate::error::{Problem, ProblemKind};
use crate::naming::{self, Naming};
use crate::schema::{Schema, Shape};

/// The names a command uses for its own arguments, each with who uses it:
/// a flag of staid's must not meet one of them in the same command (clap
/// would panic, or read one value for both).
#[derive(Default)]
struct Names {
    /// Long names and long aliases, of arguments and of flag subcommands.
    longs: HashMap<String, String>,
    /// Shorts and short aliases, of arguments and of flag subcommands.
    shorts: HashMap<char, String>,
    ids: HashMap<String, String>,
    /// The ids of global arguments: clap hands their values up to the
    /// command above, into any argument of the same id there.
    global_ids: HashMap<String, String>,
}

impl Names {
    /// What `cmd` itself uses; `path` is its place below the top (`db
    /// migrate`), empty for the application's command.
    fn add(&mut self, cmd: &Command, path: &str) {
        let owner = match path {
            "" => "the application's".to_owned(),
            _ => format!("the subcommand `{path}`'s"),
        };
        for arg in cmd.get_arguments() {
            let id = arg.get_id().to_string();
            self.take(
                arg.get_long()
                    .into_iter()
                    .chain(arg.get_all_aliases().unwrap_or_default()),
                arg.get_short()
                    .into_iter()
                    .chain(arg.get_all_short_aliases().unwrap_or_default()),
                |name| format!("{owner} {name}"),
            );
            if arg.is_global_set() {
                let who = format!("{owner} global argument `{id}`");
                self.global_ids.entry(id.clone()).or_insert(who);
            }
            let who = format!("{owner} argument `{id}`");
            self.ids.entry(id).or_insert(who);
        }
        // clap refuses an argument with the id of a group, as of another
        // argument.
        for group in cmd.get_groups() {
            let id = group.get_id().to_string();
            let who = format!("{owner} group `{id}`");
            self.ids.entry(id).or_insert(who);
        }
        // A subcommand given as a flag (`tool -S`, `tool --sync`) takes the
        // name in the command above it.
        for sub in cmd.get_subcommands() {
            let place = place(path, sub);
            self.take(
                sub.get_long_flag()
                    .into_iter()
                    .chain(sub.get_all_long_flag_aliases()),
                sub.get_short_flag()
                    .into_iter()
                    .chain(sub.get_all_short_flag_aliases()),
                |name| format!("the subcommand `{place}` ({name})"),
            );
        }
    }

    /// Takes these names for `who`, which is given each as it is written
    /// (`--port`, `-p`); the first to take a name keeps it.
    fn take<'a>(
        &mut self,
        longs: impl Iterator<Item = &'a str>,
        shorts: impl Iterator<Item = char>,
        who: impl Fn(&str) -> String,
    ) {
        for l in longs {
            let entry = self.longs.entry(l.to_owned());
            entry.or_insert_with(|| who(&format!("--{l}")));
        }
        for s in shorts {
            self.shorts
                .entry(s)
                .or_insert_with(|| who(&format!("-{s}")));
        }
    }

    /// What the application's command uses at the top.
    fn top(cmd: &Command) -> Names {
        let mut names = Names::default();
        names.add(cmd, "");
        names
    }

    /// What the subcommands of `cmd` use, at any depth: a global flag of
    /// staid's reaches every one of them.
    fn below(cmd: &Command) -> Names {
        let mut names = Names::default();
        names.walk(cmd, "");
        names
    }

    fn walk(&mut self, cmd: &Command, path: &str) {
        for sub in cmd.get_subcommands() {
            let path = place(path, sub);
            self.add(sub, &path);
            self.walk(sub, &path);
        }
    }

    /// Whether `name` is the id or a long name of one of these arguments.
    fn has(&self, name: &str) -> bool {
        self.ids.contains_key(name) || self.longs.contains_key(name)
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

/// The place of `sub`, a subcommand of the command at `path`.
fn place(path: &str, sub: &Command) -> String {
    match path {
        "" => sub.get_name().to_owned(),
        _ => format!("{path} {}", sub.get_name()),
    }
}

/// The id of the hidden argument that carries the [`Mount`] into the
/// matches. It has no long name, which clap would offer for a typo
/// (`--staid`) and match as a prefix (`infer_long_args`), only the short
/// NUL, which no command line can spell and clap never suggests.
pub(super) const MOUNT: &str = "\0staid";

/// What [`augment`] mounted into one command of the tree. A hidden argument
/// of each command carries its own into the matches, so that any builder
/// loading them (or `Cli::matches`) reads staid's flags alone and reports
/// the clashes.
#[derive(Debug, Default)]
pub(crate) struct Mount {
    /// The ids of the arguments staid added that reach this command, which
    /// are the only ones read from its matches: an argument of the
    /// application's own whose id is a key path (or `config`) is not
    /// configuration. Below the top these are the global ones alone; a
    /// flag kept at the top may share its id with a subcommand's own.
    pub(super) ids: HashSet<String>,
    /// Names that clash with the application's arguments: reported as
    /// warnings by every load of the matches.
    pub(super) warnings: Vec<Problem>,
}

impl Mount {
    /// The hidden argument, set by its default alone: one in each command,
    /// none global, since a subcommand's matches would carry the top's.
    fn marker(self: &Arc<Mount>) -> Arg {
        Arg::new(MOUNT)
            .short('\0')
            .hide(true)
            .help("What staid mounted here")
            .action(ArgAction::Set)
            .value_parser(Carry(self.clone()))
            .default_value("mounted")
    }
}

/// Whether an argument of `cmd` or of a subcommand below it has the short
/// option NUL (or an alias of it), which staid's hidden marker takes.
fn uses_nul_short(cmd: &Command) -> bool {
    cmd.get_arguments().any(|a| {
        a.get_short() == Some('\0')
            || a.get_all_short_aliases()
                .is_some_and(|aliases| aliases.contains(&'\0'))
    }) || cmd.get_subcommands().any(uses_nul_short)
}

/// Whether staid mounted its flags in `cmd` already.
fn mounted(cmd: &Command) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == MOUNT)
}

/// Gives every subcommand below `cmd` (at `path`, empty for the top) its
/// own copy of `args`, staid's help and version where they cannot be
/// global: a subcommand that has an argument of that id or long name
/// keeps its own, with a warning. A subcommand staid mounted in already is
/// left as it is.
fn copy_below(cmd: Command, path: &str, args: &[Arg], problems: &mut Vec<Problem>) -> Command {
    cmd.mut_subcommands(|sub| {
        if mounted(&sub) {
            return sub;
        }
        let place = place(path, &sub);
        let mut names = Names::default();
        names.add(&sub, &place);
        let mut sub = sub;
        for arg in args {
            let name = arg.get_id().as_str();
            match names.longs.get(name).or_else(|| names.ids.get(name)) {
                Some(who) => problems.push(Problem::new(
                    ProblemKind::Source,
                    format!(
                        "staid's --{name} is left out of the subcommand `{place}`: {who} has \
                         the same name"
                    ),
                )),
                None => sub = sub.arg(arg.clone()),
            }
        }
        copy_below(sub, &place, args, problems)
    })
}

/// Adds `mount`'s marker to every subcommand below `cmd`.
fn mark_below(cmd: Command, mount: &Arc<Mount>) -> Command {
    cmd.mut_subcommands(|sub| match mounted(&sub) {
        true => sub,
        false => mark_below(sub.arg(mount.marker()), mount),
    })
}

/// The marker's value parser: whatever the text, the value is the mount.
#[derive(Clone)]
struct Carry(Arc<Mount>);

impl clap::builder::TypedValueParser for Carry {
    type Value = Arc<Mount>;

    fn parse_ref(
        &self,
        _: &Command,
        _: Option<&Arg>,
        _: &std::ffi::OsStr,
    ) -> Result<Arc<Mount>, clap::Error> {
        Ok(self.0.clone())
    }
}

/// The help of a flag staid leaves out for a clash it can live with (a
/// field named `config`, an application's own `--verbose`): a warning, and
/// the load goes on.
pub(super) const LEFT_OUT: &str =
    "staid's flag is left out; the key can still be set in a file or the \
                        environment, or give the field another flag with \
                        #[config(flag = \"..\")]";

/// Adds staid's arguments for `schema` to `cmd`: one per field, plus
/// `--config`, `--print-config` and `--check-config`, global when `global`
/// is set, and in each command of the tree the hidden marker that carries
/// its [`Mount`] into the matches. Conflicting names (of arguments, their aliases, groups, flag
/// subcommands, at the top or in any subcommand) are reported as problems
/// and left out, never passed to clap (which would panic).
pub(crate) fn augment(
    schema: &'static Schema,
    naming: &Naming,
    mut cmd: Command,
    global: bool,
) -> (Command, Vec<Problem>) {
    if mounted(&cmd) {
        // Mounting twice would hand clap every flag twice.
        let problem = Problem::new(
            ProblemKind::Source,
            "staid's flags are already mounted in this command; it is left as it is",
        );
        return (cmd, vec![problem]);
    }
    // What clap would panic on once staid's arguments were in: left as it
    // is, with the reason.
    let refused = if cmd.is_multicall_set() {
        Some(
            "a multicall command takes no arguments of its own, so staid's flags cannot be \
             mounted in it: mount them in each of its subcommands instead",
        )
    } else if uses_nul_short(&cmd) {
        Some(
            "the command has an argument with the short option NUL (`-\\0`), which staid keeps \
             for itself: staid's flags are not mounted",
        )
    } else {
        None
    };
    if let Some(why) = refused {
        return (cmd, vec![Problem::new(ProblemKind::Source, why)]);
    }
    let mut problems = Vec::new();
    let app = Names::top(&cmd);
    let below = Names::below(&cmd);
    // Every long and short taken so far: staid's own flags, the
    // application's, then each field's as it is added.
    let mut longs: HashMap<String, String> = RESERVED
        .iter()
        .map(|r| (r.to_string(), format!("--{r}")))
        .collect();
    longs.extend(app.longs.clone());
    let mut shorts = app.shorts.clone();
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
        // An id a subcommand's global argument has would share its value.
        let other = longs
            .get(&long)
            .or_else(|| app.ids.get(path))
            .or_else(|| below.global_ids.get(path))
            .cloned();
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
        // A secret's value is taken whatever it starts with (`--token
        // -Xs3cret`): clap would quote it back as an unknown flag, in its
        // own error, which an application's parser prints.
        if field.shape() != Some(Shape::Bool) && schema.is_secret(path) {
            arg = arg.allow_hyphen_values(true);
        }
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
        } else if let Some(code) = field
            .default_code
            .filter(|_| !crate::redact::hides_whole(field))
        {
            notes.push_str(&format!(" [default: {code}]"));
        }
        if !help.is_empty() && !notes.is_empty() {
            help.push(' ');
        }
        help.push_str(notes.trim_start());
        // Even empty: an application's `help_expected(true)` is clap's
        // panic for an argument without help.
        args.push(arg.help(help));
    });
    // clap's own help flag is turned off for the whole tree below (the
    // setting propagates), so each subcommand needs staid's: global, or
    // where a subcommand has its own `--help`, a copy in each of the others.
    // It gives up `-h` where a field or a subcommand has it.
    let help_global = !below.has("help");
    let help_short =
        (!shorts.contains_key(&'h') && !below.shorts.contains_key(&'h')).then_some('h');
    // When the application propagates its version, clap would give every
    // subcommand `--version`; staid's one flag does that by being global,
    // or by a copy in each subcommand that has no `--version` of its own.
    let propagate_version = cmd.is_propagate_version_set();
    let version_global = propagate_version && !below.has("version");
    let version_short = (!shorts.contains_key(&'V')
        && (!propagate_version || !below.shorts.contains_key(&'V')))
    .then_some('V');
    let extra = [
        Arg::new(CONFIG_FLAG)
            .long(CONFIG_FLAG)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .action(ArgAction::Set)
            .help("Read this configuration file too"),
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
    let mut config_flag = true;
    for arg in extra {
        let name = arg.get_id().to_string();
        let taken = app.has(&name) || below.global_ids.contains_key(&name);
        if taken && name == CONFIG_FLAG {
            config_flag = false;
        }
        if app.has(&name) {
            problems.push(Problem::new(
                ProblemKind::Source,
                format!("the application already has --{name}; staid's --{name} is left out"),
            ));
        } else if let Some(who) = below.global_ids.get(&name) {
            problems.push(Problem::new(
                ProblemKind::Source,
                format!("staid's --{name} is left out: {who} has its id"),
            ));
        } else {
            args.push(arg);
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
                    let problem = Problem::new(
                        ProblemKind::Source,
                        format!(
                            "short flag -{short} of --{flag} is left out: {who} has the same name"
                        ),
                    )
                    .with_help(format!("--{flag} is still accepted everywhere"));
                    problems.push(about_flag(problem, &arg));
                    arg.short(None).global(true)
                }
                Some((who, false)) => {
                    let flag = arg.get_long().unwrap_or_default().to_owned();
                    let problem = Problem::new(
                        ProblemKind::Source,
                        format!("flag --{flag} is not global: {who} has the same name"),
                    )
                    .with_help("give staid's flag before the subcommand");
                    problems.push(about_flag(problem, &arg));
                    arg
                }
            })
            .collect();
    }
    let mut kept = Vec::new();
    // Staid's help and version where they cannot be global.
    let mut copied = Vec::new();
    if !app.has("help") {
        cmd = cmd.disable_help_flag(true);
        let help = builtin("help", help_short, ArgAction::Help, "Print help");
        match help_global {
            true => kept.push(help.global(true)),
            false => {
                copied.push(help.clone());
                kept.push(help);
            }
        }
    }
    if cmd.get_version().is_some() && !app.has("version") {
        cmd = cmd.disable_version_flag(true);
        let version = builtin(
            "version",
            version_short,
            ArgAction::Version,
            "Print version",
        );
        if propagate_version && !version_global {
            copied.push(version.clone());
        }
        kept.push(version.global(version_global));
    }
    cmd = copy_below(cmd, "", &copied, &mut problems);
    let top_mount = Arc::new(Mount {
        ids: args.iter().map(|a| a.get_id().to_string()).collect(),
        warnings: problems.clone(),
    });
    let sub_mount = Arc::new(Mount {
        ids: args
            .iter()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().to_string())
            .collect(),
        warnings: problems.clone(),
    });
    cmd = cmd.args(args).args(kept).arg(top_mount.marker());
    cmd = mark_below(cmd, &sub_mount);
    let mut after = crate::usage::sources(naming, config_flag);
    if !sections.is_empty() {
        let list = sections
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // Only where the stack reads the environment is it named.
        let env = naming.env.is_some() || !naming.other_env.is_empty();
        let elsewhere = if env {
            "a configuration file or the environment"
        } else {
            "a configuration file"
        };
        after.push_str(&format!(
            "\n\n{list}: lists and maps of sections have no flags; set them in {elsewhere}."
        ));
    }
    // Wherever staid's flags are shown: with global flags, each
    // subcommand's help too.
    cmd = footer(cmd, &after);
    if global {
        cmd = footer_below(cmd, &after);
    }
    (cmd, problems)
}

/// Where configuration comes from, after `cmd`'s help, unless the
/// application has a text of its own there, which stays as it is.
fn footer(cmd: Command, after: &str) -> Command {
    match cmd.get_after_help() {
        Some(_) => cmd,
        None => cmd.after_help(after.to_owned()),
    }
}

/// The footer after the help of every subcommand, at any depth.
fn footer_below(cmd: Command, after: &str) -> Command {
    cmd.mut_subcommands(|sub| footer_below(footer(sub, after), after))
}

/// `problem`, about staid's flag `arg`, keyed by the field the flag sets
/// (staid's own flags, such as `--config`, set none).
fn about_flag(problem: Problem, arg: &Arg) -> Problem {
    let id = arg.get_id().as_str();
    match RESERVED.contains(&id) {
        true => problem,
        false => problem.with_key(id),
    }
}

/// Staid's `--help` or `--version`, in place of clap's: `name` is its id
/// and its long flag.
fn builtin(name: &'static str, short: Option<char>, action: ArgAction, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .short(short)
        .action(action)
        .help(help)
}

/// Whether a type is made of numbers alone (`i32`, `Option<f64>`,
/// `Vec<i64>`, `(i32, i32)`): a value for it that starts with `-` is a
/// negative number, never a flag.
pub(super) fn numbers_only(ty: &str) -> bool {
    const NUMBERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    const WRAPPERS: &[&str] = &["Option", "Vec", "VecDeque", "HashSet", "BTreeSet"];
    let mut names = ty
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|n| !n.is_empty() && !WRAPPERS.contains(n))
        .peekable();
    names.peek().is_some() && names.all(|n| NUMBERS.contains(&n))
}
