//! Map keys: always text, so `HashMap<u16, _>` reads `"8080"` keys.

use serde_core::de::{self, IntoDeserializer, Visitor};

use crate::text;

use super::error::DeError;

/// A map key: always text, so `HashMap<u16, _>` reads `"8080"` keys.
pub(super) struct KeyDe<'a>(pub(super) &'a str);

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

    serde_core::forward_to_deserialize_any! {
        i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct
        seq tuple tuple_struct map struct identifier ignored_any
    }
}
