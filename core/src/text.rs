//! Reading typed values out of text, for env variables and flags: the rules
//! of Go's envconfig (base-prefixed integers, `strconv.ParseBool` booleans,
//! comma lists, `key:value` maps).

/// Whether a character may not be printed as it is: a control character
/// (a newline would start a line that looks like staid's own, an escape
/// acts on the terminal), or one that reorders text (Trojan Source).
pub(crate) fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
        // Line and paragraph separators end a line where Unicode is read.
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// How many terminal columns `c` takes, for a caret under a line: 0 for
/// combining marks and zero-width characters, 2 for East Asian wide and
/// fullwidth characters and pictographic emoji, 1 for the rest. The common
/// ranges only, not Unicode's whole width table (see README's design notes).
pub(crate) fn columns(c: char) -> usize {
    match c as u32 {
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0E31
        | 0x0E34..=0x0E3A
        | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200B..=0x200F
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F
        // Emoji skin tones, drawn within the emoji they follow.
        | 0x1F3FB..=0x1F3FF
        | 0xE0100..=0xE01EF => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x1F680..=0x1F6FF
        | 0x20000..=0x2FFFD
        | 0x30000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Pushes `c` to `out`, escaped (`\n`, `\u{1b}`) if it is unprintable.
pub(crate) fn push_printable(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if unprintable(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Text from outside (a key, a variable's or a file's name) as a report may
/// print it: unprintable characters escaped, the rest as it is.
pub(crate) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    s.chars().for_each(|c| push_printable(&mut out, c));
    out.into()
}

/// The most characters of a value that a message quotes: a value of a
/// megabyte is a megabyte of error otherwise.
const MAX_QUOTED: usize = 64;

/// `s` quoted as in Rust source (`"a\tb"`), cut after [`MAX_QUOTED`]
/// characters with how long it was.
pub(crate) fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        None => format!("{s:?}"),
        Some((cut, _)) => {
            let shown = format!("{:?}", &s[..cut]);
            format!(
                "{}...\" ({} characters)",
                &shown[..shown.len() - 1],
                s.chars().count()
            )
        }
    }
}

/// A message cut to a length that a report can hold: messages from a
/// field's own type (serde's `invalid value: string "..."`) may quote the
/// whole value.
pub(crate) fn bounded(message: String) -> String {
    match message.char_indices().nth(MAX_SHOWN) {
        None => message,
        Some((cut, _)) => format!("{}... (cut at {MAX_SHOWN} characters)", &message[..cut]),
    }
}

/// The most characters of one message, or of one name in it, a report shows.
const MAX_SHOWN: usize = 512;

/// A message longer than this many characters has its long words cut.
/// Above any message staid writes itself, and above a script's own
/// messages, which are cut at 1 KiB as a whole.
const MAX_MESSAGE: usize = 2048;

/// `message`, if longer than [`MAX_MESSAGE`] characters, with every word
/// (a run without whitespace) longer than [`MAX_SHOWN`] characters cut, or
/// `None` if nothing is: a variable, flag or key name of thousands of
/// characters would otherwise swamp the report that names it.
pub(crate) fn cut_long_words(message: &str) -> Option<String> {
    if message.len() <= MAX_MESSAGE || message.chars().nth(MAX_MESSAGE).is_none() {
        return None;
    }
    let mut out = String::with_capacity(MAX_SHOWN * 2);
    let mut cut = false;
    for piece in message.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        match word.char_indices().nth(MAX_SHOWN) {
            Some((at, _)) => {
                cut = true;
                out.push_str(&word[..at]);
                out.push_str(&format!("... (cut at {MAX_SHOWN} characters)"));
                out.push_str(&piece[word.len()..]);
            }
            None => out.push_str(piece),
        }
    }
    cut.then_some(out)
}

/// Go's `strconv.ParseBool` forms.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// An integer in decimal or with a `0x`, `0o` or `0b` prefix, with an
/// optional sign and `_` separators (Go's `strconv.ParseInt(s, 0, ..)`),
/// except that a decimal with a leading zero (`017`), which Go reads as
/// octal and a reader of the text may take for decimal, is refused rather
/// than read either way.
pub(crate) fn parse_int(s: &str) -> Option<i128> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ => (10, digits),
    };
    // `_` only between digits, one at a time, as Go reads them.
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.starts_with(['+', '-']) || (radix == 10 && leading_zero(&cleaned)) {
        return None;
    }
    // Read with its sign, so that `i128::MIN`, whose magnitude no `i128`
    // holds, is read too.
    let signed = match negative {
        true => format!("-{cleaned}"),
        false => cleaned,
    };
    i128::from_str_radix(&signed, radix).ok()
}

