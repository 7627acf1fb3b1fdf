//! One module per subcommand; each exposes `Args` (clap) and `run(Args) -> Result<u8>`
//! returning the exit code (see [`crate::exit`]). Errors become exit code 2 in `main`.

pub mod analyze;
pub mod collect;
pub mod decision;
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

/// The most worker threads `--threads` takes: beyond the cores a thread only adds
/// start-up and scheduling cost (10,000 of them once turned a 5,000-sample file into two
/// minutes of work).
pub const MAX_THREADS: usize = 256;

/// Checks `--threads`: 1..=[`MAX_THREADS`].
pub fn check_threads(threads: Option<usize>) -> anyhow::Result<()> {
    match threads {
        Some(n) if !(1..=MAX_THREADS).contains(&n) => {
            anyhow::bail!("--threads {n} is outside 1..={MAX_THREADS}")
        }
        _ => Ok(()),
    }
}
