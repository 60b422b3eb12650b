//! The dotenv syntax, read in one pass that knows where it is: every
//! variable, problem and substitution carries the line and column of the
//! file, so nothing is found again by searching the text.
//!
//! The syntax is the common one (`dotenvy`'s, docker compose's): `NAME=VALUE`,
//! `export NAME=VALUE`, `#` comments, single quotes (literal), double
//! quotes (the escapes `\\`, `\"`, `\'`, `\$`, `\ ` and `\n`, and
//! substitution), quoted values over several lines, and in unquoted and
//! double-quoted text `$NAME`, `${NAME}`, `${NAME:-default}` and
//! `${NAME-default}`. A `$` before anything else is a `$`.

use std::collections::HashMap;

/// A variable of the file, and where its value starts.
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) line: usize,
    pub(super) column: usize,
    /// Where each `$NAME` or `${NAME}` of the value stands that names a
    /// variable set neither in the environment nor earlier in the file.
    pub(super) unset: Vec<(usize, usize)>,
    /// The variables whose values a substitution put into the value.
    pub(super) reads: Vec<String>,
}

/// What is wrong with a line, and where.
#[derive(Debug, PartialEq)]
pub(super) struct Fault {
    pub(super) message: &'static str,
    pub(super) line: usize,
    pub(super) column: usize,
}

const NO_EQUALS: &str = "a line without `=`: expected `NAME=VALUE`";
const OPEN_QUOTE: &str = "a quoted value is not closed before the end of the file";
const BAD_NAME: &str = "invalid dotenv syntax: a name is letters, digits, `_` and `.`, \
                        and starts with a letter or `_`";
const BAD_ESCAPE: &str = "invalid dotenv syntax: an unknown escape (`\\\\`, `\\\"`, `\\'`, \
                          `\\$`, `\\ ` and `\\n` are known)";
const TRAILING: &str = "invalid dotenv syntax: text after the value (quote a value that \
                        holds spaces)";
const OPEN_BRACE: &str = "invalid dotenv syntax: `${` is not closed by `}` on its line, \
                          or holds no variable name";
const LONE_CR: &str = "invalid dotenv syntax: a carriage return not followed by a newline \
                       (lines end with `\\n` or `\\r\\n`)";

/// The variables of a dotenv text in order, and the faults of the lines
/// that are not valid (each such line is left out). `env` is looked up for
/// substitutions before the file's earlier variables, as dotenv loaders do.
pub(super) fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> (Vec<Entry>, Vec<Fault>) {
    // A file with old Mac line ends would read as one line, its variables
    // run together into the first one's value: refused, at the first.
    let bytes = text.as_bytes();
    if let Some(at) =
        (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    {
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |n| n + 1)..]
            .chars()
            .count()
            + 1;
        let fault = Fault {
            message: LONE_CR,
            line,
            column,
        };
        return (Vec::new(), vec![fault]);
    }
    let mut reader = Reader {
        rest: text,
        line: 1,
        column: 1,
    };
    let mut entries: Vec<Entry> = Vec::new();
    // The last entry of each name, for substitutions.
    let mut last: HashMap<String, usize> = HashMap::new();
    let mut faults = Vec::new();
    loop {
        reader.blanks();
        match reader.peek() {
            None => break,
            Some('#') => reader.skip_line(),
            _ if reader.at_line_end() => reader.newline(),
            _ => {
                let lookup = |name: &str| {
                    env(name).or_else(|| Some(entries[*last.get(name)?].value.clone()))
                };
                match reader.entry(&lookup) {
                    Ok(entry) => {
                        last.insert(entry.name.clone(), entries.len());
                        entries.push(entry);
                    }
                    Err(fault) => faults.push(fault),
                }
            }
        }
    }
    (entries, faults)
}

