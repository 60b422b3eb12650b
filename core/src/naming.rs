//! How a key path is spelled as an environment variable and as a flag,
//! "did you mean" suggestions, and how many unknown names are listed. One
//! place, so errors, usage tables, the env layer and the flag layer always
//! agree.

use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::Field;

/// The most problems one source's unknown names make (keys of a file or a
/// script, variables, credentials): past the 49th, one more says how many
/// were left out. A file meant for another program can hold a million
/// keys, and each would cost a "did you mean".
pub(crate) const MAX_UNKNOWN: usize = 50;

/// The problem that stands for `more` unknown names (`keys`, `environment
/// variables`) that are not listed, the first of them at `origin`.
pub(crate) fn unlisted(more: usize, what: &str, origin: Option<Origin>) -> Problem {
    let mut problem = Problem::new(
        ProblemKind::Unknown,
        format!(
            "and {more} more unknown {what} from here on (only the first {} of this source \
             are listed)",
            MAX_UNKNOWN - 1
        ),
    );
    problem.origin = origin;
    problem
}

/// Caps the unknown names a source reported itself (`problems[from..]`,
/// unknown environment variables or credentials) as the build caps unknown
/// keys.
pub(crate) fn cap_unknown(problems: &mut Vec<Problem>, from: usize) {
    let mut listed = 0;
    let mut more = 0;
    let mut first = None;
    let mut rest = problems.split_off(from.min(problems.len()));
    rest.retain(|p| {
        if p.kind() != ProblemKind::Unknown {
            return true;
        }
        listed += 1;
        if listed < MAX_UNKNOWN {
            return true;
        }
        more += 1;
        if first.is_none() {
            first = p.origin().cloned();
        }
        false
    });
    problems.extend(rest);
    if more > 0 {
        let what = match first {
            Some(Origin::Env { .. } | Origin::EnvFile { .. }) => "environment variables",
            _ => "names",
        };
        problems.push(unlisted(more, what, first));
    }
}

/// The spelling rules of one stack, taken from its sources when the load
/// plan is made: the env layer's prefix and separator, whether there are
/// flags.
#[derive(Clone, Debug, Default)]
pub(crate) struct Naming {
    /// `Some` when the stack reads the environment.
    pub(crate) env: Option<EnvNaming>,
    /// The builder's spelling of variables, set by its `env_*` methods,
    /// whether or not the stack reads the environment: a `.env` file's
    /// layer spells its variables so.
    pub(crate) builder_env: Option<EnvNaming>,
    /// Other environment layers of the stack, each with its own prefix.
    pub(crate) other_env: Vec<EnvNaming>,
    /// Whether the stack reads flags.
    pub(crate) flags: bool,
    /// Whether the stack reads systemd credentials.
    pub(crate) credentials: bool,
    /// Whether the stack discovers files, and so reads `<PREFIX>CONFIG`.
    pub(crate) discovers: bool,
    /// Where configuration comes from after the defaults, lowest first, a
    /// line for each layer of the stack as `--help` lists it: discovery's
    /// files and drop-in directories, the `--config` file in its place,
    /// other files, the environment, the flags.
    pub(crate) sources: Vec<String>,
}

/// Env variable names: `<prefix><sep><PATH joined by sep>`.
#[derive(Clone, Debug)]
pub(crate) struct EnvNaming {
    /// The prefix with its separator (`MYAPP_`), or empty.
    pub(crate) prefix: String,
    /// The separator between path segments: `_` or `__`.
    pub(crate) sep: &'static str,
}

impl EnvNaming {
    pub(crate) fn new(prefix: Option<&str>, sep: &'static str) -> EnvNaming {
        let prefix = match prefix {
            Some(p) if !p.is_empty() => {
                let p = p.to_ascii_uppercase().replace('-', "_");
                let p = p.trim_end_matches('_');
                format!("{p}{sep}")
            }
            _ => String::new(),
        };
        EnvNaming { prefix, sep }
    }

    /// The variable for a dotted path of field names (`db.host` ->
    /// `MYAPP_DB_HOST`).
    pub(crate) fn var(&self, path: &str, field: &Field) -> String {
        if let Some(exact) = field.env {
            return exact.to_owned();
        }
        let mut out = self.prefix.clone();
        for (i, seg) in path.split('.').enumerate() {
            if i > 0 {
                out.push_str(self.sep);
            }
            out.extend(seg.chars().map(|c| match c {
                '-' => '_',
                c => c.to_ascii_uppercase(),
            }));
        }
        out
    }
}

/// The long flag for a dotted path of field names (`db.host` -> `db-host`).
pub(crate) fn flag(path: &str, field: &Field) -> String {
    if let Some(exact) = field.flag {
        return exact.to_owned();
    }
    path.replace(['.', '_'], "-")
}

