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
///
/// `map`: the field is a map, whose text is `key:value` pairs. A malformed
/// pair fails the whole text, before any entry is read: then `first` is
/// that pair's, and the other malformed pairs and every entry's own errors
/// follow.
pub(crate) fn later_errors(
    value: &Value,
    first: &DeError,
    read: &dyn Fn(&Value) -> Option<DeError>,
    map: bool,
) -> Vec<DeError> {
    // Text from the environment or a flag is the list or map it is read as.
    let parsed;
    let value = match (&value.kind, value.is_text()) {
        (Kind::String(s), true) => {
            let s = s.trim_start();
            parsed = match (text::looks_like_json(s), map) {
                (true, _) => match crate::format::inline_json(s, &value.origin) {
                    Ok(v) => v,
                    Err(_) => return Vec::new(),
                },
                (false, true) => {
                    let (pairs, bad) = super::value::text_pairs(s, &value.origin);
                    let pairs = Value::new(Kind::Table(pairs), value.origin.clone());
                    if first.path.is_empty() && !bad.is_empty() {
                        let mut found: Vec<DeError> = bad
                            .into_iter()
                            .skip(1)
                            .map(|e| e.at(&value.origin))
                            .collect();
                        found.extend(entry_errors(&pairs, None, read));
                        return found;
                    }
                    pairs
                }
                (false, false) => Value::new(
                    Kind::Array(text::list_values(s, &value.origin)),
                    value.origin.clone(),
                ),
            };
            &parsed
        }
        _ => value,
    };
    let Some(top) = first.path.last() else {
        return Vec::new();
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
        Kind::Table(_) => entry_errors(value, Some(top), read),
        _ => Vec::new(),
    }
}

/// The errors of a table's entries after the one at `after` (all of them
/// for `None`), each entry read alone as a map of one.
fn entry_errors(
    table: &Value,
    after: Option<&str>,
    read: &dyn Fn(&Value) -> Option<DeError>,
) -> Vec<DeError> {
    let Kind::Table(entries) = &table.kind else {
        return Vec::new();
    };
    let mut later = entries.iter();
    if let Some(top) = after {
        later.find(|(key, _)| path_segment(key) == top);
    }
    later
        .filter_map(|(key, item)| {
            let one = Table::from([(key.clone(), item.clone())]);
            let segment = path_segment(key);
            read(&Value::new(Kind::Table(one), table.origin.clone()))
                .filter(|e| e.path.last().map(String::as_str) == Some(&segment))
        })
        .collect()
}
