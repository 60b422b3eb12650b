//! Integers, floats and datetimes as the decoder hands them over, checked
//! for what it lets through, each fault an error at its place. Each is
//! `#[inline]`: it runs for every scalar, from the parser in another module.

use toml_parser::{ErrorSink, Expected, ParseError, Span};

use crate::value::Kind;

/// Forwards errors, counting them.
pub(super) struct Counted<'s> {
    pub(super) sink: &'s mut dyn ErrorSink,
    pub(super) count: usize,
}

impl ErrorSink for Counted<'_> {
    fn report_error(&mut self, error: ParseError) {
        self.count += 1;
        self.sink.report_error(error);
    }
}

/// A decoded integer the decoder found no fault with. Values past `i64` are
/// kept (a `u64` field may want them; the field's type checks the range),
/// and one past even `i128` is an error at its place, never text. The
/// decoder lets through a radix prefix without digits (`0x`) and non-ASCII
/// digits after a `_` (`1_0٠`): those are errors here, at the first
/// character that is not a digit, so that a half-edited value never reads
/// as 0.
#[inline]
pub(super) fn integer(
    raw: &str,
    digits: &str,
    radix: u32,
    span: Span,
    error: &mut dyn ErrorSink,
) -> Kind {
    if radix == 10 {
        if let Ok(n) = digits.parse::<i64>() {
            return Kind::Integer(n.into());
        }
    }
    if let Ok(n) = i128::from_str_radix(digits, radix) {
        return Kind::Integer(n);
    }
    let unsigned = digits.trim_start_matches(['+', '-']);
    if !unsigned.is_empty() && unsigned.chars().all(|c| c.is_digit(radix)) {
        error.report_error(ParseError::new("integer is out of range").with_unexpected(span));
        return Kind::Integer(0);
    }
    let body = if radix == 10 {
        raw.len() - raw.trim_start_matches(['+', '-']).len()
    } else {
        2
    };
    let bad = raw
        .get(body..)
        .and_then(|rest| {
            rest.char_indices()
                .find(|&(_, c)| c != '_' && !c.is_digit(radix))
        })
        .map_or(raw.len()..raw.len(), |(i, c)| {
            body + i..body + i + c.len_utf8()
        });
    let start = span.start() + bad.start;
    let at = Span::new_unchecked(start, start + bad.len());
    let what = match radix {
        16 => "invalid hexadecimal number",
        8 => "invalid octal number",
        2 => "invalid binary number",
        _ => "invalid integer",
    };
    error.report_error(
        ParseError::new(what)
            .with_expected(&[Expected::Description("digits")])
            .with_unexpected(at),
    );
    Kind::Integer(0)
}

/// A decoded float. Rust reads every TOML float, `inf` and `nan` with their
/// signs included (the decoder has dropped the `_` separators); a number
/// too large for `f64` is an error, as in `toml`, never infinity.
#[inline]
pub(super) fn float(text: &str, span: Span, error: &mut dyn ErrorSink) -> Kind {
    let x: f64 = match text.parse() {
        Ok(x) => x,
        Err(_) => {
            error.report_error(ParseError::new("invalid float").with_unexpected(span));
            return Kind::Float(f64::NAN);
        }
    };
    if x.is_infinite() && !text.ends_with("inf") {
        error.report_error(ParseError::new("float is out of range").with_unexpected(span));
    }
    Kind::Float(x)
}

/// A date, time or datetime, checked and kept in its RFC 3339 text form
/// (`T` and `Z` upper case, as `toml` writes it).
#[inline]
pub(super) fn datetime(text: &str, span: Span, error: &mut dyn ErrorSink) -> Kind {
    match text.parse::<toml_datetime::Datetime>() {
        Ok(d) => Kind::Datetime(d.to_string()),
        Err(e) => {
            error.report_error(ParseError::new(e.to_string()).with_unexpected(span));
            Kind::Datetime(text.to_owned())
        }
    }
}
