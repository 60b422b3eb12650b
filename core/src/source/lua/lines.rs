//! The line where a script sets a key, read from its text.
//!
//! Lua keeps no position for a value in a table, so the origin's line comes
//! from the assignments in the source: `port = 8080` in a table constructor,
//! `out.db.port = 8080`, `t["port"] = 8080`, each with the keys of the
//! enclosing constructors (`db = { port = 8080 }` sets `db.port`). A key is
//! given a line only when exactly one assignment matches it; otherwise the
//! line of the enclosing table is used, or none.

use std::collections::HashMap;

/// The most trailing segments of an assignment target that are kept: a key
/// path is matched on its last segments only, so a target nested in a
/// thousand constructors costs no more than one nested in sixteen.
const MAX_CHAIN: usize = 16;

/// Every assignment target in a script, with its line, as a trie of
/// reversed key paths: a lookup costs one step per segment, and building it
/// one step per kept segment, so the index is linear in the script's size.
#[derive(Debug)]
pub(super) struct Assignments<'a> {
    /// Each distinct segment's number: a long key is hashed once where it
    /// is written, not once per assignment inside its constructor.
    ids: HashMap<&'a str, u32>,
    /// The child of a node for a segment; node 0 is the root.
    children: HashMap<(u32, u32), u32>,
    /// For each node, how many targets end with the segments from it up to
    /// the root, and the line of the first one.
    ends: Vec<(u32, usize)>,
}

impl<'a> Assignments<'a> {
    pub(super) fn scan(text: &'a str) -> Assignments<'a> {
        let tokens = lex(text);
        let mut index = Assignments {
            ids: HashMap::new(),
            children: HashMap::new(),
            ends: vec![(0, 0)],
        };
        // For each open `{`, the target it is assigned to, if any.
        let mut braces: Vec<Option<Vec<u32>>> = Vec::new();
        let mut reversed: Vec<u32> = Vec::with_capacity(MAX_CHAIN);
        for (i, token) in tokens.iter().enumerate() {
            match token.tok {
                Tok::Sym("{") => {
                    let key = match i.checked_sub(1).map(|j| &tokens[j].tok) {
                        Some(Tok::Sym("=")) => target(&tokens[..i - 1])
                            .map(|(t, _)| t.iter().map(|s| index.id(s)).collect()),
                        _ => None,
                    };
                    braces.push(key);
                }
                Tok::Sym("}") => {
                    braces.pop();
                }
                Tok::Sym("=") => {
                    if let Some((chain, line)) = target(&tokens[..i]) {
                        // The target's own keys, then those of the enclosing
                        // constructors, innermost first, up to MAX_CHAIN.
                        reversed.clear();
                        for segment in chain.iter().rev().take(MAX_CHAIN) {
                            reversed.push(index.id(segment));
                        }
                        for key in braces.iter().rev() {
                            let Some(key) = key else { break };
                            if reversed.len() >= MAX_CHAIN {
                                break;
                            }
                            let room = MAX_CHAIN - reversed.len();
                            reversed.extend(key.iter().rev().take(room));
                        }
                        index.insert(&reversed, line);
                    }
                }
                _ => {}
            }
        }
        index
    }

    fn id(&mut self, segment: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(segment).or_insert(next)
    }

    fn insert(&mut self, reversed: &[u32], line: usize) {
        let mut node = 0;
        for &segment in reversed {
            let next = self.ends.len() as u32;
            node = *self.children.entry((node, segment)).or_insert(next);
            if node == next {
                self.ends.push((0, line));
            }
            self.ends[node as usize].0 += 1;
        }
    }

    /// The line that sets the key path, when exactly one assignment ends
    /// with all of its segments (its last [`MAX_CHAIN`] segments for a
    /// longer path).
    pub(super) fn line_of(&self, path: &[&str]) -> Option<usize> {
        let mut node = 0;
        for segment in path.iter().rev().take(MAX_CHAIN) {
            let id = *self.ids.get(segment)?;
            node = *self.children.get(&(node, id))?;
        }
        let (count, line) = self.ends[node as usize];
        (node != 0 && count == 1).then_some(line)
    }
}

/// The assignment target that ends the tokens: `a.b.c`, `a["b"]`, or `c`.
/// `local x =` and `for i =` declare variables, not keys.
fn target<'a>(tokens: &[Token<'a>]) -> Option<(Vec<&'a str>, usize)> {
    let line = tokens.last()?.line;
    let mut chain = Vec::new();
    let mut end = tokens.len();
    loop {
        let (segment, bracketed) = match &tokens[..end] {
            [.., Token {
                tok: Tok::Name(n), ..
            }] => (*n, false),
            [.., Token {
                tok: Tok::Sym("["), ..
            }, Token {
                tok: Tok::Str(s), ..
            }, Token {
                tok: Tok::Sym("]"), ..
            }] => (*s, true),
            _ if chain.is_empty() => return None,
            // The indexed object is an expression such as a call: the keys
            // read so far are the target.
            _ => break,
        };
        end -= if bracketed { 3 } else { 1 };
        chain.push(segment);
        let before = end.checked_sub(1).map(|j| &tokens[j].tok);
        match before {
            Some(Tok::Sym(".")) if !bracketed => end -= 1,
            Some(Tok::Name(_) | Tok::Sym("]")) if bracketed => {}
            Some(Tok::Name("local" | "for")) => return None,
            _ => break,
        }
    }
    chain.reverse();
    Some((chain, line))
}

