//! A serde `Deserializer` over a borrowed [`Value`], so any
//! `DeserializeOwned` type can be a field. Text from the environment and flags
//! is converted here, by the type the field asks for; typed values from files
//! are taken as they are.

use std::fmt;
use std::time::Duration;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use crate::origin::Origin;
use crate::text;
use crate::value::{Kind, Table, Value};

/// The error of one field's deserialization: the message, the origin of the
/// innermost value it concerns and the path below the field.
#[derive(Debug)]
pub(crate) struct DeError {
    pub(crate) message: String,
    pub(crate) origin: Option<Origin>,
    /// Segments below the field, innermost first.
    pub(crate) path: Vec<String>,
}

impl DeError {
    fn at(mut self, origin: &Origin) -> DeError {
        if self.origin.is_none() {
            self.origin = Some(origin.clone());
        }
        self
    }

    fn under(mut self, segment: impl Into<String>) -> DeError {
        self.path.push(segment.into());
        self
    }

    /// The dotted path below the field (`""` when the field itself failed).
    pub(crate) fn sub_path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            origin: None,
            path: Vec::new(),
        }
    }
}

/// Deserializes a `T` from a value.
pub(crate) fn from_value<T: de::DeserializeOwned>(value: &Value) -> Result<T, DeError> {
    T::deserialize(ValueDe::new(value))
}

/// Deserializes a `T` when no layer set the key: `Option` gives `None`,
/// anything else fails.
pub(crate) fn from_nothing<T: de::DeserializeOwned>() -> Result<T, DeError> {
    T::deserialize(Nothing)
}

fn found(value: &Value) -> String {
    match &value.kind {
        Kind::Bool(b) => format!("boolean {b}"),
        Kind::Integer(i) => format!("integer {i}"),
        Kind::Float(x) => format!("float {x}"),
        Kind::String(s) if value.origin.is_text() => format!("{s:?}"),
        Kind::String(s) => format!("string {s:?}"),
        Kind::Datetime(d) => format!("datetime {d}"),
        Kind::Array(_) => "an array".to_owned(),
        Kind::Table(_) => "a table".to_owned(),
    }
}

fn mismatch(value: &Value, expected: &str) -> DeError {
    de::Error::custom(format_args!("expected {expected}, found {}", found(value)))
}

struct ValueDe<'a> {
    value: &'a Value,
}

impl<'a> ValueDe<'a> {
    fn new(value: &'a Value) -> Self {
        ValueDe { value }
    }

    /// The text, if this value is text to be converted by the target type.
    fn text(&self) -> Option<&'a str> {
        match &self.value.kind {
            Kind::String(s) if self.value.origin.is_text() => Some(s),
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
            (Kind::Integer(i), _) => Ok(*i as f64),
            (_, Some(s)) => match text::parse_float(s) {
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
        if !(t.starts_with('[') || t.starts_with('{')) {
            return Ok(None);
        }
        crate::source::inline_json(t, &self.value.origin)
            .map(Some)
            .map_err(de::Error::custom)
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
            Kind::Array(items) => visitor.visit_seq(Seq::new(items)),
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
            (Kind::Array(items), _) => visitor.visit_seq(Seq::new(items)),
            // An empty Lua table cannot say whether it is a list or a map.
            (Kind::Table(t), _) if t.is_empty() => visitor.visit_seq(Seq::new(&[])),
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
                visitor.visit_seq(Seq::new(&items))
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
                            "expected a duration such as \"1m30s\" or \"250ms\", found {:?} ({e})",
                            s
                        )))
                    }
                };
                return visitor
                    .visit_map(DurationMap::new(d))
                    .map_err(|e: DeError| e.at(&self.value.origin));
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

/// `key:value,key:value` text as a table of text values.
fn text_map(s: &str, origin: &Origin) -> Result<Table, DeError> {
    let mut table = Table::new();
    for pair in text::split_escaped(s, ',') {
        let Some((k, v)) = pair.split_once(':') else {
            return Err(de::Error::custom(format_args!(
                "expected `key:value` pairs separated by commas, found {pair:?}"
            )));
        };
        table.insert(
            k.trim().to_owned(),
            Value::new(Kind::String(v.trim().to_owned()), origin.clone()),
        );
    }
    Ok(table)
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Value>,
    index: usize,
}

