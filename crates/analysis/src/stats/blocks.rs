//! Entropy per block of consecutive samples: does the source drift over time?

use serde::{Deserialize, Serialize};

use super::{min_entropy_plugin, shannon_entropy};
use crate::Symbols;

/// Block length used unless told otherwise.
pub const DEFAULT_BLOCK: usize = 100_000;

/// Entropies of one block of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockEntropy {
    /// Index of the block's first sample.
    pub start: u64,
    /// Number of samples in the block (the last block may be short).
    pub len: u64,
    /// Shannon entropy of the block, bits per symbol.
    pub shannon: f64,
    /// Plug-in min-entropy of the block, bits per symbol.
    pub min_entropy: f64,
}

/// Splits the symbols into consecutive blocks of `block` samples (the last one holding
/// what is left) and computes each block's entropies. Empty when `block == 0`.
///
/// ```
/// use kqent_analysis::{stats::block_entropy, Symbols};
/// let s = Symbols::new(vec![0, 1, 0, 1, 1, 1], 1).unwrap();
/// let b = block_entropy(&s, 4);
/// assert_eq!((b.len(), b[0].shannon, b[1].len, b[1].shannon), (2, 1.0, 2, 0.0));
/// ```
pub fn block_entropy(symbols: &Symbols, block: usize) -> Vec<BlockEntropy> {
    if block == 0 {
        return Vec::new();
    }
    symbols
        .as_slice()
        .chunks(block)
        .enumerate()
        .map(|(i, chunk)| {
            let mut counts = [0u64; 256];
            for &v in chunk {
                counts[v as usize] += 1;
            }
            BlockEntropy {
                start: (i * block) as u64,
                len: chunk.len() as u64,
                shannon: shannon_entropy(&counts),
                min_entropy: min_entropy_plugin(&counts),
            }
        })
        .collect()
}
