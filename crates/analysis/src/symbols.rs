//! Validated symbol sequences: what every estimator and test consumes.
//!
//! A NIST-format symbol file holds one byte per sample whose low `bits` bits are the symbol.
//! Like the reference tool, the width is inferred from the highest bit set anywhere in the
//! data when it is not given; sparse alphabets are translated to `0..k-1` for the
//! estimators ([`Symbols::translated`]); and the bitstring is built from the untranslated
//! values, most significant bit first ([`Symbols::bitstring`]).

use crate::AnalysisError;

/// A sequence of samples, each `bits` bits wide (1..=8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbols {
    data: Vec<u8>,
    bits: u8,
}

/// Symbols mapped onto a dense alphabet `0..alphabet`, as the estimators expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The translated samples, each below `alphabet`.
    pub data: Vec<u8>,
    /// Number of distinct symbols present (k).
    pub alphabet: usize,
    /// `original[i]` is the untranslated value of translated symbol `i`.
    pub original: Vec<u8>,
}

impl Symbols {
    /// Validates that `bits` is in 1..=8 and that every sample fits in it.
    ///
    /// ```
    /// use kqent_analysis::Symbols;
    /// let s = Symbols::new(vec![0, 3, 2, 1], 2).unwrap();
    /// assert_eq!(s.bits(), 2);
    /// assert!(Symbols::new(vec![4], 2).is_err());
    /// ```
    pub fn new(data: Vec<u8>, bits: u8) -> Result<Self, AnalysisError> {
        if !(1..=8).contains(&bits) {
            return Err(AnalysisError::InvalidWidth(u32::from(bits)));
        }
        if data.is_empty() {
            return Err(AnalysisError::Empty);
        }
        if bits < 8 {
            let limit = 1u16 << bits;
            if let Some((index, &value)) = data
                .iter()
                .enumerate()
                .find(|(_, &v)| u16::from(v) >= limit)
            {
                return Err(AnalysisError::SymbolTooWide { index, value, bits });
            }
        }
        Ok(Symbols { data, bits })
    }

    /// Reads NIST-format bytes. With `bits == None` the width is the position of the highest
    /// bit set in any sample, as the reference tool infers it (all-zero data is an error:
    /// it has no width and no entropy to assess).
    ///
    /// ```
    /// use kqent_analysis::Symbols;
    /// let s = Symbols::from_nist_bytes(vec![0, 5, 1], None).unwrap();
    /// assert_eq!(s.bits(), 3);
    /// ```
    pub fn from_nist_bytes(data: Vec<u8>, bits: Option<u8>) -> Result<Self, AnalysisError> {
        if data.is_empty() {
            return Err(AnalysisError::Empty);
        }
        let bits = match bits {
            Some(b) => b,
            None => {
                let mask = data.iter().fold(0u8, |m, &v| m | v);
                if mask == 0 {
                    return Err(AnalysisError::InvalidArgument(
                        "every sample is 0: the symbol width cannot be inferred (give --bits)"
                            .into(),
                    ));
                }
                (8 - mask.leading_zeros()) as u8
            }
        };
        Symbols::new(data, bits)
    }

    /// Width of each symbol in bits.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The samples.
    pub fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// Consumes `self`, returning the samples.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Always false: [`Symbols`] is never empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Occurrence count of each of the 256 possible byte values.
    pub fn counts(&self) -> [u64; 256] {
        let mut c = [0u64; 256];
        for &v in &self.data {
            c[v as usize] += 1;
        }
        c
    }

    /// Number of distinct symbols present.
    pub fn distinct(&self) -> usize {
        self.counts().iter().filter(|&&c| c > 0).count()
    }

    /// True when exactly two distinct symbols occur: SP 800-90B (and the reference) then
    /// treat the data as binary.
    pub fn is_binary(&self) -> bool {
        self.distinct() == 2
    }

    /// Maps the symbols present onto `0..k` in increasing order of value. Like the
    /// reference, the data is left as it is when it already uses every value up to its
    /// largest (`k == max + 1`).
    pub fn translated(&self) -> Translated {
        let counts = self.counts();
        let mut table = [0u8; 256];
        let mut original = Vec::new();
        for (v, &c) in counts.iter().enumerate() {
            if c > 0 {
                table[v] = original.len() as u8;
                original.push(v as u8);
            }
        }
        let alphabet = original.len();
        let data = self.data.iter().map(|&v| table[v as usize]).collect();
        Translated {
            data,
            alphabet,
            original,
        }
    }