impl<'a> Seq<'a> {
    fn new(items: &'a [Value]) -> Self {
        Seq {
            items: items.iter(),
            index: 0,
        }
    }
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueDe::new(item))
            .map(Some)
            .map_err(|e| e.under(index.to_string()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::collections::btree_map::Iter<'a, String, Value>,
    current: Option<(&'a String, &'a Value)>,
}

impl<'a> Map<'a> {
    fn new(table: &'a Table) -> Self {
        Map {
            entries: table.iter(),
            current: None,
        }
    }
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some((key, value));
        seed.deserialize(KeyDe(key))
            .map(Some)
            .map_err(|e: DeError| e.at(&value.origin).under(key.clone()))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self
            .current
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value requested before key"))?;
        seed.deserialize(ValueDe::new(value))
            .map_err(|e| e.under(key.clone()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A map key: always text, so `HashMap<u16, _>` reads `"8080"` keys.
struct KeyDe<'a>(&'a str);

macro_rules! key_int {
    ($($method:ident $visit:ident $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match text::parse_int(self.0).and_then(|i| <$ty>::try_from(i).ok()) {
                Some(v) => visitor.$visit(v),
                None => Err(de::Error::custom(format_args!(
                    "key {:?} is not a valid {}", self.0, stringify!($ty)
                ))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match text::parse_bool(self.0) {
            Some(b) => visitor.visit_bool(b),
            None => Err(de::Error::custom(format_args!(
                "key {:?} is not a boolean",
                self.0
            ))),
        }
    }

    key_int! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct
        seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct Enum<'a> {
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

/// A parsed duration handed to `Duration`'s own `Deserialize` as the
/// `{ secs, nanos }` map it reads.
struct DurationMap {
    secs: u64,
    nanos: u32,
    step: u8,
}

impl DurationMap {
    fn new(d: Duration) -> Self {
        DurationMap {
            secs: d.as_secs(),
            nanos: d.subsec_nanos(),
            step: 0,
        }
    }
}

impl<'de> MapAccess<'de> for DurationMap {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let key = match self.step {
            0 => "secs",
            1 => "nanos",
            _ => return Ok(None),
        };
        seed.deserialize(KeyDe(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.step += 1;
        match self.step {
            1 => seed.deserialize(self.secs.into_deserializer()),
            _ => seed.deserialize(self.nanos.into_deserializer()),
        }
    }
}

/// What a field deserializes from when no layer set it.
struct Nothing;

impl<'de> de::Deserializer<'de> for Nothing {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(de::Error::custom("no value was set"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn text(s: &str) -> Value {
        Value::new(
            Kind::String(s.to_owned()),
            Origin::Env {
                var: "X".to_owned(),
            },
        )
    }

    fn file(kind: Kind) -> Value {
        Value::new(kind, Origin::Code)
    }

    #[test]
    fn text_is_converted_by_the_target_type() {
        assert_eq!(from_value::<u16>(&text("8080")).unwrap(), 8080);
        assert_eq!(from_value::<String>(&text("123")).unwrap(), "123");
        assert!(from_value::<bool>(&text("T")).unwrap());
        assert_eq!(from_value::<Vec<u8>>(&text("1,2,3")).unwrap(), [1, 2, 3]);
        let map: HashMap<String, u32> = from_value(&text("a:1, b:2")).unwrap();
        assert_eq!(map["b"], 2);
        let d: Duration = from_value(&text("1m30s")).unwrap();
        assert_eq!(d, Duration::from_secs(90));
    }

    #[test]
    fn typed_values_are_not_guessed_into_other_types() {
        let err = from_value::<u16>(&file(Kind::String("8080".into()))).unwrap_err();
        assert_eq!(
            err.message,
            "expected an integer (u16), found string \"8080\""
        );
        let err = from_value::<String>(&file(Kind::Integer(3))).unwrap_err();
        assert_eq!(err.message, "expected a string, found integer 3");
    }

    #[test]
    fn out_of_range_says_the_range() {
        let err = from_value::<u8>(&file(Kind::Integer(300))).unwrap_err();
        assert_eq!(err.message, "300 is out of range for u8 (0 to 255)");
    }

    #[test]
    fn integer_text_with_a_leading_zero_is_refused_with_the_reason() {
        let err = from_value::<u32>(&text("0755")).unwrap_err();
        assert_eq!(
            err.message,
            "expected an integer (u32), found \"0755\" (a leading 0 is ambiguous: \
             drop it for decimal, or use the 0o prefix for octal)"
        );
        assert_eq!(from_value::<u32>(&text("0o755")).unwrap(), 0o755);
    }

    #[test]
    fn floats_never_become_infinite_on_the_way_in() {
        let err = from_value::<f32>(&file(Kind::Float(1e300))).unwrap_err();
        assert_eq!(err.message, "1e300 is out of range for f32 (±3.4028235e38)");
        let err = from_value::<f32>(&text("3.5e38")).unwrap_err();
        assert_eq!(
            err.message,
            "3.5e38 is out of range for f32 (±3.4028235e38)"
        );
        let err = from_value::<f64>(&text("1e400")).unwrap_err();
        assert_eq!(err.message, "expected a number, found \"1e400\"");
        // Infinity written as such is a value, in either width.
        assert_eq!(from_value::<f32>(&text("-inf")).unwrap(), f32::NEG_INFINITY);
        assert_eq!(from_value::<f64>(&text("infinity")).unwrap(), f64::INFINITY);
        assert_eq!(from_value::<f32>(&text("1e-50")).unwrap(), 0.0);
    }

    #[test]
    fn an_empty_table_is_an_empty_list_or_map() {
        let empty = file(Kind::Table(Table::new()));
        assert_eq!(from_value::<Vec<u8>>(&empty).unwrap(), Vec::<u8>::new());
        assert!(from_value::<HashMap<String, u8>>(&empty)
            .unwrap()
            .is_empty());
        let full = file(Kind::Table(Table::from([(
            "a".to_owned(),
            file(Kind::Integer(1)),
        )])));
        assert!(from_value::<Vec<u8>>(&full).is_err());
    }

    #[test]
    fn errors_inside_lists_name_the_item() {
        let list = file(Kind::Array(vec![text("1"), text("x")]));
        let err = from_value::<Vec<u8>>(&list).unwrap_err();
        assert_eq!(err.sub_path(), "1");
    }
}
