//! Lua's pattern matching (`string.find`, `match`, `gmatch`, `gsub`), a port
//! of Lua 5.4's `lstrlib.c` that is metered like the script's own code.
//!
//! The C matcher loops past every hook: a plain search for a long needle
//! is quadratic, a pattern like `a*a*a*b` more, and a call that cannot be
//! stopped keeps its thread, its place and a core until it returns, for
//! minutes. Here each step of a match counts as an instruction, and every
//! thousand look at the limits as the hook does, so such a call ends in the
//! instruction or time limit like a loop in Lua. The rules are Lua's, to the
//! error messages (the tests compare the two on generated patterns).

mod library;
mod matcher;
#[cfg(test)]
mod tests;

pub(super) use library::install;
