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
    /// 1-based line of the caret in the file.
    pub(crate) line: usize,
    /// The text shown: the line, or a window of it with `...` where cut.
    pub(crate) text: String,
    /// 1-based column of the caret in `text`, and its width.
    caret: usize,
    width: usize,
}

/// Lines longer than this many characters are shown cut around the caret.
const MAX_SNIPPET: usize = 100;

impl Snippet {
    /// The snippet of `line_text` (line `line` of a file, without its line
    /// ending) with a caret of `width` characters at byte `at` of it.
    ///
    /// Only the characters shown are looked at, so that the snippets of
    /// many problems on one long line cost no more than as many short
    /// lines: up to [`MAX_SNIPPET`] characters, about half of them before
    /// the caret.
    pub(crate) fn new(line: usize, line_text: &str, at: usize, width: usize) -> Snippet {
        let at = floor_char_boundary(line_text, at);
        let (mut start, mut before) = back(line_text, at, MAX_SNIPPET / 2);
        let (end, shown_after) = ahead(line_text, at, MAX_SNIPPET - before);
        // Near the end of the line, the window takes more of what is before.
        if before + shown_after < MAX_SNIPPET {
            let (earlier, more) = back(line_text, start, MAX_SNIPPET - before - shown_after);
            start = earlier;
            before += more;
        }
        let mut text = String::new();
        let mut caret = before + 1;
        if start > 0 {
            text.push_str("...");
            caret += 3;
        }
        text.push_str(&shown(line_text[start..end].chars()));
        if end < line_text.len() {
            text.push_str("...");
        }
        Snippet {
            line,
            text,
            caret,
            width: width.min(shown_after).max(1),
        }
    }

    /// Writes the snippet as it follows a problem's origin line: a gutter
    /// with the line number, the line, and carets under the span.
    pub(crate) fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let (text, column, width) = (&self.text, self.caret, self.width);
        // As the terminal lays the line out: a tab stays a tab, a wide
        // character takes two columns, a combining mark none.
        let mut indent = String::new();
        for c in text.chars().take(column.saturating_sub(1)) {
            match c {
                '\t' => indent.push('\t'),
                c => indent.extend(std::iter::repeat_n(' ', crate::text::columns(c))),
            }
        }
        let under: usize = text
            .chars()
            .skip(column.saturating_sub(1))
            .take(width)
            .map(crate::text::columns)
            .sum();
        write!(
            f,
            "\n {pad} |\n {} | {text}\n {pad} | {indent}{}",
            self.line,
            "^".repeat(under.max(1))
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

/// The index of a text, built once: where each line starts and, for a text
/// that is not all ASCII, how many characters come before each block of
/// bytes, so that a column is counted from the nearest block rather than
/// from the start of its line. Either way a position costs the same on a
/// line of 40 KB (minified JSON) as on a short one.
struct LineTable {
    starts: Vec<usize>,
    /// Characters before byte `i * BLOCK`, for each block and the end;
    /// `None` when the text is all ASCII and a column is a byte count.
    chars: Option<Vec<usize>>,
}

/// Bytes per entry of [`LineTable::chars`].
const BLOCK: usize = 64;

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
        let line = table.starts.partition_point(|&s| s <= offset);
        (line, table.column(self.text, line, offset))
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
        let offset = span.start.min(self.text.len());
        let table = self.table();
        let line = table.starts.partition_point(|&s| s <= offset);
        let (start, text) = table.line(self.text, line);
        let at = (offset - start).min(text.len());
        let end = span.end.min(start + text.len()).max(offset);
        Snippet::new(line, text, at, width(self.text.get(offset..end)))
    }
}

impl LineTable {
    fn new(text: &str) -> LineTable {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        push_newlines(text, &mut starts);
        let chars = (!text.is_ascii()).then(|| {
            // One entry more than there are blocks: the end of the text.
            let mut chars = Vec::with_capacity(text.len() / BLOCK + 2);
            let mut before = 0;
            for block in text.as_bytes().chunks(BLOCK) {
                chars.push(before);
                before += block.iter().filter(|&&b| starts_char(b)).count();
            }
            chars.push(before);
            chars
        });
        LineTable { starts, chars }
    }

