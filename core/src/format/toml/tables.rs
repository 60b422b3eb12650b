//! Where a key-value pair or a table header puts its value, and what TOML
//! forbids on the way: a table defined twice, a dotted key reaching into a
//! table that a header defined, anything added to an inline table or to an
//! array that is not an array of tables.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use toml_parser::{ErrorSink, ParseError, Span};

use crate::origin::Origin;
use crate::value::{Kind, Table, Value};

/// One part of a key as written, decoded.
pub(super) struct Key<'i> {
    /// Borrowed from the text unless quoting or escapes changed it.
    pub(super) name: Cow<'i, str>,
    pub(super) span: Span,
    /// Line and column: the origin of the table the key names when it is
    /// not the last part, where a value's key stands when it is. Taken
    /// when the key is read, in document order, so that the forward-only
    /// cursor can give it.
    pub(super) at: (usize, usize),
    /// Its width in bytes as written (quotes included), for a caret under it.
    pub(super) width: u32,
}

/// How a table came to be, which decides what the rest of the document may
/// still add to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum How {
    /// Defined by a header (`[a]`, each table of `[[a]]`), or the root.
    Header,
    /// Named on the way to a header (`a` in `[a.b]`): a later `[a]` may
    /// still define it.
    Implicit,
    /// Made by a dotted key (`a.b = 1`): more dotted keys may add to it, no
    /// header may define it.
    Dotted,
    /// An array of tables (`[[a]]`): headers and dotted keys reach its last
    /// table.
    Array,
}

/// The tables that later lines may still add to, mirroring the value tree.
///
/// A key that the value tree has and this does not is a plain value: a
/// scalar, an inline table or an array, which nothing may extend. Keeping
/// this beside the tree, rather than flags in it, leaves `Value` as the rest
/// of staid knows it.
#[derive(Debug)]
pub(super) struct Shape<'i> {
    pub(super) how: How,
    /// For an array of tables: the sub-tables of its last table.
    pub(super) children: BTreeMap<Cow<'i, str>, Shape<'i>>,
}

impl Shape<'_> {
    pub(super) fn new(how: How) -> Self {
        Shape {
            how,
            children: BTreeMap::new(),
        }
    }
}

/// What walks a path: the rules differ between a header's path, a dotted
/// key in the document and a dotted key inside an inline table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum By {
    Header,
    DottedKey,
    InlineKey,
}

pub(super) fn file_origin(file: &Arc<Path>, (line, column): (usize, usize)) -> Origin {
    Origin::File {
        path: file.clone(),
        line,
        column,
    }
}

/// A value's or key's width as written, in bytes (see `value::Span`).
pub(super) fn byte_width(raw: &str) -> u32 {
    u32::try_from(raw.len()).unwrap_or(u32::MAX)
}

fn duplicate(key: &Key<'_>, error: &mut dyn ErrorSink) {
    error.report_error(ParseError::new("duplicate key").with_unexpected(key.span));
}

/// The table a walk ended at, and whether it is the last table of an array
/// of tables.
pub(super) struct Reached<'t, 'i> {
    pub(super) table: &'t mut Table,
    pub(super) shape: &'t mut Shape<'i>,
    pub(super) in_array: bool,
}

