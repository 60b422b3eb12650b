//! What keeps Lua's parser in C, past every hook, and how much of it a
//! chunk may ask for: each chunk's text is weighed in one pass before
//! Lua parses it, and one that would take too long is refused.

/// Why a chunk's text is not parsed, if it would keep Lua's parser in C,
/// past every hook, for more than `steps`: the parser matches each `goto`
/// with the labels of its function, so their product is its work, and a
/// `break` is a `goto` to the loop's end, matched the same way (allowed as
/// chains are, below: breaks are common and mostly in small loops apart
/// from any label). Each label is also checked against the labels before
/// it, so labels alone take their square, allowed as chains are too. All are counted wherever the
/// words stand (comments and strings too), which only errs high, in one
/// pass.
///
/// Likewise a chain of `and`, `or` or `elseif`: the parser walks the list of
/// the chain's jumps to its end for each link, so a chain of `n` takes `n²`
/// steps. A chain of `and` and `or` is taken to run on across lines only
/// where a line ends with one or the next begins with one (a long chain is
/// written so, or on one line); `elseif`s are counted in the whole text.
/// Their squares are allowed a few dozen times `steps` (a chain of ten
/// thousand or so at the default memory limit, a few tenths of a second of
/// parsing at the most). Words in comments and strings count too, which
/// only errs high.
///
/// And each name: the parser looks it up among the locals and upvalues of
/// its function and of every function around it, one by one (see
/// [`lookups`]), allowed as chains are.
pub(super) fn unparsable(text: &[u8], steps: u64) -> Option<String> {
    let (mut colons, mut gotos, mut breaks) = (0u64, 0u64, 0u64);
    let word_at = |i: usize, word: &[u8]| {
        let edge = |b: Option<&u8>| !b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        text[i..].starts_with(word)
            && edge(i.checked_sub(1).and_then(|j| text.get(j)))
            && edge(text.get(i + word.len()))
    };
    for (i, &c) in text.iter().enumerate() {
        match c {
            b':' if text.get(i + 1) == Some(&b':') => colons += 1,
            b'g' if text[i..].starts_with(b"goto") => gotos += 1,
            b'b' if word_at(i, b"break") => breaks += 1,
            _ => {}
        }
    }
    let labels = colons / 2;
    // Breaks are common and mostly sit in small loops of their own, apart
    // from the labels: allowed as chains are.
    let allowed = steps.saturating_mul(CHAIN_STEPS);
    let (chained, longest) = chains(text);
    let lookups = lookups(text);
    let checks = [
        (
            labels.saturating_mul(gotos),
            steps,
            format!("its {labels} labels and {gotos} gotos take"),
        ),
        (
            labels.saturating_mul(breaks),
            allowed,
            format!("its {labels} labels and {breaks} breaks take"),
        ),
        (
            labels.saturating_mul(labels),
            allowed,
            format!("its {labels} labels take"),
        ),
        (
            chained,
            allowed,
            format!("a chain of {longest} `and`, `or` or `elseif` takes up to"),
        ),
        (
            lookups.work,
            allowed,
            format!(
                "looking up its {} names among up to {} variables in scope takes",
                lookups.names, lookups.widest
            ),
        ),
    ];
    checks
        .into_iter()
        .find(|(work, most, _)| work > most)
        .map(|(work, most, what)| {
            format!(
                "{what} {work} steps to parse, more than a configuration script may take (at most \
             {most})"
            )
        })
}

/// The parser's steps for the chains of `and`, `or` and `elseif` in `text`
/// (the sum of their squares), and the longest chain.
fn chains(text: &[u8]) -> (u64, u64) {
    let is_link = |w: &[u8]| w == b"and" || w == b"or";
    let (mut sum, mut longest, mut run, mut elseifs) = (0u64, 0u64, 0u64, 0u64);
    let mut open = false;
    for line in text.split(|&b| b == b'\n') {
        let words: Vec<&[u8]> = line
            .split(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .filter(|w| !w.is_empty())
            .collect();
        let links = words.iter().filter(|w| is_link(w)).count() as u64;
        elseifs += words.iter().filter(|w| **w == b"elseif").count() as u64;
        let starts = words.first().is_some_and(|w| is_link(w));
        if !(open || starts) {
            sum = sum.saturating_add(run.saturating_mul(run));
            longest = longest.max(run);
            run = 0;
        }
        run += links;
        open = words.last().is_some_and(|w| is_link(w));
    }
    sum = sum.saturating_add(run.saturating_mul(run));
    longest = longest.max(run).max(elseifs);
    (sum.saturating_add(elseifs.saturating_mul(elseifs)), longest)
}

/// How many times [`Limits::steps`](super::meter::Limits::steps) the
/// parser may spend on chains of `and`, `or` and `elseif`.
const CHAIN_STEPS: u64 = 64;

/// The parser's work of looking up the names of a chunk.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Lookups {
    /// Steps in all, the variables each name is compared with summed.
    pub(super) work: u64,
    /// Names looked up (every name that is not a field after `.` or `:`).
    pub(super) names: u64,
    /// The most variables a lookup was compared with.
    pub(super) widest: u64,
}