#[derive(Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    line: usize,
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Name(&'a str),
    Str(&'a str),
    Sym(&'a str),
    Number,
}

/// Lua's tokens, without comments. Strings keep their raw text; numbers are
/// not read.
fn lex(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' | b'\r' => {
                line += 1;
                i += newline_at(bytes, i);
            }
            b if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some(level) = long_bracket(&bytes[i..]) {
                    let (end, lines) = long_end(bytes, i, level);
                    line += lines;
                    i = end;
                } else {
                    while i < bytes.len() && newline_at(bytes, i) == 0 {
                        i += 1;
                    }
                }
            }
            b'[' if long_bracket(&bytes[i..]).is_some() => {
                let level = long_bracket(&bytes[i..]).unwrap_or(0);
                let start_line = line;
                let open = i + level + 2;
                let (end, lines) = long_end(bytes, i, level);
                line += lines;
                let close = end.saturating_sub(level + 2).max(open);
                let s = text.get(open..close).unwrap_or("");
                tokens.push(Token {
                    tok: Tok::Str(s),
                    line: start_line,
                });
                i = end;
            }
            b'"' | b'\'' => {
                let start = i + 1;
                let start_line = line;
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    match bytes[i] {
                        b'\\' => match newline_at(bytes, i + 1) {
                            0 => i += 2,
                            n => {
                                line += 1;
                                i += 1 + n;
                            }
                        },
                        b'\n' | b'\r' => break,
                        _ => i += 1,
                    }
                }
                let s = text.get(start..i.min(bytes.len())).unwrap_or("");
                i += 1;
                tokens.push(Token {
                    tok: Tok::Str(s),
                    line: start_line,
                });
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push(Token {
                    tok: Tok::Name(&text[start..i]),
                    line,
                });
            }
            b if b.is_ascii_digit()
                || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                while i < bytes.len() {
                    let c = bytes[i];
                    let exponent = matches!(c, b'+' | b'-')
                        && matches!(bytes[i - 1], b'e' | b'E' | b'p' | b'P');
                    if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || exponent {
                        i += 1;
                    } else {
                        break;
                    }
                }
                tokens.push(Token {
                    tok: Tok::Number,
                    line,
                });
            }
            _ => {
                const LONG: &[&str] =
                    &["...", "==", "~=", "<=", ">=", "..", "::", "<<", ">>", "//"];
                let rest = &text[i..];
                let sym = LONG
                    .iter()
                    .find(|s| rest.starts_with(**s))
                    .copied()
                    .unwrap_or_else(|| {
                        let len = rest.chars().next().map_or(1, char::len_utf8);
                        &rest[..len]
                    });
                tokens.push(Token {
                    tok: Tok::Sym(sym),
                    line,
                });
                i += sym.len();
            }
        }
    }
    tokens
}

/// The level of a long bracket `[[` or `[==[` at the start, if there is one.
fn long_bracket(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let level = bytes[1..].iter().take_while(|&&b| b == b'=').count();
    (bytes.get(level + 1) == Some(&b'[')).then_some(level)
}

