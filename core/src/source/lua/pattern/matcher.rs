//! The matcher of Lua 5.4's `lstrlib.c`, each step counted.

use mlua::{Lua as State, MultiValue, Value as LuaValue};

use super::super::meter::{Meter, STEP};

/// Lua's `MAXCCALLS` for patterns: how deep a match may recurse.
const MAX_DEPTH: usize = 200;
/// Lua's `LUA_MAXCAPTURES`.
const MAX_CAPTURES: usize = 32;
/// Lua's `SPECIALS`: a pattern without them is searched for as it is.
pub(super) const SPECIALS: &[u8] = b"^$*+?.([%-";
pub(super) const ESC: u8 = b'%';

/// What a capture holds: its text's length, or one of these.
const UNFINISHED: isize = -1;
const POSITION: isize = -2;

/// Bytes compared by one step, where a step compares text in bulk (a plain
/// search, a back-reference).
pub(super) const BULK: usize = 64;

pub(super) type Result<T> = mlua::Result<T>;

pub(super) fn error<T>(message: impl Into<String>) -> Result<T> {
    Err(mlua::Error::runtime(message.into()))
}

/// One match of a pattern against a subject, as Lua's `MatchState`.
pub(super) struct Matcher<'a> {
    pub(super) src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    level: usize,
    capture: [(usize, isize); MAX_CAPTURES],
    meter: &'a Meter,
    steps: u32,
}

