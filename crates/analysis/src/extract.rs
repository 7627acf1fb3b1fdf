//! Turning raw wait-call durations into symbols (`--extract`).
//!
//! - `lsb:K`: the low K bits of each duration (K = 1..=8); n symbols.
//! - `delta-lsb:K`: the low K bits of `d_i = dur[i+1] - dur[i]` (wrapping); n-1 symbols.
//! - `xorfold`: `x_i = d_i XOR d_{i+1}`, its 8 bytes XORed into one; n-2 symbols, 8 bits.
//! - `openentropy`: the bytes openentropy's `collect(n)` returns, per session: `xorfold`
//!   of the session's durations, cut to its first `n` (a session of `n + 64` calls gives
//!   `n + 62` values). A trace of `collect --profile openentropy` records `n` and the
//!   sessions; any other trace counts as one session with `n` = its length - 64.
//!
//! Every method works on the durations as recorded: raw ticks where the clock counts ticks
//! (see `kqent_trace::ClockInfo::timebase`), so that the low bits are the counter's and not
//! a nanosecond conversion's rounding.

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
    /// `xorfold` per session, each cut to the `n` bytes openentropy's `collect(n)` returns.
    OpenEntropy,
}

/// Wait calls a session makes beyond the `n` bytes it returns (`collect(n)` makes `n + 64`).
pub const OPENENTROPY_EXTRA_CALLS: usize = 64;

impl Extraction {
    /// Width in bits of the symbols produced.
    pub fn bits(self) -> u8 {
        match self {
            Extraction::Lsb(k) | Extraction::DeltaLsb(k) => k,
            Extraction::XorFold | Extraction::OpenEntropy => 8,
        }
    }

    /// How many symbols `n` durations give.
    pub fn output_len(self, n: usize) -> usize {
        match self {
            Extraction::Lsb(_) => n,
            Extraction::DeltaLsb(_) => n.saturating_sub(1),
            Extraction::XorFold => n.saturating_sub(2),
            Extraction::OpenEntropy => n.saturating_sub(OPENENTROPY_EXTRA_CALLS),
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
            Extraction::XorFold => xorfold(d),
            Extraction::OpenEntropy => {
                let mut out = xorfold(d);
                out.truncate(d.len().saturating_sub(OPENENTROPY_EXTRA_CALLS));
                out
            }
        }
    }

    /// Applies the method to a trace's durations cut into sessions (`session_lens`, in
    /// order, summing to `d.len()`). `openentropy` extracts each session on its own and
    /// keeps its first `session_n` bytes (`None`: the session's length - 64); the other
    /// methods ignore the cuts, as they always have.
    ///
    /// ```
    /// use kqent_analysis::Extraction;
    /// let d: Vec<u64> = (0..20).map(|i| i * i).collect();
    /// let s = Extraction::OpenEntropy.apply_sessions(&d, &[10, 10], Some(5)).unwrap();
    /// assert_eq!(s.len(), 10);
    /// ```
    pub fn apply_sessions(
        self,
        d: &[u64],
        session_lens: &[usize],
        session_n: Option<u64>,
    ) -> Result<Symbols, AnalysisError> {
        if self != Extraction::OpenEntropy {
            return self.apply(d);
        }
        if session_lens.iter().sum::<usize>() != d.len() {
            return Err(AnalysisError::InvalidArgument(format!(
                "sessions of {} durations in all for {} durations",
                session_lens.iter().sum::<usize>(),
                d.len()
            )));
        }
        let mut out = Vec::with_capacity(d.len());
        let mut at = 0;
        for &len in session_lens {
            let session = &d[at..at + len];
            at += len;
            let n = match session_n {
                Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                None => len.saturating_sub(OPENENTROPY_EXTRA_CALLS),
            };
            let mut bytes = xorfold(session);
            bytes.truncate(n);
            out.extend_from_slice(&bytes);
        }
        if out.is_empty() {
            return Err(AnalysisError::TooFewSamples {
                what: format!("extraction {self}"),
                needed: OPENENTROPY_EXTRA_CALLS + 1,
                actual: d.len(),
            });
        }
        Symbols::new(out, 8)
    }
}

/// `x_i = (d_{i+1} - d_i) XOR (d_{i+2} - d_{i+1})` (wrapping), folded to a byte.
fn xorfold(d: &[u64]) -> Vec<u8> {
    let deltas: Vec<u64> = d.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    deltas.windows(2).map(|w| fold64(w[0] ^ w[1])).collect()
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
            Extraction::OpenEntropy => write!(f, "openentropy"),
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
        if s == "openentropy" {
            return Ok(Extraction::OpenEntropy);
        }
        let (name, k) = s
            .split_once(':')
            .ok_or_else(|| bad("expected lsb:K, delta-lsb:K, xorfold or openentropy"))?;
        let k: u8 = k
            .parse()
            .ok()
            .filter(|k| (1..=8).contains(k))
            .ok_or_else(|| bad("K must be an integer in 1..=8"))?;
        match name {
            "lsb" => Ok(Extraction::Lsb(k)),
            "delta-lsb" => Ok(Extraction::DeltaLsb(k)),
            _ => Err(bad("expected lsb:K, delta-lsb:K, xorfold or openentropy")),
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
        for s in ["lsb:1", "lsb:8", "delta-lsb:3", "xorfold", "openentropy"] {
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

    #[test]
    fn openentropy_is_xorfold_per_session_cut_to_n() {
        let d: Vec<u64> = (0..300u64).map(|i| (i * 7919) ^ (i << 9)).collect();
        // One session of n + 64 calls: the first n of the n + 62 xorfold bytes.
        let one = Extraction::OpenEntropy.apply_raw(&d);
        assert_eq!(one.len(), 300 - 64);
        assert_eq!(one[..], Extraction::XorFold.apply_raw(&d)[..236]);
        // Two sessions (100 and 200 calls) with n = 50: 50 bytes each, each from its own
        // session only (no difference across the cut).
        let s = Extraction::OpenEntropy
            .apply_sessions(&d, &[100, 200], Some(50))
            .unwrap();
        let mut want = Extraction::XorFold.apply_raw(&d[..100])[..50].to_vec();
        want.extend_from_slice(&Extraction::XorFold.apply_raw(&d[100..])[..50]);
        assert_eq!(s.as_slice(), &want[..]);
        // A deadline-cut session shorter than n + 2 gives all it has.
        let s = Extraction::OpenEntropy
            .apply_sessions(&d[..40], &[40], Some(1000))
            .unwrap();
        assert_eq!(s.len(), 38);
        // Without n: length - 64 per session.
        let s = Extraction::OpenEntropy
            .apply_sessions(&d, &[100, 200], None)
            .unwrap();
        assert_eq!(s.len(), 36 + 136);
        assert!(Extraction::OpenEntropy
            .apply_sessions(&d, &[100], None)
            .is_err());
        // Other methods ignore the sessions.
        assert_eq!(
            Extraction::Lsb(3)
                .apply_sessions(&d, &[100, 200], Some(1))
                .unwrap()
                .len(),
            300
        );
    }
}
