//! Where secret values stand in a text a parser read, found in the text
//! itself (a text with a syntax error has no tree to take spans from), so
//! that no snippet shows a line of one.

use std::ops::Range;

/// The extents of a text's secret values, sorted by start, with the
/// furthest end any of the first so many reaches: whether a line overlaps
/// one is a binary search, so that many problems in a text with many
/// secrets cost no more than as many lookups.
pub(super) struct Spans {
    starts: Vec<usize>,
    reach: Vec<usize>,
}

impl Spans {
    pub(super) fn new(mut spans: Vec<Range<usize>>) -> Spans {
        spans.sort_unstable_by_key(|span| span.start);
        let mut reach = 0;
        Spans {
            starts: spans.iter().map(|span| span.start).collect(),
            reach: spans
                .iter()
                .map(|span| {
                    reach = reach.max(span.end);
                    reach
                })
                .collect(),
        }
    }

    /// Whether a span overlaps `range`: of those that start before its end,
    /// one ends after its start.
    pub(super) fn overlap(&self, range: Range<usize>) -> bool {
        let before_end = self.starts.partition_point(|&start| start < range.end);
        before_end > 0 && self.reach[before_end - 1] > range.start
    }
}

/// The byte ranges of `text` that assign a value to one of `keys`: from the
/// key to the end of its value, across lines for multi-line strings, arrays
/// and inline tables, to the end of the text for one left open.
pub(super) fn secret_spans(text: &str, keys: &[&str]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    // Where each key stands and where its name ends: as written, or in
    // quotes with escapes (`"\u0074oken"`), which a search for the name
    // would miss.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for key in keys {
        for start in word_starts(text, key) {
            let end = start + key.len();
            // `token` is not `token_ttl`: the key must end where it ends.
            if !bytes
                .get(end)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            {
                found.push((start, end));
            }
        }
    }
    found.extend(escaped_keys(text, keys));
    for (start, end) in found {
        // The rest of a dotted key (`map.x = ..`), quotes, blanks.
        let mut i = end;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric()
                || matches!(bytes[i], b'"' | b'\'' | b'.' | b'_' | b'-' | b' ' | b'\t'))
        {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b']' {
            // A table header (`[map]`, `[[list]]`): what follows, to the
            // next header, belongs to the secret.
            spans.push(start..next_header(bytes, i));
            continue;
        }
        if i >= bytes.len() || !matches!(bytes[i], b'=' | b':') {
            // A key without its `=` or `:` (the syntax error being shown):
            // what follows it on its line is its value, or, where nothing
            // does, what stands next (the separator or the value may be on
            // the line below).
            let after = text[end..i].trim_matches(|c| matches!(c, '"' | '\'' | ' ' | '\t'));
            // Where a key stands, or behind a value whose comma is missing
            // too (`port = 1 token x`, `{"port": 1 "token" "x"}`) with a
            // value after it.
            let keyed =
                at_key_position(text, start) || (!after.is_empty() && after_a_value(text, start));
            if !keyed {
                continue;
            }
            if !after.is_empty() {
                spans.push(start..i);
                continue;
            }
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            // An item of an array that happens to be a secret's name
            // (`grant_types = ["password", ..]`) is not a key.
            if j < bytes.len() && matches!(bytes[j], b',' | b']' | b'}') {
                continue;
            }
            if j >= bytes.len() || !matches!(bytes[j], b'=' | b':') {
                spans.push(start..value_end(bytes, j).max(i));
                continue;
            }
            i = j;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        spans.push(start..value_end(bytes, i));
    }
    spans
}

/// Quoted names with a backslash escape that spell one of `keys` once
/// decoded: where each starts, and the end of its closing quote.
fn escaped_keys(text: &str, keys: &[&str]) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (at, _) in text.match_indices("\"") {
        let end = string_end(bytes, at);
        let Some(inner) = text.get(at + 1..end.saturating_sub(1)) else {
            continue;
        };
        if inner.contains('\\')
            && crate::value::unescape(inner).is_some_and(|k| keys.contains(&k.as_str()))
        {
            found.push((at, end));
        }
    }
    found
}

