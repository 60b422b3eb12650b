//! The deserializer over one `Value`: text converted by the type asked for,
//! typed values taken as they are; and enums read from it.

use serde_core::de::{self, DeserializeSeed, EnumAccess, IntoDeserializer, VariantAccess, Visitor};

use crate::origin::Origin;
use crate::text;
use crate::value::{Kind, Table, Value};

use super::access::{visit_items, DurationMap, Map, Nothing};
use super::error::DeError;
use super::key::KeyDe;

/// Deserializes a `T` from a value.
pub(crate) fn from_value<T: de::DeserializeOwned>(value: &Value) -> Result<T, DeError> {
    T::deserialize(ValueDe::new(value))
}

/// Deserializes a `T` when no layer set the key: `Option` gives `None`,
/// anything else fails.
pub(crate) fn from_nothing<T: de::DeserializeOwned>() -> Result<T, DeError> {
    T::deserialize(Nothing)
}

pub(super) fn found(value: &Value) -> String {
    match &value.kind {
        Kind::Bool(b) => format!("boolean {b}"),
        Kind::Integer(i) => format!("integer {i}"),
        Kind::Float(x) => format!("float {}", text::float(*x)),
        Kind::String(s) if value.is_text() => text::quoted(s),
        Kind::String(s) => format!("string {}", text::quoted(s)),
        Kind::Datetime(d) => format!("datetime {d}"),
        Kind::Array(_) => "an array".to_owned(),
        Kind::Table(_) => "a table".to_owned(),
    }
}

/// An integer for a float field that a float would round, said with the
/// float it would become.
fn past_64_bits(integer: &str, x: f64) -> DeError {
    de::Error::custom(format_args!(
        "the integer {integer} is past 64 bits, which a float does not hold exactly; \
         write it as a float ({x:e}) if that is meant"
    ))
}

/// Whether text is a whole number in plain digits (`123`, `-123`) past
/// what 64 bits hold, as a file's integer past 64 bits is.
fn whole_past_64_bits(s: &str) -> bool {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && t.parse::<i64>().is_err()
        && t.trim_start_matches('+').parse::<u64>().is_err()
}

pub(super) fn mismatch(value: &Value, expected: &str) -> DeError {
    de::Error::custom(format_args!("expected {expected}, found {}", found(value)))
}

pub(super) struct ValueDe<'a> {
    value: &'a Value,
}

impl<'a> ValueDe<'a> {
    pub(super) fn new(value: &'a Value) -> Self {
        ValueDe { value }
    }

    /// The text, if this value is text to be converted by the target type.
    fn text(&self) -> Option<&'a str> {
        match &self.value.kind {
            Kind::String(s) if self.value.is_text() => Some(s),
            _ => None,
        }
    }

    fn integer(&self, expected: &str) -> Result<i128, DeError> {
        match &self.value.kind {
            Kind::Integer(i) => Ok(*i),
            _ => match self.text() {
                Some(s) => text::parse_int(s).ok_or_else(|| match text::int_hint(s) {
                    Some(hint) => de::Error::custom(format_args!(
                        "expected {expected}, found {} ({hint})",
                        found(self.value)
                    )),
                    None => mismatch(self.value, expected),
                }),
                None => Err(mismatch(self.value, expected)),
            },
        }
    }

    fn float(&self) -> Result<f64, DeError> {
        match (&self.value.kind, self.text()) {
            (Kind::Float(x), _) => Ok(*x),
            (Kind::Integer(i), _) if i64::try_from(*i).is_ok() || u64::try_from(*i).is_ok() => {
                Ok(*i as f64)
            }
            // TOML reads such an integer as an error, being past 64 bits;
            // staid keeps it for `u128` fields, but a float would round it.
            (Kind::Integer(i), _) => self.fail(past_64_bits(&i.to_string(), *i as f64)),
            // The same integer as text (env, a flag), in plain digits.
            (_, Some(s)) => match text::parse_float(s) {
                Some(x) if whole_past_64_bits(s) => self.fail(past_64_bits(s.trim(), x)),
                Some(x) => Ok(x),
                None => self.fail(mismatch(self.value, "a number")),
            },
            _ => self.fail(mismatch(self.value, "a number")),
        }
    }

    fn fail<T>(&self, err: DeError) -> Result<T, DeError> {
        Err(err.at(&self.value.origin))
    }

    /// Text that holds inline JSON (`[..]` or `{..}`), parsed into values with
    /// the text's origin.
    fn inline_json(&self, s: &str) -> Result<Option<Value>, DeError> {
        let t = s.trim_start();
        if !text::looks_like_json(t) {
            return Ok(None);
        }
        crate::format::inline_json(t, &self.value.origin)
            .map(Some)
            .map_err(DeError::inline)
    }
}

