//! `Secret<T>`: a value whose `Debug` never shows it.

use std::fmt;

use serde_core::{Deserialize, Deserializer};

/// A value that is never printed: its `Debug` shows `Secret("<secret>")`.
///
/// staid already hides `#[config(secret)]` fields in its own errors and
/// explain output; wrapping the type also keeps the application's own
/// `{:?}` of the configuration from leaking it. A field of this type is
/// treated as `secret` without the attribute.
///
/// ```
/// use staid::Secret;
///
/// let token = Secret::new("hunter2".to_owned());
/// assert_eq!(format!("{token:?}"), "Secret(\"<secret>\")");
/// assert_eq!(token.expose(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value. The name makes every use easy to find in review.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// The value, unwrapped.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"<secret>\")")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}
