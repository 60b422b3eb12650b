//! Positions in text and the snippets shown under a problem: the line
//! index, byte spans to line and column, and the one renderer of a caret.

use std::fmt;
use std::sync::Arc;

/// One line of a source file with a caret under the offending text. Only
/// what is shown is kept: for a long line (minified JSON, a line of
/// garbage) a window around the caret, so a report of many problems in one
/// long line holds no copy of the line per problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snippet {
    /// 1-based line and column (in characters) of the caret in the file.
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// The text shown: the line, or a window of it with `...` where cut.
    pub(crate) text: String,
    /// 1-based column of the caret in `text`, and its width.
    caret: usize,
    width: usize,
}

/// Lines longer than this many characters are shown cut around the caret.
const MAX_SNIPPET: usize = 100;

impl Snippet {
    /// The snippet of `line_text` (line `line` of a file) with a caret of
    /// `width` characters at `column`.
    pub(crate) fn new(line: usize, column: usize, line_text: &str, width: usize) -> Snippet {
        // Columns are 1-based; a source outside the crate may still say 0.
        let column = column.max(1);
        let len = line_text.chars().count();
        if len <= MAX_SNIPPET {
            return Snippet {
                line,
                column,
                text: shown(line_text.chars()),
                caret: column,
                width,
            };
        }
        let start = column.saturating_sub(1 + MAX_SNIPPET / 2);
        let end = (start + MAX_SNIPPET).min(len);
        let start = end.saturating_sub(MAX_SNIPPET).min(start);
        let mut text = String::new();
        let mut caret = column - start;
        if start > 0 {
            text.push_str("...");
            caret += 3;
        }
        text.push_str(&shown(line_text.chars().skip(start).take(end - start)));
        if end < len {
            text.push_str("...");
        }
        let width = width.min(end + 1 - column.min(end)).max(1);
        Snippet {
            line,
            column,
            text,
            caret,
            width,
        }
    }

    /// Writes the snippet as it follows a problem's origin line: a gutter
    /// with the line number, the line, and carets under the span.
    pub(crate) fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let (text, column, width) = (&self.text, self.caret, self.width);
        let indent: String = text
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(
            f,
            "\n {pad} |\n {} | {text}\n {pad} | {indent}{}",
            self.line,
            "^".repeat(width.max(1))
        )
    }
}

/// Byte offsets of line starts, for turning spans into line and column.
///
/// The table is built on first use: a parser that tracks positions itself
/// (TOML) needs it only to place errors, so a valid file never pays for it.
pub(crate) struct Lines<'a> {
    text: &'a str,
    table: std::cell::OnceCell<LineTable>,
}

struct LineTable {
    starts: Vec<usize>,
    /// All ASCII: a column is a byte count, no characters to count.
    ascii: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            table: std::cell::OnceCell::new(),
        }
    }

    fn table(&self) -> &LineTable {
        self.table.get_or_init(|| LineTable::new(self.text))
    }

    /// The whole text.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let table = self.table();
        let line = table.starts.partition_point(|&s| s <= offset) - 1;
        let start = table.starts[line];
        let column = if table.ascii {
            offset - start
        } else {
            self.text
                .get(start..offset)
                .map_or(offset - start, |s| s.chars().count())
        };
        (line + 1, column + 1)
    }

    /// The 1-based line of a byte offset, and the bytes that line spans
    /// (with its line ending): no columns counted, for callers that ask
    /// about many offsets. `near` is a line the offset is likely on or just
    /// below (that of the offset asked about before), tried before a search.
    pub(crate) fn line_of(&self, offset: usize, near: usize) -> (usize, std::ops::Range<usize>) {
        let offset = offset.min(self.text.len());
        let starts = &self.table().starts;
        let bounds = |line: usize| {
            let end = starts
                .get(line + 1)
                .map_or(self.text.len() + 1, |&next| next);
            starts[line]..end
        };
        // 0-based: the line `near` names, then the one below it.
        for line in [near.saturating_sub(1), near] {
            if line < starts.len() && bounds(line).contains(&offset) {
                return (line + 1, bounds(line));
            }
        }
        let line = starts.partition_point(|&s| s <= offset) - 1;
        (line + 1, bounds(line))
    }

    /// A snippet for a byte span.
    pub(crate) fn snippet(&self, span: std::ops::Range<usize>) -> Snippet {
        let (line, column) = self.position(span.start);
        let text = self.table().line(self.text, line);
        let rest: usize = text.chars().count().saturating_sub(column - 1);
        let width = self
            .text
            .get(span.start..span.end.min(self.text.len()))
            .map_or(1, |s| s.chars().take_while(|&c| c != '\n').count())
            .clamp(1, rest.max(1));
        Snippet::new(line, column, text, width)
    }
}

impl LineTable {
    fn new(text: &str) -> LineTable {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        push_newlines(text, &mut starts);
        LineTable {
            starts,
            ascii: text.is_ascii(),
        }
    }

    /// Line `line` (1-based) of `text`, without its line ending.
    fn line<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |&next| next);
        let line = text.get(start..end).unwrap_or("");
        line.trim_end_matches('\n').trim_end_matches('\r')
    }
}

