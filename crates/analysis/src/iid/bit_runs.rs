//! Runs of a two-valued sequence, 64 elements at a time: the machinery behind the runs
//! statistics of SP 800-90B sections 5.1.2 - 5.1.6 (directional runs, and runs based on
//! the median), which shuffle-bound files compute on thousands of permutations.
//!
//! The sequence arrives as bit masks (bit k: element k is "up" / "above"). Run starts are
//! `mask ^ (mask << 1)`, their number a popcount, and the gaps between starts are walked
//! only in a word that can hold a run longer than the longest so far (a shift-and test
//! tells), which after the first words is almost none.

/// Bit k set when `flags[k]` is 1 (flags are 0 or 1): each 8 flags are gathered into a
/// byte by one multiplication (flag j of a word lands on bit 56 + j, no partial products
/// collide there).
#[inline]
pub(crate) fn pack_flags(flags: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (j, eight) in flags.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(eight);
        let x = u64::from_le_bytes(b);
        mask |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    mask
}

/// Run state carried from one word of the sequence to the next.
pub(crate) struct BitRuns {
    /// The last element seen (0 or 1).
    previous: u64,
    /// Run starts after the first element, so far.
    changes: u64,
    /// Longest finished run.
    longest: u64,
    /// Length of the run still open at the end of the last word.
    current: u64,
    first_word: bool,
}

impl BitRuns {
    /// A sequence whose first element is `first`.
    pub(crate) fn new(first: bool) -> BitRuns {
        BitRuns {
            previous: u64::from(first),
            changes: 0,
            longest: 0,
            current: 0,
            first_word: true,
        }
    }

    /// Takes the next `len` (1 to 64) elements, element k in bit k of `mask` (higher bits
    /// ignored).
    #[inline]
    pub(crate) fn word(&mut self, mask: u64, len: usize) {
        // Bit k: element k starts a new run (differs from the one before).
        let mut starts = mask ^ ((mask << 1) | self.previous);
        if len < 64 {
            starts &= (1u64 << len) - 1;
        }
        if self.first_word {
            starts &= !1;
            self.first_word = false;
        }
        self.previous = (mask >> (len - 1)) & 1;
        if starts == 0 {
            self.current += len as u64;
            return;
        }
        self.changes += u64::from(starts.count_ones());
        let (lo, hi) = (starts.trailing_zeros(), 63 - starts.leading_zeros());
        self.longest = self.longest.max(self.current + u64::from(lo));
        if hi > lo {
            // Runs that start and end inside this word: a run of r elements is r - 1 clear
            // bits between two starts. Walk them only if one can beat the longest.
            let between = !starts & ((1u64 << hi) - 1) & !((2u64 << lo) - 1);
            if self.longest < 63 && (self.longest == 0 || has_ones(between, self.longest as u32)) {
                let (mut rest, mut at) = (starts & !(1u64 << lo), lo);
                while rest != 0 {
                    let k = rest.trailing_zeros();
                    self.longest = self.longest.max(u64::from(k - at));
                    at = k;
                    rest &= rest - 1;
                }
            }
        }
        self.current = len as u64 - u64::from(hi);
    }

    /// (number of runs, longest run) of the elements taken (at least one).
    pub(crate) fn finish(&self) -> (u64, u64) {
        (self.changes + 1, self.longest.max(self.current))
    }
}

/// Whether `x` holds `m` (>= 1) consecutive set bits: shift-and doubling, then one shift by
/// the remainder (two overlapping windows of `have` bits cover `m`).
#[inline]
fn has_ones(x: u64, m: u32) -> bool {
    let mut y = x;
    let mut have = 1;
    while have * 2 <= m {
        y &= y >> have;
        have *= 2;
    }
    if have < m {
        y &= y >> (m - have);
    }
    y != 0
}

/// (number of runs, longest run) of a non-empty sequence, one element at a time: the
/// definition the tests of the runs statistics compare with.
#[cfg(test)]
pub(crate) fn runs_by_definition(bits: &[bool]) -> (u64, u64) {
    let (mut runs, mut run, mut longest) = (1u64, 1u64, 1u64);
    for w in bits.windows(2) {
        if w[0] == w[1] {
            run += 1;
        } else {
            runs += 1;
            run = 1;
        }
        longest = longest.max(run);
    }
    (runs, longest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_words(bits: &[bool]) -> (u64, u64) {
        let mut runs = BitRuns::new(bits[0]);
        for chunk in bits.chunks(64) {
            let mask = chunk
                .iter()
                .enumerate()
                .fold(0u64, |m, (k, &b)| m | u64::from(b) << k);
            runs.word(mask, chunk.len());
        }
        runs.finish()
    }

    #[test]
    fn shift_and_test_and_flag_packing() {
        assert!(has_ones(0b0111_0110, 3) && !has_ones(0b0111_0110, 4));
        assert!(has_ones(!0, 64) && !has_ones(!0 >> 1, 64));
        let mut flags = [0u8; 64];
        for k in [0, 7, 8, 33, 63] {
            flags[k] = 1;
        }
        assert_eq!(pack_flags(&flags), 1 | 1 << 7 | 1 << 8 | 1 << 33 | 1 << 63);
        assert_eq!(pack_flags(&[1; 64]), !0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn equals_the_definition(
            len in 1usize..700,
            runs_of in 1usize..100,
            seed in any::<u64>(),
        ) {
            // Stretches of random length up to `runs_of`: short and long runs, across words.
            let mut r = crate::rng::Rng::new(seed, 0);
            let mut bits = Vec::with_capacity(len);
            while bits.len() < len {
                let b = r.below(2) == 1;
                let k = 1 + r.below(runs_of as u64) as usize;
                bits.extend(std::iter::repeat_n(b, k.min(len - bits.len())));
            }
            prop_assert_eq!(by_words(&bits), runs_by_definition(&bits));
        }
    }
}