/// Decimal digits with a zero before others: `017`, `00`.
fn leading_zero(digits: &str) -> bool {
    digits.len() > 1 && digits.starts_with('0')
}

/// Why integer text was refused, when the reason is not plain: a leading
/// zero.
pub(crate) fn int_hint(s: &str) -> Option<&'static str> {
    let digits = s.trim().trim_start_matches(['+', '-']);
    let decimal = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if decimal && leading_zero(&digits.replace('_', "")) {
        return Some(
            "a leading 0 is ambiguous: drop it for decimal, or use the 0o prefix for octal",
        );
    }
    // Digits only, and no i128: more of them than an i128 holds.
    let digits = digits.replace('_', "");
    (decimal && digits.parse::<i128>().is_err())
        .then_some("it is past the range of i128, the largest integer staid reads")
}

/// A float, as Rust's `f64::from_str` reads it (also `inf`, `NaN`), except
/// that a number too large for `f64` is refused rather than read as
/// infinity: only `inf` and `infinity` are infinite.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let s = s.trim();
    let x: f64 = s.parse().ok()?;
    let written_infinite = s
        .trim_start_matches(['+', '-'])
        .get(..3)
        .is_some_and(|head| head.eq_ignore_ascii_case("inf"));
    (x.is_finite() || written_infinite || x.is_nan()).then_some(x)
}

/// Splits on `sep`, where a backslash escapes the separator (`a\,b` is one
/// item `a,b`) and itself (`\\`). Items are trimmed; an empty text is an empty
/// list.
pub(crate) fn split_escaped(s: &str, sep: char) -> Vec<String> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next) if next == sep || next == '\\' => current.push(next),
                Some(next) => {
                    current.push('\\');
                    current.push(next);
                }
                None => current.push('\\'),
            }
        } else if c == sep {
            items.push(current.trim().to_owned());
            current.clear();
        } else {
            current.push(c);
        }
    }
    items.push(current.trim().to_owned());
    items
}

/// Whether env or flag text is inline JSON (`[1, 2]`, `{"a": 1}`) rather
/// than a list of items. It opens with `[` or `{` and what follows could
/// start JSON. A number or a word there counts only when the brackets close
/// at the very end, and no `:` stands in an array outside an object or a
/// string (JSON has none there): so `[2001:db8::1]:8080`, `[::1]:80,[::2]:80`
/// and `[WARN] x` are text.
pub(crate) fn looks_like_json(s: &str) -> bool {
    let s = s.trim();
    if !s.starts_with(['[', '{']) {
        return false;
    }
    let rest = s[1..].trim_start();
    let word = |w: &str| {
        rest.strip_prefix(w)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
    };
    match rest.chars().next() {
        Some('[' | '{' | '"' | ']' | '}') => true,
        Some('-' | '0'..='9') => closes_like_json(s),
        Some(_) => (word("true") || word("false") || word("null")) && closes_like_json(s),
        None => false,
    }
}

/// Whether the bracket `s` opens with closes at its end, with no `:` in an
/// array outside a string.
fn closes_like_json(s: &str) -> bool {
    let mut open: Vec<char> = Vec::new();
    let mut chars = s.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => open.push(c),
            ']' | '}' => {
                open.pop();
                if open.is_empty() {
                    return at + 1 == s.len();
                }
            }
            ':' if open.last() == Some(&'[') => return false,
            _ => {}
        }
    }
    false
}

/// A comma-separated list of text, as values of text with `origin`: how env
/// and flag text becomes a list, both for the typed build and for
/// `merge = "append"`, which must split it the same way.
pub(crate) fn list_values(s: &str, origin: &crate::Origin) -> Vec<crate::Value> {
    split_escaped(s, ',')
        .into_iter()
        .map(|item| crate::Value::text(item, origin.clone()))
        .collect()
}

/// Text from env, a flag or a `.env` file for a list, made the list that
/// the build reads from it: inline JSON (`["a", "b"]`) parsed, other text
/// split at commas where `split` (not for a list of sections, which only
/// JSON gives). Left as it is when typed, or when its JSON does not parse,
/// which the build reports.
pub(crate) fn text_to_list(value: &mut crate::Value, split: bool) {
    let (crate::Kind::String(text), true) = (&value.kind, value.is_text()) else {
        return;
    };
    let trimmed = text.trim_start();
    if looks_like_json(trimmed) {
        if let Ok(parsed) = crate::format::inline_json(trimmed, &value.origin) {
            *value = parsed;
        }
    } else if split {
        value.kind = crate::Kind::Array(list_values(text, &value.origin));
    }
}