/// Walks from `table` down `path`, creating the tables that are missing,
/// or reports why the document may not go there.
pub(super) fn descend<'t, 'i>(
    table: &'t mut Table,
    shape: &'t mut Shape<'i>,
    path: &[Key<'i>],
    by: By,
    file: &Arc<Path>,
    error: &mut dyn ErrorSink,
) -> Option<Reached<'t, 'i>> {
    let mut here = Reached {
        table,
        shape,
        in_array: false,
    };
    for key in path {
        let Reached { table, shape, .. } = here;
        let child = match shape.children.entry(key.name.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                if let Some(value) = table.get(&*key.name) {
                    cannot_extend(value, key, by, error);
                    return None;
                }
                let how = if by == By::Header {
                    How::Implicit
                } else {
                    How::Dotted
                };
                let origin = file_origin(file, key.at);
                table.insert(String::from(&*key.name), Value::table(origin));
                entry.insert(Shape::new(how))
            }
        };
        if child.how == How::Header && by != By::Header {
            // A dotted key may not add to a table its header defined.
            duplicate(key, error);
            return None;
        }
        if child.how == How::Implicit && by != By::Header {
            // Once dotted keys have added to it, no header may define it.
            child.how = How::Dotted;
        }
        let in_array = child.how == How::Array;
        // The shape only holds tables and arrays of tables, so the rest
        // cannot happen; should it, the key is refused, not dropped quietly.
        let next = match table.get_mut(&*key.name).map(|v| &mut v.kind) {
            Some(Kind::Table(t)) => t,
            Some(Kind::Array(items)) if in_array => match items.last_mut().map(|v| &mut v.kind) {
                Some(Kind::Table(t)) => t,
                _ => {
                    duplicate(key, error);
                    return None;
                }
            },
            _ => {
                duplicate(key, error);
                return None;
            }
        };
        here = Reached {
            table: next,
            shape: child,
            in_array,
        };
    }
    Some(here)
}

/// The error for a path that runs into a plain value.
fn cannot_extend(value: &Value, key: &Key<'_>, by: By, error: &mut dyn ErrorSink) {
    let what = match &value.kind {
        // Inside an inline table, a table value is one that was given
        // whole: a dotted key repeats its key.
        Kind::Table(_) if by == By::InlineKey => return duplicate(key, error),
        Kind::Table(_) => "inline table",
        other => other.type_name(),
    };
    error.report_error(
        ParseError::new(format!(
            "cannot extend value of type {what} with a dotted key"
        ))
        .with_unexpected(key.span),
    );
}

/// Puts a key-value pair into `table`, reporting a key that is there.
pub(super) fn insert<'i>(
    table: &mut Table,
    shape: &mut Shape<'i>,
    keys: &[Key<'i>],
    value: Value,
    by: By,
    file: &Arc<Path>,
    error: &mut dyn ErrorSink,
) {
    let Some((last, path)) = keys.split_last() else {
        return;
    };
    let Some(reached) = descend(table, shape, path, by, file, error) else {
        return;
    };
    // A dotted key may not add keys to a table of an array of tables
    // directly, only to tables below it.
    if reached.in_array {
        return duplicate(last, error);
    }
    // One search for the common case, a new key.
    match reached.table.entry(String::from(&*last.name)) {
        Entry::Vacant(entry) => {
            let mut value = value;
            let (line, column) = last.at;
            value.span.key = Some((line as u32, column as u32, last.width));
            entry.insert(value);
        }
        Entry::Occupied(_) => duplicate(last, error),
    }
}

/// The document's tables: the root, and the section that the last header
/// opened, filled by the lines below it and put in place at the next
/// header, so that each key-value pair goes straight into its table.
pub(super) struct Tables<'i> {
    root: Table,
    root_shape: Shape<'i>,
    /// The open section; the root itself until the first header.
    pub(super) section: Table,
    pub(super) section_shape: Shape<'i>,
    header: Option<Header<'i>>,
    /// No header yet: the section is the root.
    in_root: bool,
}

struct Header<'i> {
    keys: Vec<Key<'i>>,
    array: bool,
    at: (usize, usize),
}

impl<'i> Tables<'i> {
    pub(super) fn new() -> Self {
        Tables {
            root: Table::new(),
            root_shape: Shape::new(How::Header),
            section: Table::new(),
            section_shape: Shape::new(How::Header),
            header: None,
            in_root: true,
        }
    }

    /// How many tables and arrays below the root the open section stands
    /// at: one a key of its header, one more for each array of tables on
    /// the way, whose last table the path goes into, and for the header's
    /// own table in an array (`[[..]]`); 0 for the root.
    pub(super) fn section_levels(&self) -> usize {
        let Some(header) = &self.header else {
            return 0;
        };
        let mut shape = Some(&self.root_shape);
        let mut levels = 0;
        for (i, key) in header.keys.iter().enumerate() {
            let child = shape.and_then(|s| s.children.get(&*key.name));
            let in_array = match i + 1 == header.keys.len() {
                true => header.array,
                false => child.is_some_and(|c| c.how == How::Array),
            };
            levels += 1 + usize::from(in_array);
            shape = child;
        }
        levels
    }

