//! `Vars`: the environment variables a load sees, as one snapshot.

/// A snapshot of environment variables: the process environment, read once
/// per load plan, or the pairs given to
/// [`Builder::env_from`](crate::Builder::env_from) or [`Env::vars`](super::Env::vars).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    /// One entry per name (the last given wins), in the order the process
    /// environment lists them, or sorted by name for pairs given by hand.
    /// Searched from end to end rather than sorted or hashed: a process has
    /// a few dozen variables and a load looks up a handful, so building an
    /// index would cost more than every lookup it saves.
    vars: Vec<(String, String)>,
    /// Variables whose value is not UTF-8, by name.
    pub(crate) invalid: Vec<String>,
    /// Names that are not UTF-8, made readable (`\u{fffd}` for what is not),
    /// so that the env layer can report one under its prefix.
    pub(crate) invalid_names: Vec<String>,
}

impl Vars {
    /// The process environment. Variables that are not UTF-8 are kept aside
    /// so the env layer can report them by name.
    pub fn from_process() -> Vars {
        // The OS gives each name once, so there is nothing to deduplicate.
        let (vars, invalid, invalid_names) = Vars::split(std::env::vars_os());
        Vars {
            vars,
            invalid,
            invalid_names,
        }
    }

    /// An environment made of these pairs only.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vars {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Vars::deduplicated(vars, Vec::new())
    }

    /// An environment made of these pairs only, as the OS gives them: values
    /// that are not UTF-8 are kept aside and reported by name if a field
    /// reads them.
    pub fn from_os_pairs<K: Into<std::ffi::OsString>, V: Into<std::ffi::OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vars {
        let (vars, invalid, invalid_names) = Vars::split(pairs);
        Vars {
            invalid_names,
            ..Vars::deduplicated(vars, invalid)
        }
    }

    /// UTF-8 pairs, the names of those whose value is not UTF-8, and the
    /// names that are not UTF-8 themselves (which can name no field).
    #[allow(clippy::type_complexity)]
    fn split<K: Into<std::ffi::OsString>, V: Into<std::ffi::OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> (Vec<(String, String)>, Vec<String>, Vec<String>) {
        let pairs = pairs.into_iter();
        let mut vars = Vec::with_capacity(pairs.size_hint().0);
        let mut invalid = Vec::new();
        let mut invalid_names = Vec::new();
        for (k, v) in pairs {
            match (k.into().into_string(), v.into().into_string()) {
                (Ok(k), Ok(v)) => vars.push((k, v)),
                (Ok(k), Err(_)) => invalid.push(k),
                (Err(k), _) => invalid_names.push(k.to_string_lossy().into_owned()),
            }
        }
        (vars, invalid, invalid_names)
    }

    /// Sorted by name, of two pairs with one name the later kept.
    fn deduplicated(mut vars: Vec<(String, String)>, invalid: Vec<String>) -> Vars {
        // Stable, so that of two pairs with one name the later stays last.
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(String, String)> = Vec::with_capacity(vars.len());
        for pair in vars {
            match deduped.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => deduped.push(pair),
            }
        }
        Vars {
            vars: deduped,
            invalid,
            invalid_names: Vec::new(),
        }
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every variable: the process environment in its own order, pairs
    /// given by hand sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables whose name starts with `prefix`, sorted by name (so
    /// that what is reported about them comes in a stable order).
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        let mut found: Vec<(&str, &str)> =
            self.iter().filter(|(k, _)| k.starts_with(prefix)).collect();
        found.sort_unstable_by(|a, b| a.0.cmp(b.0));
        found.into_iter()
    }
}