/// The start of the next line that opens a TOML table header after `i`, or
/// the end of the text.
fn next_header(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while let Some(at) = bytes[j..].iter().position(|&b| b == b'\n') {
        j += at + 1;
        let line = &bytes[j..];
        let indent = line
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if line.get(indent) == Some(&b'[') {
            return j;
        }
    }
    bytes.len()
}

/// Where the value starting at `i` ends (exclusive).
fn value_end(bytes: &[u8], i: usize) -> usize {
    let rest = &bytes[i..];
    let find = |needle: &[u8], from: usize| {
        bytes[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map_or(bytes.len(), |at| from + at + needle.len())
    };
    if rest.starts_with(b"\"\"\"") {
        // A basic string's escapes may hold quotes (`\"""`).
        let mut j = i + 3;
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 1,
                b'"' if bytes[j..].starts_with(b"\"\"\"") => return find(b"\"\"\"", j),
                _ => {}
            }
            j += 1;
        }
        return bytes.len();
    }
    if rest.starts_with(b"'''") {
        return find(b"'''", i + 3);
    }
    match rest.first() {
        Some(b'"' | b'\'') => string_end(bytes, i),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < bytes.len() {
                match bytes[j] {
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    b'"' | b'\'' => {
                        j = string_end(bytes, j);
                        continue;
                    }
                    // A TOML comment may hold brackets of its own.
                    b'#' => {
                        j = bytes[j..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(bytes.len(), |at| j + at);
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            bytes.len()
        }
        _ => bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| i + at),
    }
}

/// The end of the one-line string opening at `i`: past its closing quote,
/// or at the end of the line when it is left open.
fn string_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if quote == b'"' => j += 1,
            b'\n' => return j,
            b if b == quote => return j + 1,
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

/// Whether `line` assigns `key`: the key at a word boundary, maybe quoted,
/// then `=` (TOML, also inside inline tables) or `:` (JSON); or the key
/// where a key stands, with whatever follows (the rest of a dotted key
/// `tokens.alice:`, a value with its separator missing).
pub(super) fn sets_key(line: &str, key: &str) -> bool {
    word_starts(line, key).any(|start| {
        let after = &line[start + key.len()..];
        let rest = after.trim_start_matches('"').trim_start();
        let whole = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-');
        // An array's item (`"password",`) is not a key.
        let item = rest.starts_with([',', ']', '}']);
        let valued = !rest.is_empty() && !item;
        rest.starts_with('=')
            || rest.starts_with(':')
            || (whole && !item && at_key_position(line, start))
            || (whole && valued && after_a_value(line, start))
    })
}

/// Whether `at` follows a value on its line, outside any string and
/// comment, with no comma between (`port = 1 token`, `{"port": 1
/// "token"`): a key whose comma is missing before it.
fn after_a_value(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let line = &text[line_start..at];
    // Where the line's strings and comment stand, read from its start: a
    // quote inside the other kind of string (`"it's"`) opens nothing.
    let mut open: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match open {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(quote) if c == quote => open = None,
            Some(_) => {}
            None if c == '#' => return false,
            None if matches!(c, '"' | '\'') => open = Some(c),
            None => {}
        }
    }
    // The key's own opening quote is the one left open.
    let before = line.trim_end_matches(['"', '\'']).trim_end();
    let inside = match open {
        None => false,
        Some(quote) => !line.trim_end().ends_with(quote),
    };
    !inside
        && before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '"' | '\'' | ']' | '}'))
}

/// Whether `at` is where a key of `text` can start: first on its line but
/// for blanks and an opening quote, or after `{`, `,` or the `.` of a
/// dotted key.
fn at_key_position(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let before = text[line_start..at]
        .trim_end_matches(['"', '\''])
        .trim_end();
    before.is_empty() || before.ends_with(['{', ',', '.'])
}

/// Where `key` starts in `text` with no letter, digit, `_` or `-` before it.
fn word_starts<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(key).map(|(at, _)| at).filter(|&at| {
        let before = text[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    })
}