/// Lua's limits on one function: active locals (`MAXVARS`) and upvalues
/// (`MAXUPVAL`); past them the parser stops with an error.
const MAX_LOCALS: u64 = 200;
const MAX_UPVALUES: u64 = 255;

/// A function being parsed: its active locals, and what a lookup that
/// reaches it costs.
struct Level {
    locals: u64,
    /// Active locals of the functions around it, each of which it may
    /// hold as an upvalue (with `_ENV`).
    outer: u64,
}

impl Level {
    fn cost(&self) -> u64 {
        self.locals.min(MAX_LOCALS) + (self.outer + 1).min(MAX_UPVALUES)
    }
}

/// A block being parsed, and the locals it declared.
struct Block {
    locals: u64,
    function: bool,
    /// A `while` or `for` whose `do` is still to come.
    awaits_do: bool,
}

/// What the names being read are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Code,
    /// After `local` or a comma of its list: a name is a new local.
    Locals,
    /// After a local's name: a comma or an attribute may follow.
    LocalsAfter,
    /// In a local's attribute (`<const>`).
    Attribute,
    /// After `for`: loop variables, up to `=` or `in`.
    ForNames,
    /// After `function`: its name, then its parameters.
    FunctionName {
        method: bool,
    },
    Params,
}

/// The work of the parser's name lookups in `text`. Lua compares a name
/// with the active locals of its function, last declared first, then its
/// upvalues, then does the same in the function around it, and so on out:
/// a name costs the locals and upvalues of every function it stands in.
/// A global name is also looked up again as `_ENV`. Nothing of this is
/// interrupted by hooks, so a few hundred nested functions of a couple of
/// hundred locals each, and a name written a million times inside them,
/// keep the parser busy for many seconds.
///
/// Reads the tokens (comments and strings skipped), follows the blocks
/// and functions, and counts each name at the cost of every function it
/// stands in, upvalues taken at the most each function could have. That
/// only errs high: a name found early costs less, and a field name in a
/// table constructor is not looked up at all.
pub(super) fn lookups(text: &[u8]) -> Lookups {
    let mut out = Lookups::default();
    let mut levels = vec![Level {
        locals: 0,
        outer: 0,
    }];
    let mut blocks = vec![Block {
        locals: 0,
        function: true,
        awaits_do: false,
    }];
    // The cost of a lookup that reaches the outermost function.
    let mut cost = levels[0].cost();
    let mut reading = Reading::Code;
    let mut after_dot = false;
    let mut i = 0;
    // Adds `n` locals to the innermost block and function.
    let declare = |levels: &mut Vec<Level>, blocks: &mut Vec<Block>, cost: &mut u64, n: i64| {
        let level = levels.last_mut().expect("the chunk's level stays");
        *cost -= level.cost();
        level.locals = level.locals.saturating_add_signed(n);
        *cost += level.cost();
        if let Some(block) = blocks.last_mut() {
            block.locals = block.locals.saturating_add_signed(n);
        }
    };
    while i < text.len() {
        let c = text[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && text.get(i + 1) == Some(&b'-') {
            i = skip_comment(text, i + 2);
            continue;
        }
        if c == b'"' || c == b'\'' {
            i = skip_string(text, i);
            after_dot = false;
            continue;
        }
        if c == b'[' {
            if let Some(end) = skip_long_bracket(text, i) {
                i = end;
                after_dot = false;
                continue;
            }
        }
        if c.is_ascii_digit() || (c == b'.' && text.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = skip_number(text, i);
            after_dot = false;
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == b'_') {
            // One `.` or `:` makes the next name a field; `..` and `::` do
            // not.
            let pair = text.get(i + 1) == Some(&c);
            after_dot = matches!(c, b'.' | b':') && !pair;
            match (reading, c) {
                (Reading::FunctionName { .. }, b':') if !pair => {
                    reading = Reading::FunctionName { method: true };
                }
                (Reading::FunctionName { method }, b'(') => {
                    reading = Reading::Params;
                    enter_function(&mut levels, &mut blocks, &mut cost, method as u64);
                }
                (Reading::Params, b')') => reading = Reading::Code,
                (Reading::LocalsAfter, b',') => reading = Reading::Locals,
                // `local x <const>`: the attribute is no local.
                (Reading::LocalsAfter, b'<') if !pair => reading = Reading::Attribute,
                (Reading::Attribute, b'>') => reading = Reading::LocalsAfter,
                (Reading::ForNames | Reading::Params, b',')
                | (Reading::FunctionName { .. }, b'.')
                | (Reading::Params, b'.') => {}
                (Reading::Params, _) | (Reading::FunctionName { .. }, _) => {}
                _ => reading = Reading::Code,
            }
            i += if pair { 2 } else { 1 };
            continue;
        }
        let start = i;
        while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
            i += 1;
        }
        let word = &text[start..i];
        let field = std::mem::take(&mut after_dot);
        match word {
            b"local" => reading = Reading::Locals,
            b"function" => {
                if reading == Reading::Locals {
                    // `local function f`: `f` is a local, seen in the body.
                    reading = Reading::FunctionName { method: false };
                    declare(&mut levels, &mut blocks, &mut cost, 1);
                    i = skip_name(text, i);
                } else {
                    reading = Reading::FunctionName { method: false };
                }
            }
            b"for" | b"while" => {
                reading = match word {
                    b"for" => Reading::ForNames,
                    _ => Reading::Code,
                };
                blocks.push(Block {
                    locals: 0,
                    function: false,
                    awaits_do: true,
                });
            }
            b"do" => {
                reading = Reading::Code;
                match blocks.last_mut() {
                    Some(block) if block.awaits_do => block.awaits_do = false,
                    _ => blocks.push(Block {
                        locals: 0,
                        function: false,
                        awaits_do: false,
                    }),
                }
            }
            b"if" | b"repeat" => {
                reading = Reading::Code;
                blocks.push(Block {
                    locals: 0,
                    function: false,
                    awaits_do: false,
                });
            }
            b"elseif" | b"else" => {
                reading = Reading::Code;
                // The locals of the branch before are out of scope.
                let gone = blocks.last().map_or(0, |b| b.locals);
                declare(&mut levels, &mut blocks, &mut cost, -(gone as i64));
            }
            b"end" => {
                reading = Reading::Code;
                close_block(&mut levels, &mut blocks, &mut cost);
            }
            b"until" => {
                // The condition still sees the loop's locals: they are
                // left counted in the block around it, which errs high.
                reading = Reading::Code;
                if blocks.len() > 1 {
                    let block = blocks.pop().expect("more than one");
                    if let Some(outer) = blocks.last_mut() {
                        outer.locals += block.locals;
                    }
                }
            }
            b"in" | b"then" | b"return" | b"break" | b"goto" | b"and" | b"or" | b"not" | b"nil"
            | b"true" | b"false" => reading = Reading::Code,
            _ => match reading {
                Reading::Locals => {
                    declare(&mut levels, &mut blocks, &mut cost, 1);
                    reading = Reading::LocalsAfter;
                }
                Reading::ForNames | Reading::Params => {
                    declare(&mut levels, &mut blocks, &mut cost, 1);
                }
                Reading::FunctionName { .. } | Reading::Attribute => {}
                Reading::Code | Reading::LocalsAfter if field => {}
                Reading::Code | Reading::LocalsAfter => {
                    reading = Reading::Code;
                    // A global is looked up again as `_ENV`: twice.
                    out.names += 1;
                    out.widest = out.widest.max(cost);
                    out.work = out.work.saturating_add(cost.saturating_mul(2));
                }
            },
        }
    }
    out
}

