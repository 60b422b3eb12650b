//! The keys a text names even when it does not parse: after a syntax error,
//! a required key that the broken file sets is not also reported missing
//! (the file is what needs fixing, and the one error says where).
//!
//! The scan is lenient and line-based for TOML and token-based for JSON;
//! a key it finds by mistake only keeps back a "missing" message.

use super::Format;

/// The dotted key paths that `text` appears to set.
pub(crate) fn keys(format: Format, text: &str) -> Vec<String> {
    match format {
        Format::Toml => toml_keys(text),
        Format::Json => json_keys(text),
    }
}

/// `[table]` and `[[array]]` headers and `key = value` lines, dotted keys
/// included, quotes removed.
fn toml_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut table = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_start_matches('[');
            let Some(end) = header.find(']') else {
                continue;
            };
            // Keys under an array of tables sit below an index, which a
            // line scan cannot know.
            table = if line.starts_with("[[") {
                String::from("\0")
            } else {
                dotted(&header[..end])
            };
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        if table.starts_with('\0') {
            continue;
        }
        let key = dotted(key);
        if key.is_empty() {
            continue;
        }
        keys.push(match table.is_empty() {
            true => key,
            false => format!("{table}.{key}"),
        });
    }
    keys
}

/// A TOML key as a path: parts trimmed, quotes removed. Empty for a blank
/// key, without allocating: a garbage file has one on every line.
fn dotted(key: &str) -> String {
    let mut path = String::new();
    if key.trim().is_empty() {
        return path;
    }
    for (i, part) in key.split('.').enumerate() {
        if i > 0 {
            path.push('.');
        }
        path.push_str(part.trim().trim_matches(|c| c == '"' || c == '\''));
    }
    path
}

/// Every object key, by the path of objects around it; keys inside arrays
/// are left out (their paths hold an index).
fn json_keys(text: &str) -> Vec<String> {
    // What each open bracket is: an object at a path, or an array.
    let mut open: Vec<Option<String>> = Vec::new();
    let mut keys = Vec::new();
    let mut last_key: Option<String> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                let mut s = String::new();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        c => s.push(c),
                    }
                }
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|(_, c)| *c == ':') {
                    if let Some(Some(path)) = open.last() {
                        let key = match path.is_empty() {
                            true => s,
                            false => format!("{path}.{s}"),
                        };
                        keys.push(key.clone());
                        last_key = Some(key);
                    } else {
                        last_key = None;
                    }
                }
            }
            '{' => {
                let path = match open.last() {
                    None => Some(String::new()),
                    Some(Some(_)) => last_key.take(),
                    Some(None) => None,
                };
                open.push(path);
            }
            '[' => open.push(None),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_keys_survive_a_syntax_error() {
        let text = "port = 9\n[db]\nurl = \"x\"\n\"pool size\" = 3\n[oops\n[[routes]]\npath = 1\n";
        assert_eq!(toml_keys(text), ["port", "db.url", "db.pool size"]);
    }

    #[test]
    fn json_keys_follow_the_objects() {
        let text =
            r#"{"port": 9, "db": {"url": "x", "pool": }, "routes": [{"path": 1}], "t": "a\"b""#;
        assert_eq!(
            json_keys(text),
            ["port", "db", "db.url", "db.pool", "routes", "t"]
        );
    }
}
