//! A serde `Deserializer` over a borrowed [`Value`], so any
//! `DeserializeOwned` type can be a field. Text from the environment and flags
//! is converted here, by the type the field asks for; typed values from files
//! are taken as they are.

mod access;
mod error;
mod items;
mod key;
#[cfg(test)]
mod tests;
mod value;

pub(crate) use error::DeError;
pub(crate) use items::later_errors;
pub(crate) use value::{from_nothing, from_value, text_map};
