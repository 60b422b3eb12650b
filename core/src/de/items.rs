//! The other bad items of a list or map of leaves. serde stops at the first
//! error, and a load reports every problem, so the items after the one that
//! failed are read again, each alone.

use crate::text;
use crate::value::{path_segment, Kind, Table, Value};

use super::error::DeError;

/// The errors of the items after the one `first` is about, each item read
/// alone as a list (or a map) of one by `read`, the field's own
/// deserialization. Only errors inside that item count: a pair given one
/// item fails for its length, which is not the item's fault.
pub(crate) fn later_errors(
    value: &Value,
    first: &DeError,
    read: &dyn Fn(&Value) -> Option<DeError>,
) -> Vec<DeError> {
    let Some(top) = first.path.last() else {
        return Vec::new();
    };
    // Text from the environment or a flag is the list it is read as.
    let parsed;
    let value = match (&value.kind, value.is_text()) {
        (Kind::String(s), true) => {
            let s = s.trim_start();
            parsed = match text::looks_like_json(s) {
                true => match crate::format::inline_json(s, &value.origin) {
                    Ok(v) => v,
                    Err(_) => return Vec::new(),
                },
                false => Value::new(
                    Kind::Array(text::list_values(s, &value.origin)),
                    value.origin.clone(),
                ),
            };
            &parsed
        }
        _ => value,
    };
    let alone = |kind: Kind| read(&Value::new(kind, value.origin.clone()));
    match &value.kind {
        Kind::Array(items) => {
            let Ok(at) = top.parse::<usize>() else {
                return Vec::new();
            };
            let mut found = Vec::new();
            for (i, item) in items.iter().enumerate().skip(at + 1) {
                if let Some(mut e) = alone(Kind::Array(vec![item.clone()])) {
                    if let Some(index) = e.path.last_mut().filter(|s| *s == "0") {
                        *index = i.to_string();
                        found.push(e);
                    }
                }
            }
            found
        }
        Kind::Table(entries) => entries
            .iter()
            .skip_while(|(key, _)| path_segment(key) != top.as_str())
            .skip(1)
            .filter_map(|(key, item)| {
                let one = Table::from([(key.clone(), item.clone())]);
                let segment = path_segment(key);
                alone(Kind::Table(one))
                    .filter(|e| e.path.last().map(String::as_str) == Some(&segment))
            })
            .collect(),
        _ => Vec::new(),
    }
}