impl<'a> Matcher<'a> {
    pub(super) fn new(src: &'a [u8], pat: &'a [u8], meter: &'a Meter) -> Matcher<'a> {
        Matcher {
            src,
            pat,
            depth: MAX_DEPTH,
            level: 0,
            capture: [(0, 0); MAX_CAPTURES],
            meter,
            steps: 0,
        }
    }

    /// For a new match: Lua's `reprepstate`.
    pub(super) fn reset(&mut self) {
        self.depth = MAX_DEPTH;
        self.level = 0;
    }

    /// Counts `n` steps; each [`STEP`] of them is charged to the meter,
    /// which looks at the limits. (Inlined, as the other small helpers of
    /// the matcher's inner loops: it is most of a step's work otherwise.)
    #[inline(always)]
    pub(super) fn step(&mut self, n: usize) -> Result<()> {
        let steps = self.steps as usize + n;
        if steps < STEP as usize {
            self.steps = steps as u32;
            return Ok(());
        }
        self.charge(steps)
    }

    fn charge(&mut self, mut steps: usize) -> Result<()> {
        while steps >= STEP as usize {
            steps -= STEP as usize;
            self.meter.tick()?;
        }
        self.steps = steps as u32;
        Ok(())
    }

    /// The pattern's byte at `i`; past its end `0`, as C reads the
    /// terminating NUL of a Lua string.
    #[inline(always)]
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn s(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn class_end(&self, mut p: usize) -> Result<usize> {
        let c = self.p(p);
        p += 1;
        match c {
            ESC => {
                if p >= self.pat.len() {
                    return error("malformed pattern (ends with '%')");
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.p(p) == b'^' {
                    p += 1;
                }
                // Look for the `]`; the first character is never it.
                loop {
                    if p >= self.pat.len() {
                        return error("malformed pattern (missing ']')");
                    }
                    let c = self.pat[p];
                    p += 1;
                    if c == ESC && p < self.pat.len() {
                        p += 1;
                    }
                    if self.p(p) == b']' {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Whether `c` is in the set from the `[` at `p` to the `]` at `end`.
    fn bracket(&self, c: u8, mut p: usize, end: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= end {
                return !sig;
            }
            if self.pat[p] == ESC {
                p += 1;
                if class(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < end {
                p += 2;
                if self.pat[p - 2] <= c && c <= self.pat[p] {
                    return sig;
                }
            } else if self.pat[p] == c {
                return sig;
            }
        }
    }

    /// Whether the subject's byte at `s` matches the single item at `p`,
    /// which ends at `ep`.
    #[inline(always)]
    fn single(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            ESC => class(c, self.p(p + 1)),
            b'[' => self.bracket(c, p, ep - 1),
            other => other == c,
        }
    }

    fn balance(&mut self, mut s: usize, p: usize) -> Result<Option<usize>> {
        if p + 1 >= self.pat.len() {
            return error("malformed pattern (missing arguments to '%b')");
        }
        if self.s(s) != self.pat[p] {
            return Ok(None);
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        let mut depth = 1;
        let start = s;
        s += 1;
        while s < self.src.len() {
            let c = self.src[s];
            if c == close {
                depth -= 1;
                if depth == 0 {
                    self.step((s - start) / BULK)?;
                    return Ok(Some(s + 1));
                }
            } else if c == open {
                depth += 1;
            }
            s += 1;
        }
        self.step((s - start) / BULK)?;
        Ok(None)
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>> {
        let mut i = 0;
        while self.single(s + i, p, ep) {
            i += 1;
        }
        self.step(i / BULK)?;
        loop {
            if let Some(end) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(end));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Result<Option<usize>> {
        loop {
            if let Some(end) = self.do_match(s, ep + 1)? {
                return Ok(Some(end));
            }
            if !self.single(s, p, ep) {
                return Ok(None);
            }
            s += 1;
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Result<Option<usize>> {
        if self.level >= MAX_CAPTURES {
            return error("too many captures");
        }
        self.capture[self.level] = (s, what);
        self.level += 1;
        let end = self.do_match(s, p)?;
        if end.is_none() {
            self.level -= 1;
        }
        Ok(end)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>> {
        let Some(l) = (0..self.level)
            .rev()
            .find(|&l| self.capture[l].1 == UNFINISHED)
        else {
            return error("invalid pattern capture");
        };
        self.capture[l].1 = (s - self.capture[l].0) as isize;
        let end = self.do_match(s, p)?;
        if end.is_none() {
            self.capture[l].1 = UNFINISHED;
        }
        Ok(end)
    }

    /// A back-reference `%1`..`%9` at `s`.
    fn back_reference(&mut self, s: usize, digit: u8) -> Result<Option<usize>> {
        let l = digit as isize - b'1' as isize;
        if l < 0 || l as usize >= self.level || self.capture[l as usize].1 == UNFINISHED {
            return error(format!("invalid capture index %{}", l + 1));
        }
        let (init, len) = self.capture[l as usize];
        // A position capture has no text: it never matches.
        let Ok(len) = usize::try_from(len) else {
            return Ok(None);
        };
        self.step(len / BULK)?;
        let same = self.src.len() - s >= len && self.src[init..init + len] == self.src[s..s + len];
        Ok(same.then_some(s + len))
    }

    pub(super) fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>> {
        if self.depth == 0 {
            return error("pattern too complex");
        }
        self.depth -= 1;
        let end = self.match_here(s, p)?;
        self.depth += 1;
        Ok(end)
    }

    /// Lua's `match`, its tail calls as a loop.
    fn match_here(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>> {
        loop {
            self.step(1)?;
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' if self.p(p + 1) == b')' => return self.start_capture(s, p + 2, POSITION),
                b'(' => return self.start_capture(s, p + 1, UNFINISHED),
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                ESC if self.p(p + 1) == b'b' => match self.balance(s, p + 2)? {
                    Some(end) => {
                        s = end;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                ESC if self.p(p + 1) == b'f' => {
                    p += 2;
                    if self.p(p) != b'[' {
                        return error("missing '[' after '%f' in pattern");
                    }
                    let ep = self.class_end(p)?;
                    let previous = if s == 0 { 0 } else { self.src[s - 1] };
                    if !self.bracket(previous, p, ep - 1) && self.bracket(self.s(s), p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                ESC if self.p(p + 1).is_ascii_digit() => {
                    match self.back_reference(s, self.p(p + 1))? {
                        Some(end) => {
                            s = end;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {}
            }
            // A single item, and what may follow it.
            let ep = self.class_end(p)?;
            let suffix = self.p(ep);
            if !self.single(s, p, ep) {
                if matches!(suffix, b'*' | b'?' | b'-') {
                    p = ep + 1;
                    continue;
                }
                return Ok(None);
            }
            match suffix {
                b'?' => {
                    if let Some(end) = self.do_match(s + 1, ep + 1)? {
                        return Ok(Some(end));
                    }
                    p = ep + 1;
                }
                b'+' => return self.max_expand(s + 1, p, ep),
                b'*' => return self.max_expand(s, p, ep),
                b'-' => return self.min_expand(s, p, ep),
                _ => {
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    /// The first place at or after `from` where `needle` stands as it is,
    /// as Lua's `lmemfind` finds it, charged by the bytes it compares.
    pub(super) fn find_plain(&mut self, from: usize, needle: &[u8]) -> Result<Option<usize>> {
        let Some(&first) = needle.first() else {
            return Ok(Some(from));
        };
        let Some(last) = self.src.len().checked_sub(needle.len()) else {
            return Ok(None);
        };
        let mut at = from;
        while at <= last {
            let Some(i) = self.src[at..=last].iter().position(|&c| c == first) else {
                self.step((last + 1 - at) / BULK)?;
                return Ok(None);
            };
            let start = at + i;
            let rest = &self.src[start + 1..start + needle.len()];
            let chunks = rest.chunks(BULK).zip(needle[1..].chunks(BULK));
            let mut compared = 0;
            let mut same = true;
            for (a, b) in chunks {
                compared += 1;
                if a != b {
                    same = false;
                    break;
                }
            }
            self.step(1 + i / BULK + compared)?;
            if same {
                return Ok(Some(start));
            }
            at = start + 1;
        }
        Ok(None)
    }

    /// Capture `i` of a match from `s` to `e` (the whole match when the
    /// pattern has no captures and `i` is 0).
    pub(super) fn capture_value(
        &self,
        lua: &State,
        i: usize,
        s: usize,
        e: usize,
    ) -> Result<LuaValue> {
        if i >= self.level {
            if i != 0 {
                return error(format!("invalid capture index %{}", i + 1));
            }
            return Ok(LuaValue::String(lua.create_string(&self.src[s..e])?));
        }
        match self.capture[i] {
            (_, UNFINISHED) => error("unfinished capture"),
            (init, POSITION) => Ok(LuaValue::Integer(init as i64 + 1)),
            (init, len) => Ok(LuaValue::String(
                lua.create_string(&self.src[init..init + len as usize])?,
            )),
        }
    }

    /// Every capture, or the whole match from `s` to `e` when there are
    /// none; for `find`, `whole` is false and no captures are nothing.
    pub(super) fn captures(
        &self,
        lua: &State,
        s: usize,
        e: usize,
        whole: bool,
    ) -> Result<MultiValue> {
        let n = if self.level == 0 && whole {
            1
        } else {
            self.level
        };
        (0..n).map(|i| self.capture_value(lua, i, s, e)).collect()
    }
}

/// Lua's `match_class` in the C locale.
#[inline(always)]
fn class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        // C's `isspace` has the vertical tab, Rust's whitespace has not.
        b's' => c == b' ' || (b'\t'..=b'\r').contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
    }
}