/// The text not read yet, and the 1-based line and column where it starts.
struct Reader<'t> {
    rest: &'t str,
    line: usize,
    column: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.rest = &self.rest[c.len_utf8()..];
        match c {
            '\n' => (self.line, self.column) = (self.line + 1, 1),
            _ => self.column += 1,
        }
        Some(c)
    }

    fn place(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    fn fault(&self, message: &'static str, (line, column): (usize, usize)) -> Fault {
        Fault {
            message,
            line,
            column,
        }
    }

    /// Skips spaces and tabs; whether there were any.
    fn blanks(&mut self) -> bool {
        let mut any = false;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
            any = true;
        }
        any
    }

    /// At the end of the text, or of a line (`\n` or `\r\n`).
    fn at_line_end(&self) -> bool {
        self.rest.is_empty() || self.rest.starts_with('\n') || self.rest.starts_with("\r\n")
    }

    /// Past the line ending that is next, if any.
    fn newline(&mut self) {
        if self.rest.starts_with('\r') {
            self.bump();
        }
        self.bump();
    }

    /// To the start of the next line.
    fn skip_line(&mut self) {
        while !self.at_line_end() {
            self.bump();
        }
        self.newline();
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, or nothing; with `dots`, as a variable
    /// the file sets may be named, `.` too.
    fn name(&mut self, dots: bool) -> String {
        let mut name = String::new();
        if matches!(self.peek(), Some(c) if c.is_ascii_alphabetic() || c == '_') {
            while let Some(c) = self
                .peek()
                .filter(|&c| c.is_ascii_alphanumeric() || c == '_' || (dots && c == '.'))
            {
                name.push(c);
                self.bump();
            }
        }
        name
    }

    /// One `NAME=VALUE` (a line, or more when a quoted value spans lines),
    /// read up to and past its line ending. A fault leaves the reader at
    /// the next line.
    fn entry(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Entry, Fault> {
        let start = self.place();
        let line_has_equals = self.rest.split('\n').next().unwrap_or("").contains('=');
        let mut name = self.name(true);
        self.blanks();
        if name == "export" && self.peek() != Some('=') {
            name = self.name(true);
            self.blanks();
        }
        let expected_equals = self.place();
        if name.is_empty() || self.peek() != Some('=') {
            self.skip_line();
            return Err(match line_has_equals {
                false => self.fault(NO_EQUALS, start),
                true => self.fault(BAD_NAME, expected_equals),
            });
        }
        self.bump();
        let blank = self.blanks();
        let (line, column) = self.place();
        let mut value = Value::default();
        // A `#` after a blank starts a comment, `KEY=#x` is the text `#x`.
        if !(blank && self.peek() == Some('#')) {
            self.value(&mut value, lookup);
        }
        self.skip_line();
        match value.fault {
            Some(fault) => Err(fault),
            None => Ok(Entry {
                name,
                value: value.text,
                line,
                column,
                unset: value.unset,
                reads: value.reads,
            }),
        }
    }

    /// The value, up to the end of its (last) line or a comment. Read to
    /// the end even after a fault, so that a quoted value's later lines
    /// are not taken for variables.
    fn value(&mut self, value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
        if matches!(self.peek(), Some('[' | '{')) {
            return self.json(value, lookup);
        }
        while !self.at_line_end() {
            match self.peek() {
                Some(' ' | '\t') => {
                    self.blanks();
                    if self.peek() == Some('#') || self.at_line_end() {
                        return;
                    }
                    value.fail(self.fault(TRAILING, self.place()));
                }
                Some(quote @ ('\'' | '"')) => self.quoted(quote, value, lookup),
                Some('\\') => self.escape(value),
                Some('$') => self.substitute(value, lookup),
                Some(c) => {
                    value.text.push(c);
                    self.bump();
                }
                None => return,
            }
        }
    }

    /// An unquoted value that opens like JSON (`[` or `{`) is taken as it
    /// is written, its quotes, blanks and backslashes kept, as dotenv files
    /// are read elsewhere ("think JSON"): a shell's reading would drop the
    /// quotes and leave `[a,b]`. Substitutions (`$NAME`, `${NAME}`) are
    /// made, as in any unquoted value. It ends at the line's end, or at a
    /// `#` after a blank outside its strings (a comment); trailing blanks go.
    fn json(&mut self, value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
        let (mut in_string, mut escaped, mut blank) = (false, false, false);
        while let Some(c) = self.peek().filter(|_| !self.at_line_end()) {
            match c {
                '#' if !in_string && blank => break,
                '$' if !escaped => {
                    self.substitute(value, lookup);
                    blank = false;
                    continue;
                }
                '"' if !escaped => in_string = !in_string,
                _ => {}
            }
            escaped = in_string && c == '\\' && !escaped;
            blank = matches!(c, ' ' | '\t');
            value.text.push(c);
            self.bump();
        }
        value.text.truncate(value.text.trim_end().len());
    }

    /// A part of a value in quotes: single quotes keep every character as
    /// it is, double quotes read escapes and substitutions.
    fn quoted(&mut self, quote: char, value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
        let open = self.place();
        self.bump();
        loop {
            match self.peek() {
                Some(c) if c == quote => break,
                Some('\\') if quote == '"' => self.escape(value),
                Some('$') if quote == '"' => self.substitute(value, lookup),
                Some(c) => {
                    value.text.push(c);
                    self.bump();
                }
                None => return value.fail(self.fault(OPEN_QUOTE, open)),
            }
        }
        self.bump();
    }

    /// `\` and the character it escapes.
    fn escape(&mut self, value: &mut Value) {
        let at = self.place();
        self.bump();
        match self.peek() {
            Some(c @ ('\\' | '\'' | '"' | '$' | ' ')) => value.text.push(c),
            Some('n') => value.text.push('\n'),
            // A line ending stays where it is, to end the line.
            _ if self.at_line_end() => return value.fail(self.fault(BAD_ESCAPE, at)),
            _ => value.fail(self.fault(BAD_ESCAPE, at)),
        }
        self.bump();
    }

    /// `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, or a `$`
    /// that is only a `$`.
    fn substitute(&mut self, value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
        let at = self.place();
        self.bump();
        let braced = self.peek() == Some('{');
        if braced {
            self.bump();
        }
        let name = self.name(false);
        if !braced {
            match name.is_empty() {
                true => value.text.push('$'),
                false => value.substituted(&name, lookup(&name), at),
            }
            return;
        }
        let found = lookup(&name);
        let default = match self.peek() {
            Some('}') if !name.is_empty() => None,
            Some(':' | '-') if !name.is_empty() => {
                // `:-` also stands in for an empty value; `-` only for none.
                let if_empty = self.peek() == Some(':');
                if if_empty {
                    self.bump();
                }
                if self.peek() != Some('-') {
                    return self.skip_brace(value, at);
                }
                self.bump();
                let mut default = String::new();
                while let Some(c) = self.peek().filter(|&c| c != '}' && c != '\n') {
                    default.push(c);
                    self.bump();
                }
                Some((default, if_empty))
            }
            _ => return self.skip_brace(value, at),
        };
        if self.peek() != Some('}') {
            return self.skip_brace(value, at);
        }
        self.bump();
        match default {
            Some((default, if_empty)) => match found.filter(|v| !(if_empty && v.is_empty())) {
                Some(found) => value.substituted(&name, Some(found), at),
                None => value.text.push_str(&default),
            },
            None => value.substituted(&name, found, at),
        }
    }

    /// A `${` that is not a substitution: a fault at the `$`, and the rest
    /// up to a `}` on the line passed.
    fn skip_brace(&mut self, value: &mut Value, at: (usize, usize)) {
        value.fail(self.fault(OPEN_BRACE, at));
        while !self.at_line_end() && self.bump() != Some('}') {}
    }
}

/// A value as it is read.
#[derive(Default)]
struct Value {
    text: String,
    unset: Vec<(usize, usize)>,
    reads: Vec<String>,
    /// The first fault: the variable is left out.
    fault: Option<Fault>,
}

impl Value {
    fn fail(&mut self, fault: Fault) {
        self.fault.get_or_insert(fault);
    }

    /// The value of a substitution at `at`; a variable that is not set
    /// reads as empty, and is noted.
    fn substituted(&mut self, name: &str, found: Option<String>, at: (usize, usize)) {
        match found {
            Some(v) => {
                self.text.push_str(&v);
                self.reads.push(name.to_owned());
            }
            None => self.unset.push(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        let env = |name: &str| (name == "FROM_ENV").then(|| "env".to_owned());
        let (entries, faults) = parse(text, env);
        assert_eq!(faults, [], "{text:?}");
        entries.into_iter().map(|e| (e.name, e.value)).collect()
    }

    /// The values of `text`'s lines, in order, without their names.
    fn values_only(text: &str) -> Vec<String> {
        values(text).into_iter().map(|(_, v)| v).collect()
    }

    fn faults(text: &str) -> Vec<(&'static str, usize, usize)> {
        let (_, faults) = parse(text, |_| None);
        faults
            .into_iter()
            .map(|f| (f.message, f.line, f.column))
            .collect()
    }

    /// An unquoted value that opens like JSON keeps its quotes, blanks and
    /// backslashes, up to a comment outside its strings.
    #[test]
    fn an_unquoted_json_value_is_kept_as_written() {
        let text = "A={\"eu\": {\"port\": 2}}\nB=[\"a\",\"b\"]   # two\n\
                    C={\"k\": \"x # y\", \"q\": \"\\\"\"}\nD=[1, 2]#3\n";
        assert_eq!(
            values_only(text),
            [
                "{\"eu\": {\"port\": 2}}",
                "[\"a\",\"b\"]",
                "{\"k\": \"x # y\", \"q\": \"\\\"\"}",
                "[1, 2]#3",
            ]
        );
        // Substitutions are made, in its strings too.
        let env = |name: &str| (name == "FROM_ENV").then(|| "env".to_owned());
        let (entries, faults) = parse("A=[$FROM_ENV, \"${FROM_ENV}-a\"]\n", env);
        assert_eq!(faults, []);
        assert_eq!(entries[0].value, "[env, \"env-a\"]");
    }

    #[test]
    fn the_common_syntax_is_read() {
        let text = "\nKEY=1\nKEY2=\"2\"\nKEY3='3'\nKEY4='fo ur'\nKEY5=\"fi ve\"\nKEY6=s\\ ix\n\
                    KEY7=\nKEY8=     \nKEY9=   # foo\nKEY10  =\"whitespace before =\"\n\
                    KEY11=    \"whitespace after =\"\nexport=\"export as key\"\n\
                    export   SHELL_LOVER=1\r\n  # a comment\nDOT.NAME=v#x # a comment\n";
        let expected = [
            ("KEY", "1"),
            ("KEY2", "2"),
            ("KEY3", "3"),
            ("KEY4", "fo ur"),
            ("KEY5", "fi ve"),
            ("KEY6", "s ix"),
            ("KEY7", ""),
            ("KEY8", ""),
            ("KEY9", ""),
            ("KEY10", "whitespace before ="),
            ("KEY11", "whitespace after ="),
            ("export", "export as key"),
            ("SHELL_LOVER", "1"),
            ("DOT.NAME", "v#x"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(values(text), expected);
    }

    #[test]
    fn escapes_quotes_and_lines() {
        let text = "KEY=my\\ cool\\ value\nKEY2=\\$sweet\nKEY3=\"awesome stuff \\\"mang\\\"\"\n\
                    KEY4='sweet $\\fgs'\\''fds'\nKEY5=\"'\\\"yay\\\\\"\\ \"stuff\"\n\
                    KEY6=\"lol\" #well you see\nKEY7=\"line 1\\nline 2\"\nKEY8=\"two\nlines\"\n";
        assert_eq!(
            values_only(text),
            [
                "my cool value",
                "$sweet",
                "awesome stuff \"mang\"",
                "sweet $\\fgs'fds",
                "'\"yay\\ stuff",
                "lol",
                "line 1\nline 2",
                "two\nlines"
            ]
        );
    }

    #[test]
    fn substitution_reads_the_environment_then_earlier_lines() {
        let text = "A=a\nFROM_ENV=file\nB=$A/${FROM_ENV}/$A_B/${NONE:-d}/${A:-x}/${NONE-e}\n\
                    C=x$1y$-$\nD='$A'\nE=\"$A\"\nF=\\$A\nG=$A.$A\n";
        assert_eq!(
            values_only(text),
            [
                "a",
                "file",
                "a/env//d/a/e",
                "x$1y$-$",
                "$A",
                "a",
                "$A",
                "a.a"
            ]
        );
        let (entries, _) = parse("X=ab${NO}c$NO_2\n", |_| None);
        assert_eq!(entries[0].value, "abc");
        assert_eq!(entries[0].unset, [(1, 5), (1, 11)]);
    }

    #[test]
    fn positions_count_the_files_lines_not_the_values() {
        let (entries, _) = parse(
            "A=\"x\\ny\\nz\"\n  export B = 'é'\nC=\"1\n2\"\nD=d\n",
            |_| None,
        );
        let at: Vec<_> = entries.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(at, [(1, 3), (2, 14), (3, 3), (5, 3)]);
    }

    #[test]
    fn bad_lines_are_faults_at_their_place_and_the_rest_is_read() {
        assert_eq!(
            faults("A=1\nNO_EQUALS\n-X=1\nB=a b\nC=\"\\q\nD=2\"\nE=${A\nF=\"open\nG=1\n"),
            [
                (NO_EQUALS, 2, 1),
                (BAD_NAME, 3, 1),
                (TRAILING, 4, 5),
                (BAD_ESCAPE, 5, 4),
                (OPEN_BRACE, 7, 3),
                (OPEN_QUOTE, 8, 3),
            ]
        );
        let (entries, _) = parse("A=1\nB=a b\nC=\"\\q\nD=2\"\nE=3\n", |_| None);
        let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "E"]);
    }

    /// Old Mac line ends would run every variable into the first one's
    /// value: the file is refused at the first lone `\r`, a `\r\n` kept.
    #[test]
    fn a_lone_carriage_return_is_refused_where_it_stands() {
        for (text, line, column) in [("A=x\rB=8080\r", 1, 4), ("A=1\r\nB=\"é\r\"\n", 2, 5)] {
            let (entries, faults) = parse(text, |_| None);
            assert!(entries.is_empty(), "{text:?}");
            assert_eq!(
                faults,
                [Fault {
                    message: LONE_CR,
                    line,
                    column
                }],
                "{text:?}"
            );
        }
        let (entries, faults) = parse("A=1\r\nB=2\r\n", |_| None);
        assert_eq!((entries.len(), faults.len()), (2, 0));
    }
}
