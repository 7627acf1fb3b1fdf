//! Turning raw wait-call durations into symbols (`--extract`).
//!
//! - `lsb:K`: the low K bits of each duration (K = 1..=8); n symbols.
//! - `delta-lsb:K`: the low K bits of `d_i = dur[i+1] - dur[i]` (wrapping); n-1 symbols.
//! - `xorfold`: `x_i = d_i XOR d_{i+1}`, its 8 bytes XORed into one; n-2 symbols, 8 bits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AnalysisError, Symbols};

/// How durations become symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Extraction {
    /// Low K bits of each duration.
    Lsb(u8),
    /// Low K bits of the first difference of the durations.
    DeltaLsb(u8),
    /// XOR of consecutive differences, folded to one byte.
    XorFold,
}

impl Extraction {
    /// Width in bits of the symbols produced.
    pub fn bits(self) -> u8 {
        match self {
            Extraction::Lsb(k) | Extraction::DeltaLsb(k) => k,
            Extraction::XorFold => 8,
        }
    }

    /// How many symbols `n` durations give.
    pub fn output_len(self, n: usize) -> usize {
        match self {
            Extraction::Lsb(_) => n,
            Extraction::DeltaLsb(_) => n.saturating_sub(1),
            Extraction::XorFold => n.saturating_sub(2),
        }
    }

    /// Applies the method to durations in nanoseconds.
    ///
    /// ```
    /// use kqent_analysis::Extraction;
    /// let s = "lsb:4".parse::<Extraction>().unwrap().apply(&[0x1234, 0xff]).unwrap();
    /// assert_eq!(s.as_slice(), &[0x4, 0xf]);
    /// ```
    pub fn apply(self, durations: &[u64]) -> Result<Symbols, AnalysisError> {
        let bytes = self.apply_raw(durations);
        if bytes.is_empty() {
            return Err(AnalysisError::TooFewSamples {
                what: format!("extraction {self}"),
                needed: durations.len() - self.output_len(durations.len()) + 1,
                actual: durations.len(),
            });
        }
        Symbols::new(bytes, self.bits())
    }

    /// Applies the method, returning the bytes (possibly empty).
    pub fn apply_raw(self, d: &[u64]) -> Vec<u8> {
        match self {
            Extraction::Lsb(k) => {
                let mask = low_mask(k);
                d.iter().map(|&x| (x & mask) as u8).collect()
            }
            Extraction::DeltaLsb(k) => {
                let mask = low_mask(k);
                d.windows(2)
                    .map(|w| (w[1].wrapping_sub(w[0]) & mask) as u8)
                    .collect()
            }
            Extraction::XorFold => {
                let deltas: Vec<u64> = d.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
                deltas.windows(2).map(|w| fold64(w[0] ^ w[1])).collect()
            }
        }
    }
}

fn low_mask(k: u8) -> u64 {
    (1u64 << k) - 1
}

fn fold64(x: u64) -> u8 {
    x.to_le_bytes().iter().fold(0, |a, b| a ^ b)
}

impl fmt::Display for Extraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extraction::Lsb(k) => write!(f, "lsb:{k}"),
            Extraction::DeltaLsb(k) => write!(f, "delta-lsb:{k}"),
            Extraction::XorFold => write!(f, "xorfold"),
        }
    }
}

impl FromStr for Extraction {
    type Err = AnalysisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| AnalysisError::InvalidExtraction {
            spec: s.to_string(),
            reason: reason.to_string(),
        };
        if s == "xorfold" {
            return Ok(Extraction::XorFold);
        }
        let (name, k) = s
            .split_once(':')
            .ok_or_else(|| bad("expected lsb:K, delta-lsb:K or xorfold"))?;
        let k: u8 = k
            .parse()
            .ok()
            .filter(|k| (1..=8).contains(k))
            .ok_or_else(|| bad("K must be an integer in 1..=8"))?;
        match name {
            "lsb" => Ok(Extraction::Lsb(k)),
            "delta-lsb" => Ok(Extraction::DeltaLsb(k)),
            _ => Err(bad("expected lsb:K, delta-lsb:K or xorfold")),
        }
    }
}

impl From<Extraction> for String {
    fn from(e: Extraction) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for Extraction {
    type Error = AnalysisError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in ["lsb:1", "lsb:8", "delta-lsb:3", "xorfold"] {
            assert_eq!(s.parse::<Extraction>().unwrap().to_string(), s);
        }
        for s in ["lsb:0", "lsb:9", "lsb", "msb:2", "delta-lsb:x", ""] {
            assert!(s.parse::<Extraction>().is_err(), "{s}");
        }
    }

    #[test]
    fn methods_by_hand() {
        let d = [10u64, 13, 11, 0x1_0000_0102];
        assert_eq!(Extraction::Lsb(2).apply_raw(&d), vec![2, 1, 3, 2]);
        // deltas: 3, -2 (wraps), 0x1_0000_00f7
        assert_eq!(Extraction::DeltaLsb(3).apply_raw(&d), vec![3, 6, 7]);
        let x0 = 3u64 ^ 2u64.wrapping_neg();
        let x1 = 2u64.wrapping_neg() ^ 0x1_0000_00f7;
        let fold = |x: u64| x.to_le_bytes().iter().fold(0u8, |a, b| a ^ b);
        assert_eq!(Extraction::XorFold.apply_raw(&d), vec![fold(x0), fold(x1)]);
        assert_eq!(Extraction::XorFold.output_len(4), 2);
        assert!(Extraction::XorFold.apply(&d[..2]).is_err());
    }
}