/// A float as messages show it: in full where that is short (`1.5`, `7`),
/// in exponent form where the full form would run to hundreds of digits
/// (`5e-324`, `1e300`).
pub(crate) fn float(x: f64) -> String {
    let tiny = x != 0.0 && x.abs() < 1e-5;
    match x.is_finite() && (tiny || x.abs() >= 1e16) {
        true => format!("{x:e}"),
        false => x.to_string(),
    }
}

/// The types of a comma-separated list of them, split at the top level
/// only (`u16, Vec<(u8, u8)>` is two), trimmed; a trailing comma adds none.
pub(crate) fn type_list(types: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in types.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(types[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = types[start..].trim();
    if !last.is_empty() {
        items.push(last);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_past_the_bound_are_cut() {
        assert_eq!(cut_long_words("unknown key"), None);
        // Short messages stay whole, even with a long word.
        assert_eq!(cut_long_words(&"x".repeat(2048)), None);
        assert_eq!(cut_long_words(&"é".repeat(1500)), None);
        let words = format!("a {}", "x ".repeat(3000));
        assert_eq!(cut_long_words(&words), None);
        let long = "é".repeat(3000);
        let cut = cut_long_words(&format!("unknown {long}\n  tail")).unwrap();
        assert_eq!(
            cut,
            format!(
                "unknown {}... (cut at 512 characters)\n  tail",
                "é".repeat(512)
            )
        );
    }

    #[test]
    fn inline_json_is_told_from_lists_of_addresses_and_words() {
        for json in [
            "[1, 2]",
            " [] ",
            "[\"a,b\", \"c\"]",
            "[[1], [2]]",
            "{\"a\": 1}",
            "[true]",
            "[-1]",
        ] {
            assert!(looks_like_json(json), "{json}");
        }
        for text in [
            "[::1]:8080,0.0.0.0:80",
            "[::1]",
            "[fe80::1]:80",
            "[WARN] x,y",
            "{x},y",
            "[falsey]",
            "a,b",
            "[1",
        ] {
            assert!(!looks_like_json(text), "{text}");
        }
    }

    #[test]
    fn integers_in_every_base() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-0x1F"), Some(-31));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("--1"), None);
        assert_eq!(parse_int("12a"), None);
        assert_eq!(parse_int("1__0"), None);
        // The extremes of i128, the one without a positive twin too.
        assert_eq!(parse_int(&i128::MIN.to_string()), Some(i128::MIN));
        assert_eq!(parse_int(&i128::MAX.to_string()), Some(i128::MAX));
        assert_eq!(
            parse_int(&format!("-0x8{}", "0".repeat(31))),
            Some(i128::MIN)
        );
        assert_eq!(parse_int(&format!("0x8{}", "0".repeat(31))), None);
        assert_eq!(parse_int("1_0\u{660}"), None);
        assert_eq!(parse_int("0b"), None);
        assert_eq!(parse_int("-"), None);
        // Go reads these as octal: refused, not read as decimal.
        assert_eq!(parse_int("017"), None);
        assert_eq!(parse_int("-0_7"), None);
        assert_eq!(parse_int("00"), None);
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("-0"), Some(0));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0x0f"), Some(15));
        assert!(int_hint("017").is_some());
        assert!(int_hint("0x0f").is_none() && int_hint("17").is_none());
    }

    #[test]
    fn floats_too_large_are_refused_and_infinity_is_spelled_out() {
        assert_eq!(parse_float(" 1.5e3 "), Some(1500.0));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("-1e400"), None);
        assert_eq!(parse_float("1e-400"), Some(0.0));
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("+inf"), Some(f64::INFINITY));
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("1_0"), None);
        assert_eq!(parse_float("1\u{660}"), None);
    }

    #[test]
    fn booleans_as_go_reads_them() {
        for t in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn lists_split_on_unescaped_commas() {
        assert_eq!(split_escaped("a, b,c", ','), ["a", "b", "c"]);
        assert_eq!(split_escaped(r"a\,b,c", ','), ["a,b", "c"]);
        assert_eq!(split_escaped("", ','), Vec::<String>::new());
    }
}
