//! The IID-track entropy estimate (SP 800-90B section 6.1): the Most Common Value estimate
//! (6.3.1) on the symbols (H_original) and, for non-binary data, on their bitstring
//! (H_bitstring); h_assessed = min(bits, H_original, bits x H_bitstring), as the reference's
//! `ea_iid` computes it.

use serde::{Deserialize, Serialize};

use crate::estimators::mcv;
use crate::{EstimatorResult, Symbols};

/// The IID entropy estimate with the MCV results it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IidEntropy {
    /// MCV on the (translated) symbols.
    pub original: EstimatorResult,
    /// MCV on the bitstring; absent for binary data, as in the reference.
    pub bitstring: Option<EstimatorResult>,
    /// H_original, bits per symbol.
    pub h_original: f64,
    /// H_bitstring, bits per bit.
    pub h_bitstring: Option<f64>,
    /// min(bits, H_original, bits x H_bitstring), bits per symbol.
    pub h_assessed: f64,
}

/// Computes the estimate from the symbols and their translation onto `0..alphabet`.
pub fn iid_entropy(symbols: &Symbols, translated: &[u8], alphabet: usize) -> IidEntropy {
    let bits = f64::from(symbols.bits());
    let original = mcv::estimate(translated, alphabet);
    let h_original = original.h().unwrap_or(bits);
    let (bitstring, h_bitstring) = if alphabet > 2 {
        let b = mcv::estimate(&symbols.bitstring(), 2);
        let h = b.h();
        (Some(b), h)
    } else {
        (None, None)
    };
    let mut h_assessed = bits.min(h_original);
    if let Some(hb) = h_bitstring {
        h_assessed = h_assessed.min(bits * hb);
    }
    IidEntropy {
        original,
        bitstring,
        h_original,
        h_bitstring,
        h_assessed,
    }
}