impl Naming {
    /// Every way to set a key, for "missing value" help: `path` in files,
    /// the variable and flag spelled from `names`, where the place of the
    /// field allows them (elements of lists have neither; entries of maps
    /// have variables).
    pub(crate) fn ways_to_set(
        &self,
        path: &str,
        names: &str,
        field: &Field,
        env: bool,
        flags: bool,
    ) -> String {
        let mut ways = vec![format!("`{path}` in a configuration file")];
        // A credential is one file per field, named like its key path or
        // variable: none for elements of lists, which have no variables
        // either.
        if self.credentials && env {
            ways.push(format!("the credential {path}"));
        }
        if env {
            // One name once, when two layers spell it alike.
            let mut vars: Vec<String> = Vec::new();
            for naming in self.env.iter().chain(&self.other_env) {
                let var = naming.var(names, field);
                if !vars.contains(&var) {
                    vars.push(var);
                }
            }
            match vars.as_slice() {
                [] => {}
                [one] => ways.push(format!("the environment variable {one}")),
                [first @ .., last] => ways.push(format!(
                    "the environment variables {} or {last}",
                    first.join(", ")
                )),
            }
        }
        if self.flags && flags {
            ways.push(format!("the flag --{}", flag(names, field)));
        }
        match ways.len() {
            1 => ways.remove(0),
            _ => {
                let last = ways.pop().unwrap_or_default();
                format!("{}, or {last}", ways.join(", "))
            }
        }
    }
}

/// The closest of `candidates` to `word`, if one is close enough to be a
/// likely typo: alike by Jaro-Winkler, or (for short names, which that
/// measure never finds alike: `s4` for `s3`) one edit apart. A word more
/// than twice as long as a name is no typo of it, and is not compared: the
/// measures cost the product of the two lengths.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut candidates = candidates
        .into_iter()
        .filter(|c| word.len() <= 2 * c.len() + 2)
        .peekable();
    candidates.peek()?;
    let word = word.to_ascii_lowercase();
    candidates
        .filter_map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let score = strsim::jaro_winkler(&word, &c_lower);
            let one_edit = word.chars().count() >= 2
                && c_lower.chars().count() >= 2
                && strsim::damerau_levenshtein(&word, &c_lower) <= 1;
            (score > 0.8 || one_edit).then_some((score, c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The known variable that `var` is likely a typo of: the names are
/// compared after their common `prefix` (which every candidate shares and
/// would make any two look alike), and only a few edits apart count.
pub(crate) fn suggest_var<'a>(
    var: &str,
    prefix: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let rest = var.strip_prefix(prefix).unwrap_or(var);
    candidates
        .into_iter()
        .filter_map(|c| {
            let other = c.strip_prefix(prefix)?;
            let most = (other.len() / 3).max(1);
            // Each byte of difference in length is an edit: a name far
            // longer is not compared (the measure costs both lengths).
            if rest.len().abs_diff(other.len()) > most {
                return None;
            }
            let edits = strsim::damerau_levenshtein(rest, other);
            (edits <= most).then_some((edits, c))
        })
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("prot", ["host", "port"]), Some("port"));
        assert_eq!(suggest("database", ["host", "port"]), None);
        assert_eq!(suggest("s4", ["memory", "s3"]), Some("s3"));
        assert_eq!(suggest("gc", ["gcs", "s3"]), Some("gcs"));
        assert_eq!(suggest("x", ["y", "s3"]), None);
        assert_eq!(suggest(&"port".repeat(1 << 18), ["port"]), None);
    }

    #[test]
    fn suggests_variables_a_few_edits_away() {
        let known = ["MYAPP_LISTEN", "MYAPP_PORT", "MYAPP_CONFIG"];
        assert_eq!(
            suggest_var("MYAPP_PROT", "MYAPP_", known),
            Some("MYAPP_PORT")
        );
        assert_eq!(
            suggest_var("MYAPP_CONFIGS", "MYAPP_", known),
            Some("MYAPP_CONFIG")
        );
        assert_eq!(suggest_var("MYAPP_LOGLEVEL", "MYAPP_", known), None);
        assert_eq!(suggest_var("MYAPP_X", "MYAPP_", known), None);
    }

    #[test]
    fn env_names_follow_the_path() {
        let n = EnvNaming::new(Some("myapp"), "_");
        let field = crate::schema::Field {
            key: "node_identifier",
            ident: "node_identifier",
            name: "node_identifier",
            ty: "String",
            doc: "",
            kind: crate::schema::FieldKind::Leaf {
                shape: crate::schema::Shape::Text,
                optional: false,
            },
            default: None,
            default_code: None,
            env: None,
            flag: None,
            short: None,
            secret: false,
            required: true,
            append: false,
            restart: false,
            path: false,
            json_schema: None,
        };
        assert_eq!(
            n.var("db.node_identifier", &field),
            "MYAPP_DB_NODE_IDENTIFIER"
        );
        let n = EnvNaming::new(Some("MYAPP"), "__");
        assert_eq!(
            n.var("db.node_identifier", &field),
            "MYAPP__DB__NODE_IDENTIFIER"
        );
        assert_eq!(flag("db.node_identifier", &field), "db-node-identifier");
    }
}
