//! The command-line methods of [`Builder`]: the builder's one command
//! line, and mounting staid's flags into an application's own parser.

use std::ffi::OsString;
use std::sync::OnceLock;

use super::{command, Cli};
use crate::builder::Builder;
use crate::error::Error;
use crate::naming::Naming;
use crate::plan::Stack;
use crate::Config;

impl<T: Config> Builder<T> {
    /// Adds the process's command line as a layer: a flag for every field
    /// (see the crate docs), `--config <FILE>`, `--print-config`, `--help`
    /// and `--version`. The arguments are parsed once, before the first
    /// load.
    pub fn cli(self) -> Self {
        self.source(Cli::new())
    }

    /// Adds these arguments as the command-line layer, instead of the
    /// process's; the first is the program name, as in `std::env::args`.
    /// `--help`, `--version` and `--print-config` then end the load with an
    /// [`Error`] holding an [`Exit`](crate::Exit) instead of exiting the process.
    pub fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.source(Cli::args(args))
    }

    /// Adds the command-line layer from matches of the application's own
    /// parser, into which [`augment`](Builder::augment) mounted staid's
    /// arguments: `.source(Cli::matches(matches))`. The matches carry what
    /// was mounted, so any builder reads the same flags from them, with
    /// the same warnings.
    pub fn matches(self, matches: &clap::ArgMatches) -> Self {
        self.source(Cli::matches(matches))
    }

    /// The clap command staid parses with [`cli`](Builder::cli): named after
    /// `#[config(name)]`, the struct's doc comment as description.
    ///
    /// # Panics
    ///
    /// Never on its own account; names that would collide in clap are left
    /// out (the load reports them).
    pub fn command(&self) -> clap::Command {
        command(T::SCHEMA, &self.flag_naming()).0
    }

    /// Adds staid's arguments (one per field, `--config`, `--print-config`)
    /// to an application's own clap command, for instance one with
    /// subcommands. Hand the matches back with [`matches`](Builder::matches).
    ///
    /// The flags are global (see [`global_flags`](Builder::global_flags)),
    /// and `--help`/`-h` keeps working on every subcommand that has no
    /// `--help` of its own. A generated
    /// name that the application already uses (an argument's name, alias or
    /// id, a group, a flag subcommand) is left out, never handed to clap
    /// (which would panic); each such clash is a warning in
    /// [`Loaded::warnings`](crate::Loaded::warnings) naming both. [`try_augment`](Builder::try_augment)
    /// makes them an error instead.
    ///
    /// What was mounted travels in the matches (a hidden argument), so any
    /// builder given them with [`matches`](Builder::matches), such as the
    /// one [`Config::load_with`] hands its closure, reads staid's flags
    /// alone, with the same warnings.
    pub fn augment(&self, cmd: clap::Command) -> clap::Command {
        self.cli.mount(T::SCHEMA, &self.flag_naming(), cmd).0
    }

    /// Like [`augment`](Builder::augment), but a clash between staid's
    /// names and the application's is an [`Error`] listing every one, for
    /// an application that wants its command line to stay exactly as
    /// designed.
    pub fn try_augment(&self, cmd: clap::Command) -> Result<clap::Command, Error> {
        match self.cli.mount(T::SCHEMA, &self.flag_naming(), cmd) {
            (cmd, problems) if problems.is_empty() => Ok(cmd),
            (_, problems) => Err(Error::from_problems(problems)),
        }
    }

    /// Whether the flags [`augment`](Builder::augment) mounts are global:
    /// accepted after the application's subcommands too
    /// (`tool serve --port 9`). Default `true`: the configuration is the
    /// whole program's, and an operator appends a flag to a command line
    /// wherever it ends. `false` keeps them before the first subcommand.
    pub fn global_flags(mut self, yes: bool) -> Self {
        self.plan = OnceLock::new();
        self.cli = self.cli.global(yes);
        self
    }

    /// The names help text shows: flags, and env variables when the stack
    /// reads the environment.
    fn flag_naming(&self) -> Naming {
        let stack = Stack {
            schema: T::SCHEMA,
            layers: &self.layers,
            env: &self.env,
            cli: &self.cli,
        };
        Naming {
            flags: true,
            ..stack.naming(&|| self.vars())
        }
    }
}