    /// Closes the open section and opens the one for a header with `keys`
    /// (taken, leaving an empty vector with its capacity).
    pub(super) fn open(
        &mut self,
        keys: &mut Vec<Key<'i>>,
        array: bool,
        at: (usize, usize),
        file: &Arc<Path>,
        error: &mut dyn ErrorSink,
    ) {
        self.close(file, error);
        let spare = self.header.take().map(|h| h.keys).unwrap_or_default();
        let keys = std::mem::replace(keys, spare);
        if !array && !self.reopen(&keys, file, error) {
            return;
        }
        self.header = Some(Header { keys, array, at });
    }

    /// For `[a.b]`: takes `b` out of the tree to fill it, when only headers
    /// of its sub-tables named it so far. False when the path is blocked.
    fn reopen(&mut self, keys: &[Key<'i>], file: &Arc<Path>, error: &mut dyn ErrorSink) -> bool {
        let Some((last, path)) = keys.split_last() else {
            return false;
        };
        let root = (&mut self.root, &mut self.root_shape);
        let Some(parent) = descend(root.0, root.1, path, By::Header, file, error) else {
            return false;
        };
        let old = parent.table.remove(&*last.name);
        let old_shape = parent.shape.children.remove(&*last.name);
        let Some(old) = old else {
            return true;
        };
        if old_shape.as_ref().map(|s| s.how) != Some(How::Implicit) {
            duplicate(last, error);
        }
        // Even after an error, carry on with what was there, so that the
        // keys below are checked against it.
        if let Kind::Table(table) = old.kind {
            self.section = table;
        }
        if let Some(shape) = old_shape.filter(|s| s.how != How::Array) {
            self.section_shape.children = shape.children;
        }
        true
    }

    /// Puts the open section in its place.
    pub(super) fn close(&mut self, file: &Arc<Path>, error: &mut dyn ErrorSink) {
        let table = std::mem::take(&mut self.section);
        let children = std::mem::take(&mut self.section_shape.children);
        if self.in_root {
            self.in_root = false;
            self.root = table;
            self.root_shape.children = children;
            return;
        }
        // A header with a syntax error or a blocked path: its keys are
        // dropped.
        let Some(header) = &self.header else {
            return;
        };
        let Some((last, path)) = header.keys.split_last() else {
            return;
        };
        let root = (&mut self.root, &mut self.root_shape);
        let Some(parent) = descend(root.0, root.1, path, By::Header, file, error) else {
            return;
        };
        let value = Value::new(Kind::Table(table), file_origin(file, header.at));
        if !header.array {
            parent.table.insert(String::from(&*last.name), value);
            let shape = Shape {
                how: How::Header,
                children,
            };
            parent.shape.children.insert(last.name.clone(), shape);
            return;
        }
        match parent.shape.children.get_mut(&*last.name) {
            Some(shape) if shape.how == How::Array => {
                match parent.table.get_mut(&*last.name).map(|v| &mut v.kind) {
                    Some(Kind::Array(items)) => items.push(value),
                    // An array of tables is an array; refused, should it not be.
                    _ => duplicate(last, error),
                }
                shape.children = children;
            }
            Some(_) => duplicate(last, error),
            None if parent.table.contains_key(&*last.name) => duplicate(last, error),
            None => {
                let array = Value::new(Kind::Array(vec![value]), file_origin(file, header.at));
                parent.table.insert(String::from(&*last.name), array);
                let shape = Shape {
                    how: How::Array,
                    children,
                };
                parent.shape.children.insert(last.name.clone(), shape);
            }
        }
    }

    /// Closes the last section and gives the root table.
    pub(super) fn finish(mut self, file: &Arc<Path>, error: &mut dyn ErrorSink) -> Table {
        self.close(file, error);
        self.root
    }
}