    /// The bitstring: each sample's `bits` bits, most significant first, one bit per byte.
    pub fn bitstring(&self) -> Vec<u8> {
        let w = usize::from(self.bits).clamp(1, 8);
        // Each byte value's eight bits, most significant first: a sample's bits are the
        // last `w` of its entry, copied as a block (one word store for 8-bit samples).
        let table: [[u8; 8]; 256] =
            std::array::from_fn(|v| std::array::from_fn(|j| ((v >> (7 - j)) & 1) as u8));
        let mut out = vec![0u8; self.data.len() * w];
        if w == 8 {
            for (bits, &v) in out.chunks_exact_mut(8).zip(&self.data) {
                bits.copy_from_slice(&table[usize::from(v)]);
            }
        } else {
            for (bits, &v) in out.chunks_exact_mut(w).zip(&self.data) {
                bits.copy_from_slice(&table[usize::from(v)][8 - w..]);
            }
        }
        out
    }

    /// Samples `[index * count, index * count + count)`, clipped to the data (the
    /// reference's `-l index,count`).
    pub fn block(&self, index: usize, count: usize) -> Result<Symbols, AnalysisError> {
        let start = index.checked_mul(count).filter(|&s| s < self.data.len());
        let Some(start) = start else {
            return Err(AnalysisError::InvalidArgument(format!(
                "block {index},{count} starts past the end of the {} samples",
                self.data.len()
            )));
        };
        // A block cut short would be assessed as if it were whole: refuse it instead.
        let end = start.saturating_add(count);
        if end > self.data.len() {
            return Err(AnalysisError::InvalidArgument(format!(
                "block {index},{count} ends at sample {end}, past the end of the {} samples",
                self.data.len()
            )));
        }
        Symbols::new(self.data[start..end].to_vec(), self.bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_width_from_highest_bit() {
        assert_eq!(
            Symbols::from_nist_bytes(vec![1, 0], None).unwrap().bits(),
            1
        );
        assert_eq!(
            Symbols::from_nist_bytes(vec![0x80], None).unwrap().bits(),
            8
        );
        assert!(Symbols::from_nist_bytes(vec![0, 0], None).is_err());
        assert!(Symbols::from_nist_bytes(vec![], None).is_err());
    }

    #[test]
    fn rejects_wide_symbols_and_bad_widths() {
        let e = Symbols::new(vec![1, 2, 9], 3).unwrap_err();
        assert!(e.to_string().contains("sample 2 has value 9"), "{e}");
        assert!(Symbols::new(vec![1], 0).is_err());
        assert!(Symbols::new(vec![1], 9).is_err());
    }

    #[test]
    fn bitstring_is_each_samples_bits_most_significant_first() {
        let mut rng = crate::rng::Rng::new(0x2545_F491_4F6C_DD1D, 0);
        for bits in 1..=8u8 {
            let data: Vec<u8> = (0..1_000)
                .map(|_| (rng.next_u64() >> 24) as u8 & ((1u16 << bits) - 1) as u8)
                .collect();
            let s = Symbols::new(data.clone(), bits).unwrap();
            let expected: Vec<u8> = data
                .iter()
                .flat_map(|&v| (0..bits).rev().map(move |j| (v >> j) & 1))
                .collect();
            assert_eq!(s.bitstring(), expected, "{bits} bits");
        }
    }

    #[test]
    fn translation_and_bitstring() {
        let s = Symbols::new(vec![2, 6, 2, 4], 3).unwrap();
        let t = s.translated();
        assert_eq!(t.data, vec![0, 2, 0, 1]);
        assert_eq!(t.alphabet, 3);
        assert_eq!(t.original, vec![2, 4, 6]);
        assert_eq!(s.bitstring(), vec![0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        assert!(!s.is_binary());
        assert!(Symbols::new(vec![0, 3, 3], 2).unwrap().is_binary());
    }

    #[test]
    fn block_selection() {
        let s = Symbols::new((0..10).collect(), 4).unwrap();
        assert_eq!(s.block(1, 4).unwrap().as_slice(), &[4, 5, 6, 7]);
        // A block that runs past the end is refused, not cut short.
        assert!(s.block(2, 4).is_err());
        assert!(s.block(3, 4).is_err());
    }
}
