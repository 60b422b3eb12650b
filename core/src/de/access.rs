//! Sequence and map access over values, the `Duration` map, and what a
//! field deserializes from when no layer set it.

use std::time::Duration;

use serde_core::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::value::{path_segment, Table, Value};

use super::error::DeError;
use super::key::KeyDe;
use super::value::ValueDe;

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

/// Visits `items` as a sequence. Items the visitor leaves unread (a tuple
/// or a fixed-size array given too many) are an error rather than dropped:
/// `[1, 2, "junk"]` is not a pair.
pub(super) fn visit_items<'de, V: Visitor<'de>>(
    items: &[Value],
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut seq = Seq::new(items);
    let value = visitor.visit_seq(&mut seq)?;
    match seq.items.len() {
        0 => Ok(value),
        left => Err(de::Error::invalid_length(
            seq.index + left,
            &format!("{} items", seq.index).as_str(),
        )),
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

pub(super) struct Map<'a> {
    entries: std::collections::btree_map::Iter<'a, String, Value>,
    current: Option<(&'a String, &'a Value)>,
}

impl<'a> Map<'a> {
    pub(super) fn new(table: &'a Table) -> Self {
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
            .map_err(|e: DeError| e.at(&value.origin).under(path_segment(key)))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self
            .current
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value requested before key"))?;
        seed.deserialize(ValueDe::new(value))
            .map_err(|e| e.under(path_segment(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A parsed duration handed to `Duration`'s own `Deserialize` as the
/// `{ secs, nanos }` map it reads.
pub(super) struct DurationMap {
    secs: u64,
    nanos: u32,
    step: u8,
}

impl DurationMap {
    pub(super) fn new(d: Duration) -> Self {
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
pub(super) struct Nothing;

impl<'de> de::Deserializer<'de> for Nothing {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(de::Error::custom("no value was set"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_none()
    }

    serde_core::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
