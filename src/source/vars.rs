//! `Vars`: the environment variables a load sees, as one snapshot.

/// A snapshot of environment variables: the process environment, read once
/// per load plan, or the pairs given to
/// [`Builder::env_from`](crate::Builder::env_from) or [`Env::vars`](super::Env::vars).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    /// Sorted by name, one entry per name (the last given wins). A sorted
    /// list rather than a map: built once per plan, then only searched, and
    /// a process has a few dozen variables.
    vars: Vec<(String, String)>,
    /// Variables whose value is not UTF-8, by name.
    pub(crate) invalid: Vec<String>,
}

impl Vars {
    /// The process environment. Variables that are not UTF-8 are kept aside
    /// so the env layer can report them by name.
    pub fn from_process() -> Vars {
        Vars::from_os_pairs(std::env::vars_os())
    }

    /// An environment made of these pairs only.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vars {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Vars::sorted(vars, Vec::new())
    }

    /// An environment made of these pairs only, as the OS gives them: values
    /// that are not UTF-8 are kept aside and reported by name if a field
    /// reads them.
    pub fn from_os_pairs<K: Into<std::ffi::OsString>, V: Into<std::ffi::OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vars {
        let mut vars = Vec::new();
        let mut invalid = Vec::new();
        for (k, v) in pairs {
            match (k.into().into_string(), v.into().into_string()) {
                (Ok(k), Ok(v)) => vars.push((k, v)),
                (Ok(k), Err(_)) => invalid.push(k),
                (Err(_), _) => {}
            }
        }
        Vars::sorted(vars, invalid)
    }

    fn sorted(mut vars: Vec<(String, String)>, invalid: Vec<String>) -> Vars {
        // Stable, so that of two pairs with one name the later stays last
        // (the process environment has none: the cheap case).
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        if vars.windows(2).all(|w| w[0].0 != w[1].0) {
            return Vars { vars, invalid };
        }
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
        let at = self
            .vars
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()?;
        Some(&self.vars[at].1)
    }

    /// Every variable, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables whose name starts with `prefix`, sorted by name: a range
    /// of the sorted list, so the thousand unrelated variables of a real
    /// environment are never looked at.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        let from = self.vars.partition_point(|(k, _)| k.as_str() < prefix);
        self.vars[from..]
            .iter()
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