/// A function's body begins: a level of its own, with `params` locals
/// (`self` of a method; the names in parentheses follow).
fn enter_function(levels: &mut Vec<Level>, blocks: &mut Vec<Block>, cost: &mut u64, params: u64) {
    let outer: u64 = levels.iter().map(|l| l.locals).sum();
    let level = Level {
        locals: params,
        outer,
    };
    *cost += level.cost();
    levels.push(level);
    blocks.push(Block {
        locals: params,
        function: true,
        awaits_do: false,
    });
}

/// An `end`: the innermost block's locals leave scope, and with a
/// function's block its level goes.
fn close_block(levels: &mut Vec<Level>, blocks: &mut Vec<Block>, cost: &mut u64) {
    // The chunk's own block is never closed, whatever stray `end`s say.
    if blocks.len() <= 1 {
        return;
    }
    let block = blocks.pop().expect("more than one");
    if block.function && levels.len() > 1 {
        let level = levels.pop().expect("more than one");
        *cost -= level.cost();
        return;
    }
    let level = levels.last_mut().expect("the chunk's level stays");
    *cost -= level.cost();
    level.locals = level.locals.saturating_sub(block.locals);
    *cost += level.cost();
}

/// Past the name after `local function`, which [`lookups`] has counted.
fn skip_name(text: &[u8], mut i: usize) -> usize {
    while text.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    while text
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        i += 1;
    }
    i
}

