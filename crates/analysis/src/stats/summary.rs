//! Every basic statistic of a symbol sequence in one serializable record.

use serde::{Deserialize, Serialize};

use super::{
    autocorrelation, block_entropy, chi_square_uniform, min_entropy_plugin, serial_correlation_ent,
    shannon_entropy, symbol_histogram, Autocorrelation, BlockEntropy, ChiSquare, DEFAULT_BLOCK,
    DEFAULT_MAX_LAG,
};
use crate::{AnalysisError, Symbols};

/// Parameters of [`basic_stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsOptions {
    /// Autocorrelation is computed at lags 1..=max_lag.
    pub max_lag: usize,
    /// Samples per block for the entropy-over-time series.
    pub block: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            max_lag: DEFAULT_MAX_LAG,
            block: DEFAULT_BLOCK,
        }
    }
}

/// The basic statistics of a symbol sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasicStats {
    /// Number of symbols.
    pub samples: u64,
    /// Symbol width, bits.
    pub bits: u8,
    /// Shannon entropy, bits per symbol.
    pub shannon: f64,
    /// Plug-in min-entropy `-log2 max p_i`, bits per symbol.
    pub min_entropy: f64,
    /// Chi-square against the uniform distribution over `2^bits` values.
    pub chi_square: ChiSquare,
    /// `ent`'s serial correlation coefficient (lag 1, circular).
    pub serial_correlation: f64,
    /// Autocorrelation at lags 1..=max_lag; `None` for constant data.
    pub autocorrelation: Option<Autocorrelation>,
    /// Count of each symbol value `0..2^bits`.
    pub histogram: Vec<u64>,
    /// Samples per block in `blocks`.
    pub block: u64,
    /// Entropy of each block of `block` samples, in order.
    pub blocks: Vec<BlockEntropy>,
}

/// Computes every basic statistic of `symbols`.
///
/// ```
/// use kqent_analysis::{stats::{basic_stats, StatsOptions}, Symbols};
/// let s = Symbols::new((0..=255).cycle().take(4096).collect(), 8).unwrap();
/// let b = basic_stats(&s, StatsOptions::default()).unwrap();
/// assert!((b.shannon - 8.0).abs() < 1e-12 && b.chi_square.statistic == 0.0);
/// ```
pub fn basic_stats(symbols: &Symbols, options: StatsOptions) -> Result<BasicStats, AnalysisError> {
    let histogram = symbol_histogram(symbols);
    Ok(BasicStats {
        samples: symbols.len() as u64,
        bits: symbols.bits(),
        shannon: shannon_entropy(&histogram),
        min_entropy: min_entropy_plugin(&histogram),
        chi_square: chi_square_uniform(symbols)?,
        serial_correlation: serial_correlation_ent(symbols.as_slice()),
        autocorrelation: autocorrelation(symbols.as_slice(), options.max_lag),
        histogram,
        block: options.block as u64,
        blocks: block_entropy(symbols, options.block),
    })
}