/// The end (past the closing bracket) of a long bracket opened at `start`,
/// and the newlines inside it.
fn long_end(bytes: &[u8], start: usize, level: usize) -> (usize, usize) {
    let mut close = vec![b']'];
    close.extend(std::iter::repeat_n(b'=', level));
    close.push(b']');
    let body = start + level + 2;
    let mut i = body;
    while i < bytes.len() {
        if bytes[i..].starts_with(&close) {
            return (i + close.len(), newlines(&bytes[start..i]));
        }
        i += 1;
    }
    (bytes.len(), newlines(&bytes[start..]))
}

/// The length of the line break at `i` as Lua reads one (`\n`, `\r`,
/// `\r\n` or `\n\r`), 0 for none: a script saved with old Mac line ends
/// has its lines counted as Lua counts them in its own errors.
fn newline_at(bytes: &[u8], i: usize) -> usize {
    match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'\n'), Some(b'\r')) | (Some(b'\r'), Some(b'\n')) => 2,
        (Some(b'\n' | b'\r'), _) => 1,
        _ => 0,
    }
}

/// How many line breaks `bytes` holds, as Lua counts them.
fn newlines(bytes: &[u8]) -> usize {
    let (mut count, mut i) = (0, 0);
    while i < bytes.len() {
        match newline_at(bytes, i) {
            0 => i += 1,
            n => {
                count += 1;
                i += n;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = r#"-- a comment: port = 1
local port = 8080
--[[ long
comment = 2 ]]
local out = {}
out.workers = 4
out["name"] = [[
multi]]
return {
  port = port,
  db = {
    host = "db1", url = "x = 1",
  },
  servers = { { host = "a" } },
  ok = port == 8080,
}
"#;

    #[test]
    fn assignments_give_lines_for_key_paths() {
        let a = Assignments::scan(SCRIPT);
        assert_eq!(a.line_of(&["port"]), Some(10));
        assert_eq!(a.line_of(&["workers"]), Some(6));
        assert_eq!(a.line_of(&["name"]), Some(7));
        assert_eq!(a.line_of(&["db"]), Some(11));
        assert_eq!(a.line_of(&["db", "host"]), Some(12));
        assert_eq!(a.line_of(&["db", "url"]), Some(12));
        assert_eq!(a.line_of(&["servers"]), Some(14));
        assert_eq!(a.line_of(&["ok"]), Some(15));
        // Inside a list item `host` has no table key, and `comment` is in
        // a comment.
        assert_eq!(a.line_of(&["servers", "host"]), None);
        assert_eq!(a.line_of(&["comment"]), None);
    }

    #[test]
    fn long_targets_are_matched_on_their_last_segments() {
        let chain: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let text = format!("local t = {{}}\n{} = 1\nreturn t", chain.join("."));
        let a = Assignments::scan(&text);
        let path: Vec<&str> = chain[1..].iter().map(String::as_str).collect();
        assert_eq!(a.line_of(&path), Some(2));
        assert_eq!(a.line_of(&["k39"]), Some(2));
        assert_eq!(a.line_of(&["k38"]), None);
        // Deep constructors: each assignment costs its own segments only.
        let deep = format!("{}x = 1, x = 2{}", "a = { ".repeat(5000), " }".repeat(5000));
        let a = Assignments::scan(&deep);
        assert_eq!(a.line_of(&["a", "a", "x"]), None);
        assert_eq!(a.line_of(&["a", "a"]), None);
    }

    /// Lines counted as Lua counts them: `\r`, `\n`, `\r\n` and `\n\r` are
    /// each one line break, in code, comments, strings and long brackets.
    #[test]
    fn every_kind_of_line_break_counts_once() {
        for nl in ["\n", "\r", "\r\n", "\n\r"] {
            let script = SCRIPT.replace('\n', nl);
            let a = Assignments::scan(&script);
            assert_eq!(a.line_of(&["port"]), Some(10), "{nl:?}");
            assert_eq!(a.line_of(&["name"]), Some(7), "{nl:?}");
            assert_eq!(a.line_of(&["ok"]), Some(15), "{nl:?}");
        }
        let escaped = "local s = 'a\\\r\nb'\rreturn {\r  port = 1,\r}\r";
        assert_eq!(Assignments::scan(escaped).line_of(&["port"]), Some(4));
    }

    #[test]
    fn ambiguous_keys_get_no_line() {
        let a = Assignments::scan("local t = {}\nif x then t.a = 1 else t.a = 2 end\nreturn t\n");
        assert_eq!(a.line_of(&["a"]), None);
        assert_eq!(a.line_of(&["b"]), None);
    }
}