    /// How many characters of `text` come before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let Some(chars) = &self.chars else {
            return offset;
        };
        let block = offset / BLOCK;
        let counted = text.as_bytes()[block * BLOCK..offset].iter();
        chars[block] + counted.filter(|&&b| starts_char(b)).count()
    }

    /// The 1-based column of byte `offset`, on line `line` (1-based).
    fn column(&self, text: &str, line: usize, offset: usize) -> usize {
        let start = self.starts[line - 1];
        self.chars_before(text, offset) - self.chars_before(text, start) + 1
    }

    /// Where line `line` (1-based) of `text` starts, and its text without
    /// its line ending.
    fn line<'t>(&self, text: &'t str, line: usize) -> (usize, &'t str) {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return (text.len(), "");
        };
        let end = self.starts.get(line).map_or(text.len(), |&next| next);
        let line = text.get(start..end).unwrap_or("");
        (start, line.trim_end_matches('\n').trim_end_matches('\r'))
    }

    /// The byte of `line_text` (line `line`, starting at `start`) where
    /// 1-based `column` is, or its end for a column past it.
    fn byte_of_column(&self, text: &str, start: usize, line_text: &str, column: usize) -> usize {
        let column = column.max(1) - 1;
        let Some(chars) = &self.chars else {
            return column.min(line_text.len());
        };
        // The character sought is in the last block that starts before it.
        let wanted = self.chars_before(text, start) + column;
        let block = chars.partition_point(|&before| before <= wanted) - 1;
        let end = start + line_text.len();
        let from = (block * BLOCK).clamp(start, end);
        let mut seen = self.chars_before(text, from);
        for (i, &b) in text.as_bytes()[from..end].iter().enumerate() {
            if starts_char(b) {
                if seen == wanted {
                    return from + i - start;
                }
                seen += 1;
            }
        }
        line_text.len()
    }
}

/// Whether a byte of UTF-8 starts a character (is not a continuation).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
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

    /// The bytes of line `line` (1-based), its line ending included.
    pub(crate) fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = &self.table().starts;
        let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
            return self.text.len()..self.text.len();
        };
        start..starts.get(line).map_or(self.text.len(), |&next| next)
    }

    /// Line `line` (1-based) without its line ending, and the byte of it
    /// where 1-based `column` is: `None` past the last line.
    pub(crate) fn at(&self, line: usize, column: usize) -> Option<(&str, usize)> {
        let table = self.table();
        if line == 0 || line > table.starts.len() {
            return None;
        }
        let (start, text) = table.line(&self.text, line);
        Some((text, table.byte_of_column(&self.text, start, text, column)))
    }

    /// A snippet with a caret at a line and column, under the `bytes` of
    /// text that start there (those on that line).
    pub(crate) fn snippet_with(&self, line: usize, column: usize, bytes: usize) -> Option<Snippet> {
        let (text, at) = self.at(line, column)?;
        let end = floor_char_boundary(text, at.saturating_add(bytes));
        Some(Snippet::new(line, text, at, width(text.get(at..end))))
    }

    /// A snippet for a value at a known line and column, when the width of
    /// the value is not known: the caret covers the token that starts there.
    pub(crate) fn snippet_at(&self, line: usize, column: usize) -> Option<Snippet> {
        let (text, at) = self.at(line, column)?;
        // A token wider than a snippet shows is cut where the snippet is.
        let (end, _) = ahead(text, at, MAX_SNIPPET + 1);
        Some(Snippet::new(line, text, at, token_width(&text[at..end])))
    }
}

