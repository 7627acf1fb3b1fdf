//! Exit codes, the same for every command.

/// Success.
pub const SUCCESS: u8 = 0;
/// A verdict failed (only `kqent gate` returns it).
pub const VERDICT_FAILED: u8 = 1;
/// Usage, input or environment error (clap also exits with 2 on usage errors).
pub const ERROR: u8 = 2;
/// Interrupted by SIGINT (128 + 2).
pub const INTERRUPTED: u8 = 130;
