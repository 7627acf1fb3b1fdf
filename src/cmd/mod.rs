//! One module per subcommand; each exposes `Args` (clap) and `run(Args) -> Result<u8>`
//! returning the exit code (see [`crate::exit`]). Errors become exit code 2 in `main`.

pub mod analyze;
pub mod collect;
pub mod export;
pub mod gate;
pub mod gate_policy;
pub mod health;
pub mod merge;
#[cfg(feature = "openentropy")]
pub mod openentropy;
pub mod output;
pub mod report;
pub mod restart;
pub mod shell;
pub mod sweep;
pub mod sweep_resume;