/// The width in characters of a caret under `part` of a line (one at
/// least, and no more than a snippet shows).
fn width(part: Option<&str>) -> usize {
    part.map_or(1, |s| s.chars().take(MAX_SNIPPET + 1).count())
        .max(1)
}

/// The byte `n` characters (or as many as there are) before byte `at` of
/// `text`, and how many that was.
fn back(text: &str, at: usize, n: usize) -> (usize, usize) {
    text[..at]
        .char_indices()
        .rev()
        .take(n)
        .fold((at, 0), |(_, count), (i, _)| (i, count + 1))
}

/// The byte `n` characters (or as many as there are) after byte `at` of
/// `text`, and how many that was.
fn ahead(text: &str, at: usize, n: usize) -> (usize, usize) {
    match text[at..].char_indices().nth(n) {
        Some((i, _)) => (at + i, n),
        None => (text.len(), text[at..].chars().count()),
    }
}

/// `at`, or the start of the character it falls in, within `text`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A line's characters as a terminal may show them: control characters
/// (an escape sequence in a file would act on the reader's terminal) and
/// the marks that reorder text (bidi overrides and isolates, which would
/// make the line read otherwise than it is) become U+FFFD, one character
/// for one, so the caret stays under its column.
fn shown(chars: impl Iterator<Item = char>) -> String {
    chars
        .map(|c| match crate::text::unprintable(c) && c != '\t' {
            true => '\u{fffd}',
            false => c,
        })
        .collect()
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

    /// Positions, columns and snippets from the index agree with counting
    /// the characters from the start of each line, on texts of one- to
    /// four-byte characters with lines short and long (across blocks).
    #[test]
    fn the_index_agrees_with_counting_from_the_line_start() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let alphabet = ["a", "é", "€", "😀", " ", "\t", "\n", "\r\n"];
        for _ in 0..40 {
            let long = [2, 30, 400][next(3)];
            let text: String = (0..next(600))
                .map(|_| match next(long) {
                    0 => alphabet[6 + next(2)],
                    _ => alphabet[next(6)],
                })
                .collect();
            let lines = Lines::new(&text);
            let indexed = Indexed::new(Arc::from(text.as_str()));
            let (mut line, mut line_start) = (1, 0);
            for (offset, c) in text.char_indices().chain([(text.len(), '\n')]) {
                let column = text[line_start..offset].chars().count() + 1;
                assert_eq!(
                    lines.position(offset),
                    (line, column),
                    "{text:?} at {offset}"
                );
                let line_text = text[line_start..].split('\n').next().unwrap();
                let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
                let at = (offset - line_start).min(line_text.len());
                assert_eq!(indexed.at(line, column), Some((line_text, at)));
                let snippet = lines.snippet(offset..offset + 1);
                let shown = snippet.text.trim_start_matches("...");
                let caret = snippet.caret - (snippet.text.len() - shown.len());
                assert_eq!(
                    shown.chars().nth(caret - 1),
                    line_text[at..].chars().next().map(shown_char),
                    "{text:?} at {offset}"
                );
                if line_text.chars().count() <= MAX_SNIPPET {
                    assert_eq!(snippet.text, shown_line(line_text));
                }
                if c == '\n' {
                    (line, line_start) = (line + 1, offset + 1);
                }
            }
            let past = text.lines().count() + 2;
            assert_eq!(indexed.at(past, 1), None);
        }
    }

    fn shown_char(c: char) -> char {
        shown([c].into_iter()).chars().next().unwrap()
    }

    fn shown_line(line: &str) -> String {
        shown(line.chars())
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let text = format!("{}x{}", "a".repeat(300), "b".repeat(300));
        let snippet = Snippet::new(1, &text, 300, 500);
        assert_eq!(
            snippet.text,
            format!("...{}x{}...", "a".repeat(50), "b".repeat(49))
        );
        assert_eq!(snippet.text.chars().nth(snippet.caret - 1), Some('x'));
        assert_eq!(snippet.width, 50);
        let short = Snippet::new(1, "a = 1", 2, 1);
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
