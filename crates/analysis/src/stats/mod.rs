//! Basic statistics: Shannon entropy, plug-in min-entropy, chi-square against the uniform
//! distribution, autocorrelation, histograms, entropy per block, ent's serial correlation,
//! and summary statistics of the raw durations. All pure; none of it is an SP 800-90B
//! estimate, it is what a reader looks at first.

#![warn(missing_docs)]

mod autocorr;
mod blocks;
mod chisquare;
mod durations;
mod entropy;
mod histogram;
mod serial;
mod summary;

pub use autocorr::{autocorrelation, Autocorrelation, DEFAULT_MAX_LAG};
pub use blocks::{block_entropy, BlockEntropy, DEFAULT_BLOCK};
pub use chisquare::{chi_square_uniform, ChiSquare};
pub use durations::{
    duration_stats, lag_pairs, DurationStats, KindMix, BINS_PER_DECADE, KIND_FAILED, KIND_FILE,
    KIND_SOCKET_READ, KIND_SOCKET_WRITE, KIND_TIMER,
};
pub use entropy::{min_entropy_plugin, shannon_entropy};
pub use histogram::{log_histogram, symbol_histogram, LogBin};
pub use serial::serial_correlation_ent;
pub use summary::{basic_stats, BasicStats, StatsOptions};
