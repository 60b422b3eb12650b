//! `Vars`: the environment variables a load sees, as one snapshot.

use std::collections::BTreeMap;

/// A snapshot of environment variables: the process environment, read once
/// per load plan, or the pairs given to
/// [`Builder::env_from`](crate::Builder::env_from) or [`Env::vars`](super::Env::vars).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    vars: BTreeMap<String, String>,
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
        Vars {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            invalid: Vec::new(),
        }
    }

    /// An environment made of these pairs only, as the OS gives them: values
    /// that are not UTF-8 are kept aside and reported by name if a field
    /// reads them.
    pub fn from_os_pairs<K: Into<std::ffi::OsString>, V: Into<std::ffi::OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vars {
        let mut env = Vars::default();
        for (k, v) in pairs {
            match (k.into().into_string(), v.into().into_string()) {
                (Ok(k), Ok(v)) => {
                    env.vars.insert(k, v);
                }
                (Ok(k), Err(_)) => env.invalid.push(k),
                (Err(_), _) => {}
            }
        }
        env
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables whose name starts with `prefix`, sorted by name: a range
    /// of the sorted map, so the thousand unrelated variables of a real
    /// environment are never looked at.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.vars
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
