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

/// Asks a field's type whether it holds a [`Secret`], whatever it is called
/// where the field is declared (`type Password = Secret<String>`):
/// `<SecretProbe<T>>::SECRET` is the inherent `true` below for the shapes a
/// field takes, and [`NotSecret`]'s `false` for every other type. Used by
/// generated code, beside the derive's own reading of the type's name.
#[doc(hidden)]
pub struct SecretProbe<T: ?Sized>(std::marker::PhantomData<T>);

/// The fallback of [`SecretProbe`].
#[doc(hidden)]
pub trait NotSecret {
    const SECRET: bool = false;
}

impl<T: ?Sized> NotSecret for SecretProbe<T> {}

/// `true` for each listed type (an inherent constant wins over the trait's).
macro_rules! holds_secret {
    ($([$($params:ident),*] $ty:ty;)*) => {$(
        impl<$($params),*> SecretProbe<$ty> {
            pub const SECRET: bool = true;
        }
    )*};
}

use std::collections::{BTreeMap, HashMap, VecDeque};

holds_secret! {
    [T] Secret<T>;
    [T] Option<Secret<T>>;
    [T] Vec<Secret<T>>;
    [T] Vec<Option<Secret<T>>>;
    [T] Option<Vec<Secret<T>>>;
    [T] VecDeque<Secret<T>>;
    [T] VecDeque<Option<Secret<T>>>;
    [T] Option<Vec<Option<Secret<T>>>>;
    [T] Option<VecDeque<Secret<T>>>;
    [T] Option<VecDeque<Option<Secret<T>>>>;
    [K, T] BTreeMap<K, Secret<T>>;
    [K, T] BTreeMap<K, Option<Secret<T>>>;
    [K, T] BTreeMap<K, Vec<Secret<T>>>;
    [K, T] BTreeMap<K, VecDeque<Secret<T>>>;
    [K, T] Option<BTreeMap<K, Secret<T>>>;
    [K, T] Option<BTreeMap<K, Option<Secret<T>>>>;
    [K, T, S] HashMap<K, Secret<T>, S>;
    [K, T, S] HashMap<K, Option<Secret<T>>, S>;
    [K, T, S] HashMap<K, Vec<Secret<T>>, S>;
    [K, T, S] HashMap<K, VecDeque<Secret<T>>, S>;
    [K, T, S] Option<HashMap<K, Secret<T>, S>>;
    [K, T, S] Option<HashMap<K, Option<Secret<T>>, S>>;
}
