//! Hostile scripts as the Lua sandbox and host tests give them: `evil.lua`
//! with only a short time limit in reach, or with room in time so that only
//! memory, instructions or the host's own bounds can end it.

#![allow(dead_code)]

use std::time::Duration;

use staid::source::Lua;

/// Short enough to keep the suite fast, long enough for a busy machine.
pub const TIME: Duration = Duration::from_millis(300);

/// For the memory tests: room enough in time that only memory can run out.
pub const ROOMY: Duration = Duration::from_secs(20);

/// The error of a script stopped by [`TIME`].
pub const TIME_OUT: &str = "error: the script exceeded its time limit of 300ms\n  --> evil.lua";

/// A script with only the time limit in reach.
pub fn timed(text: &str) -> Lua {
    Lua::text("evil.lua", text)
        .time_limit(TIME)
        .instruction_limit(u64::MAX)
}

/// A script with the default memory and instruction limits.
pub fn roomy(text: &str) -> Lua {
    Lua::text("evil.lua", text).time_limit(ROOMY)
}