/// Past a comment whose `--` ends before `i`: a long one (`--[[ .. ]]`,
/// `--[==[ .. ]==]`) or to the end of the line.
fn skip_comment(text: &[u8], i: usize) -> usize {
    if let Some(end) = skip_long_bracket(text, i) {
        return end;
    }
    text[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |n| i + n + 1)
}

/// Past a long bracket opening at `i` (`[[`, `[==[`) and its close, or
/// `None` if `i` opens none.
fn skip_long_bracket(text: &[u8], i: usize) -> Option<usize> {
    let level = text[i + 1..].iter().take_while(|&&b| b == b'=').count();
    if text.get(i) != Some(&b'[') || text.get(i + 1 + level) != Some(&b'[') {
        return None;
    }
    let mut close = vec![b'='; level + 2];
    close[0] = b']';
    close[level + 1] = b']';
    let body = i + level + 2;
    Some(
        text[body..]
            .windows(close.len())
            .position(|w| w == close.as_slice())
            .map_or(text.len(), |n| body + n + close.len()),
    )
}

/// Past a quoted string opening at `i`; an escape takes the byte after
/// it, and a string ends at a line's end if not before (Lua refuses one
/// that does).
fn skip_string(text: &[u8], i: usize) -> usize {
    let quote = text[i];
    let mut j = i + 1;
    while j < text.len() {
        match text[j] {
            b'\\' => j += 2,
            b'\n' => return j + 1,
            b if b == quote => return j + 1,
            _ => j += 1,
        }
    }
    text.len()
}

/// Past a number starting at `i` (`3`, `0x1p-4`, `1e+5`, `.5`).
fn skip_number(text: &[u8], mut i: usize) -> usize {
    while let Some(&b) = text.get(i) {
        let exponent_sign = matches!(b, b'+' | b'-')
            && matches!(text.get(i.wrapping_sub(1)), Some(b'e' | b'E' | b'p' | b'P'));
        if !(b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exponent_sign) {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cost_the_variables_of_every_function_around_them() {
        // Three locals in the chunk (`a`, `b`, `f`), one parameter: `y`
        // inside `f` is compared with `f`'s local (1) and its upvalues (at
        // most the chunk's three and `_ENV`), then the chunk's locals (3)
        // and its upvalue `_ENV` (1).
        let found = lookups(b"local a, b = 1, 2\nlocal function f(p) return y end\n");
        assert_eq!(found.names, 1, "{found:?}");
        assert_eq!(found.widest, (1 + 4) + (3 + 1));
    }

    #[test]
    fn strings_comments_and_fields_are_not_names() {
        let found = lookups(b"-- x y z\n--[==[ x ]] y ]==]\nt.x = 'a b' .. [[c d]] .. t:m()\n");
        // `t` twice; `x` and `m` are fields.
        assert_eq!(found.names, 2, "{found:?}");
    }

    #[test]
    fn locals_leave_scope_with_their_block() {
        let inner = lookups(b"do local a, b, c end\nx = 1\n");
        let flat = lookups(b"x = 1\n");
        assert_eq!(inner.widest, flat.widest);
        let open = lookups(b"local a, b, c\nx = 1\n");
        assert_eq!(open.widest, flat.widest + 3);
        let branch = lookups(b"if c then local a, b else x = 1 end\n");
        assert_eq!(branch.widest, flat.widest);
    }

    #[test]
    fn nested_functions_full_of_locals_are_weighed_by_every_name() {
        let mut text = String::new();
        for depth in 0..100 {
            let names: Vec<String> = (0..150).map(|i| format!("v{depth}_{i}")).collect();
            text.push_str(&format!("local {}\nlocal function f()\n", names.join(",")));
        }
        text.push_str(&format!("x{{{}}}\n", "x,".repeat(100_000)));
        text.push_str(&"end\n".repeat(100));
        let found = lookups(text.as_bytes());
        // 100 levels of 150 locals and up to 255 upvalues each.
        assert!(found.widest > 100 * 150, "{found:?}");
        let why = unparsable(text.as_bytes(), 2 * 1024 * 1024).expect("refused");
        assert!(
            why.starts_with("looking up its 100001 names among up to"),
            "{why}"
        );
        // An ordinary configuration script passes.
        let plain =
            "local port = 8080\nreturn { port = port, hosts = { 'a', 'b' } }\n".repeat(2000);
        assert_eq!(unparsable(plain.as_bytes(), 2 * 1024 * 1024), None);
    }
}