/// A text kept by a load for the snippets of problems found after parsing,
/// with its line index built once, on the first snippet.
pub(crate) struct Indexed {
    text: Arc<str>,
    table: std::cell::OnceCell<LineTable>,
}

impl Indexed {
    pub(crate) fn new(text: Arc<str>) -> Indexed {
        Indexed {
            text,
            table: std::cell::OnceCell::new(),
        }
    }

    fn table(&self) -> &LineTable {
        self.table.get_or_init(|| LineTable::new(&self.text))
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Line `line` (1-based), without its line ending.
    pub(crate) fn line(&self, line: usize) -> &str {
        self.table().line(&self.text, line)
    }

    /// The bytes of line `line` (1-based), its line ending included.
    pub(crate) fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = &self.table().starts;
        let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
            return self.text.len()..self.text.len();
        };
        start..starts.get(line).map_or(self.text.len(), |&next| next)
    }

    /// A snippet with a caret at a line and column, under the `bytes` of
    /// text that start there (those on that line).
    pub(crate) fn snippet_with(&self, line: usize, column: usize, bytes: usize) -> Snippet {
        let line_text = self.line(line);
        Snippet::new(line, column, line_text, chars_in(line_text, column, bytes))
    }

    /// A snippet for a value at a known line and column, when the width of
    /// the value is not known: the caret covers the token that starts there.
    pub(crate) fn snippet_at(&self, line: usize, column: usize) -> Option<Snippet> {
        if line == 0 || line > self.table().starts.len() {
            return None;
        }
        let line_str = self.table().line(&self.text, line);
        let rest: String = line_str.chars().skip(column.saturating_sub(1)).collect();
        let width = token_width(&rest);
        Some(Snippet::new(line, column, line_str, width))
    }
}

/// A line's characters as a terminal may show them: control characters
/// (an escape sequence in a file would act on the reader's terminal) become
/// U+FFFD, one character for one, so the caret stays under its column.
fn shown(chars: impl Iterator<Item = char>) -> String {
    chars
        .map(|c| match c.is_control() && c != '\t' {
            true => '\u{fffd}',
            false => c,
        })
        .collect()
}

/// How many characters the `bytes` from `column` (1-based, in characters)
/// of `line` cover, cut at the line's end: at least one.
fn chars_in(line: &str, column: usize, bytes: usize) -> usize {
    let from = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(at, _)| at);
    let rest = &line[from..];
    let mut end = bytes.min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    let part = &rest[..end];
    let width = if part.is_ascii() {
        part.len()
    } else {
        part.chars().count()
    };
    width.max(1)
}

/// Pushes the offset after each `\n`. Eight bytes at a time: a word without
/// a newline (the common case) costs a few instructions instead of eight
/// comparisons, which matters because every file load builds this table.
fn push_newlines(text: &str, starts: &mut Vec<usize>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = ONES * b'\n' as u64;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ NL;
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            for (j, &b) in word.iter().enumerate() {
                if b == b'\n' {
                    starts.push(i + j + 1);
                }
            }
        }
        i += 8;
    }
    for (j, &b) in bytes[i..].iter().enumerate() {
        if b == b'\n' {
            starts.push(i + j + 1);
        }
    }
}

fn token_width(rest: &str) -> usize {
    let mut chars = rest.chars();
    match chars.next() {
        None => 1,
        Some(q @ ('"' | '\'')) => {
            let mut n = 1;
            let mut escaped = false;
            for c in chars {
                n += 1;
                if c == q && !escaped {
                    return n;
                }
                escaped = q == '"' && c == '\\' && !escaped;
            }
            n
        }
        Some(open @ ('[' | '{')) => {
            let close = if open == '[' { ']' } else { '}' };
            let mut depth = 1;
            let mut n = 1;
            for c in chars {
                n += 1;
                if c == open {
                    depth += 1;
                } else if c == close {
                    depth -= 1;
                    if depth == 0 {
                        return n;
                    }
                }
            }
            n
        }
        Some(_) => rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
            .count()
            .max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let lines = Lines::new("a = 1\nnamé = \"x\"\n");
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(lines.position(14), (2, 8));
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let text = format!("{}x{}", "a".repeat(300), "b".repeat(300));
        let snippet = Snippet::new(1, 301, &text, 500);
        assert_eq!(
            snippet.text,
            format!("...{}x{}...", "a".repeat(50), "b".repeat(49))
        );
        assert_eq!(snippet.text.chars().nth(snippet.caret - 1), Some('x'));
        assert_eq!(snippet.width, 50);
        assert_eq!(snippet.column, 301);
        let short = Snippet::new(1, 3, "a = 1", 1);
        assert_eq!(
            (short.text.as_str(), short.caret, short.width),
            ("a = 1", 3, 1)
        );
    }

    #[test]
    fn newlines_are_found_in_and_after_whole_words() {
        let text = "a\nbcdefghij\n\nklmnopq\nr\n";
        let mut found = Vec::new();
        push_newlines(text, &mut found);
        let expected: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        assert_eq!(found, expected);
        let mut none = Vec::new();
        push_newlines("no newline at all here", &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn token_width_covers_strings_and_words() {
        assert_eq!(token_width("\"a\\\"b\" # x"), 6);
        assert_eq!(token_width("70000\n"), 5);
        assert_eq!(token_width("[1, [2]], x"), 8);
    }
}
