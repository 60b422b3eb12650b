//! Line and column of the parser's events, tracked as they come.
//!
//! Events arrive in document order and every line break outside a
//! multi-line string is an event of its own, so the current line and where it
//! starts are known at each event without a line table or a search.

/// The line the parser is on.
pub(super) struct Cursor<'i> {
    text: &'i str,
    /// All ASCII: a column is a byte count, no characters to count.
    ascii: bool,
    /// 1-based number of the current line.
    line: usize,
    /// Byte offset where the current line starts.
    line_start: usize,
    /// The start of the line last asked about when the text is not ASCII,
    /// the offset asked about and its 0-based column: the next one on that
    /// line is counted on from there, so that the values of one long line
    /// cost one pass over it, not one each.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'i> Cursor<'i> {
    pub(super) fn new(text: &'i str) -> Cursor<'i> {
        Cursor {
            text,
            ascii: text.is_ascii(),
            line: 1,
            line_start: 0,
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }

    /// A line break ends at `end`.
    pub(super) fn newline(&mut self, end: usize) {
        self.line += 1;
        self.line_start = end;
    }

    /// A multi-line string starting at `start` has been read: its line
    /// breaks move the cursor on.
    pub(super) fn pass(&mut self, token: &str, start: usize) {
        let bytes = token.as_bytes();
        if let Some(last) = bytes.iter().rposition(|&b| b == b'\n') {
            self.line += bytes[..=last].iter().filter(|&&b| b == b'\n').count();
            self.line_start = start + last + 1;
        }
    }

    /// 1-based line and column (in characters) of a byte offset on the
    /// current line.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let width = offset.saturating_sub(self.line_start);
        if self.ascii {
            return (self.line, width + 1);
        }
        let (from, column) = match self.last.get() {
            (start, last, column) if start == self.line_start && last <= offset => (last, column),
            _ => (self.line_start, 0),
        };
        let column = match self.text.get(from..offset) {
            Some(s) => column + s.chars().count(),
            None => width,
        };
        self.last.set((self.line_start, offset, column));
        (self.line, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_move_on_at_breaks_and_inside_multi_line_strings() {
        let text = "a = 1\r\nb = \"\"\"x\né\"\"\" # é\nc = 2";
        let mut cursor = Cursor::new(text);
        assert_eq!(cursor.position(4), (1, 5));
        cursor.newline(7);
        let start = text.find("\"\"\"").unwrap();
        assert_eq!(cursor.position(start), (2, 5));
        let end = text.rfind("\"\"\"").unwrap() + 3;
        cursor.pass(&text[start..end], start);
        // The comment after the string: `é"""` is 4 characters, then ` `.
        assert_eq!(cursor.position(end + 1), (3, 6));
        cursor.newline(text.rfind('\n').unwrap() + 1);
        assert_eq!(cursor.position(text.len() - 1), (4, 5));
    }
}