macro_rules! deserialize_int {
    ($($method:ident $visit:ident $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let expected = concat!("an integer (", stringify!($ty), ")");
            let i = match self.integer(expected) {
                Ok(i) => i,
                Err(e) => return self.fail(e),
            };
            match <$ty>::try_from(i) {
                Ok(v) => visitor.$visit(v).map_err(|e: DeError| e.at(&self.value.origin)),
                Err(_) => self.fail(de::Error::custom(format_args!(
                    "{i} is out of range for {} ({} to {})",
                    stringify!($ty), <$ty>::MIN, <$ty>::MAX
                ))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let origin = &self.value.origin;
        let result = match &self.value.kind {
            Kind::Bool(b) => visitor.visit_bool(*b),
            Kind::Integer(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    visitor.visit_i64(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    visitor.visit_u64(v)
                } else {
                    visitor.visit_i128(*i)
                }
            }
            Kind::Float(x) => visitor.visit_f64(*x),
            Kind::String(s) | Kind::Datetime(s) => visitor.visit_str(s),
            Kind::Array(items) => visit_items(items, visitor),
            Kind::Table(t) => visitor.visit_map(Map::new(t)),
        };
        result.map_err(|e: DeError| e.at(origin))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let b = match (&self.value.kind, self.text()) {
            (Kind::Bool(b), _) => *b,
            (_, Some(s)) => match text::parse_bool(s) {
                Some(b) => b,
                None => return self.fail(mismatch(self.value, "a boolean (true/false, 1/0, t/f)")),
            },
            _ => return self.fail(mismatch(self.value, "a boolean")),
        };
        visitor
            .visit_bool(b)
            .map_err(|e: DeError| e.at(&self.value.origin))
    }

    deserialize_int! {
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let x = self.float()?;
        // A finite number past `f32` would become infinite, not an error.
        if x.is_finite() && (x as f32).is_infinite() {
            return self.fail(de::Error::custom(format_args!(
                "{x:e} is out of range for f32 (±{:e})",
                f32::MAX
            )));
        }
        visitor
            .visit_f32(x as f32)
            .map_err(|e: DeError| e.at(&self.value.origin))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let x = self.float()?;
        visitor
            .visit_f64(x)
            .map_err(|e: DeError| e.at(&self.value.origin))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value.kind {
            Kind::String(s) | Kind::Datetime(s) => visitor.visit_str(s),
            _ => return self.fail(mismatch(self.value, "a string")),
        }
        .map_err(|e: DeError| e.at(&self.value.origin))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value.kind {
            Kind::String(s) => visitor
                .visit_bytes(s.as_bytes())
                .map_err(|e: DeError| e.at(&self.value.origin)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value.kind {
            Kind::Table(t) if t.is_empty() => visitor.visit_unit(),
            Kind::Array(a) if a.is_empty() => visitor.visit_unit(),
            _ => self.fail(mismatch(self.value, "nothing (an empty table)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let origin = &self.value.origin;
        match (&self.value.kind, self.text()) {
            (Kind::Array(items), _) => visit_items(items, visitor),
            // An empty Lua table cannot say whether it is a list or a map.
            (Kind::Table(t), _) if t.is_empty() => visit_items(&[], visitor),
            (_, Some(s)) => {
                let items = match self.inline_json(s) {
                    Err(e) => return self.fail(e),
                    Ok(Some(Value {
                        kind: Kind::Array(items),
                        ..
                    })) => items,
                    Ok(Some(other)) => return self.fail(mismatch(&other, "a list")),
                    Ok(None) => text::list_values(s, origin),
                };
                visit_items(&items, visitor)
            }
            _ => return self.fail(mismatch(self.value, "a list")),
        }
        .map_err(|e: DeError| e.at(origin))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let origin = &self.value.origin;
        match (&self.value.kind, self.text()) {
            (Kind::Table(t), _) => visitor.visit_map(Map::new(t)),
            (_, Some(s)) => {
                let table = match self.inline_json(s) {
                    Err(e) => return self.fail(e),
                    Ok(Some(Value {
                        kind: Kind::Table(t),
                        ..
                    })) => t,
                    Ok(Some(other)) => return self.fail(mismatch(&other, "a table")),
                    Ok(None) => match text_map(s, origin) {
                        Ok(t) => t,
                        Err(e) => return self.fail(e),
                    },
                };
                visitor.visit_map(Map::new(&table))
            }
            _ => return self.fail(mismatch(self.value, "a table")),
        }
        .map_err(|e: DeError| e.at(origin))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == "Duration" && fields == ["secs", "nanos"] {
            if let Kind::String(s) = &self.value.kind {
                let d = match humantime::parse_duration(s) {
                    Ok(d) => d,
                    Err(e) => {
                        return self.fail(de::Error::custom(format_args!(
                            "expected a duration such as \"1m30s\" or \"250ms\", found {} ({e})",
                            text::quoted(s)
                        )))
                    }
                };
                return visitor
                    .visit_map(DurationMap::new(d))
                    .map_err(|e: DeError| e.at(&self.value.origin));
            }
            if let Kind::Integer(_)
            | Kind::Float(_)
            | Kind::Bool(_)
            | Kind::Datetime(_)
            | Kind::Array(_) = self.value.kind
            {
                // A bare number has no unit (nor a time of day a length):
                // say how a duration is written, not that `Duration` is a
                // table underneath.
                return self.fail(mismatch(
                    self.value,
                    "a duration written as text, such as \"30s\" or \"1m30s\"",
                ));
            }
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let origin = &self.value.origin;
        match &self.value.kind {
            Kind::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Kind::Table(t) if t.len() == 1 => {
                let (variant, value) = t.iter().next().expect("one entry");
                visitor.visit_enum(Enum { variant, value })
            }
            _ => return self.fail(mismatch(self.value, "a variant name")),
        }
        .map_err(|e: DeError| e.at(origin))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// `key:value,key:value` text as a table of text values, or the error of
/// its first malformed pair.
pub(crate) fn text_map(s: &str, origin: &Origin) -> Result<Table, DeError> {
    let (table, mut bad) = text_pairs(s, origin);
    match bad.is_empty() {
        true => Ok(table),
        false => Err(bad.swap_remove(0)),
    }
}

/// `key:value,key:value` text as a table of its well-formed pairs, and an
/// error for each pair that is not one (no `:`, a key given twice), in
/// the text's order.
pub(super) fn text_pairs(s: &str, origin: &Origin) -> (Table, Vec<DeError>) {
    let mut table = Table::new();
    let mut bad = Vec::new();
    for pair in text::split_escaped(s, ',') {
        let Some((k, v)) = pair.split_once(':') else {
            bad.push(de::Error::custom(format_args!(
                "expected `key:value` pairs separated by commas, found {}",
                text::quoted(&pair)
            )));
            continue;
        };
        let key = k.trim();
        if table.contains_key(key) {
            bad.push(de::Error::custom(format_args!(
                "duplicate key {} in `key:value` pairs",
                text::quoted(key)
            )));
            continue;
        }
        table.insert(key.to_owned(), Value::text(v.trim(), origin.clone()));
    }
    (table, bad)
}

pub(super) struct Enum<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'de, 'a> EnumAccess<'de> for Enum<'a> {
    type Error = DeError;
    type Variant = ValueDe<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, ValueDe<'a>), DeError> {
        let v = seed.deserialize(KeyDe(self.variant))?;
        Ok((v, ValueDe::new(self.value)))
    }
}

impl<'de> VariantAccess<'de> for ValueDe<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
