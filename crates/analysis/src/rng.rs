//! Seeded pseudo-random numbers for every random step of the analysis (IID permutations,
//! restart-test simulation).
//!
//! xoshiro256** (Blackman and Vigna) seeded through SplitMix64 (kqent's one seeded
//! generator, [`kqent_trace::SplitMix64`]). Each random task gets its own stream from
//! `(seed, stream)`, so task `j` draws the same numbers whichever thread runs it and in
//! whatever order: results do not depend on the thread count.

use kqent_trace::SplitMix64;

/// The xoshiro256** generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator of stream `stream` under `seed`. Distinct `(seed, stream)` pairs give
    /// unrelated sequences: the pair is hashed through SplitMix64 before seeding.
    ///
    /// ```
    /// use kqent_analysis::rng::Rng;
    /// let mut a = Rng::new(7, 3);
    /// let mut b = Rng::new(7, 3);
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// assert_ne!(Rng::new(7, 3).next_u64(), Rng::new(7, 4).next_u64());
    /// ```
    pub fn new(seed: u64, stream: u64) -> Self {
        let a = SplitMix64::new(seed).next_u64();
        let mut st = SplitMix64::new(a ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let s = [st.next_u64(), st.next_u64(), st.next_u64(), st.next_u64()];
        // SplitMix64 never yields four zeros in a row, but keep the invariant explicit.
        if s == [0; 4] {
            return Rng { s: [1, 2, 3, 4] };
        }
        Rng { s }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..bound` (`bound > 0`), without modulo bias (Lemire's
    /// multiply-and-reject method).
    ///
    /// ```
    /// use kqent_analysis::rng::Rng;
    /// let mut r = Rng::new(1, 0);
    /// assert!((0..1000).all(|_| r.below(10) < 10));
    /// ```
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        let mut m = u128::from(self.next_u64()) * u128::from(bound);
        let mut low = m as u64;
        if low < bound {
            let threshold = bound.wrapping_neg() % bound;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(bound);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// Shuffles `data` in place with the Fisher-Yates algorithm: for `i` from the end down to
    /// 1, swap element `i` with a uniform element of `0..=i`.
    ///
    /// ```
    /// use kqent_analysis::rng::Rng;
    /// let mut v: Vec<u32> = (0..100).collect();
    /// Rng::new(5, 0).shuffle(&mut v);
    /// let mut sorted = v.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    /// assert_ne!(v, sorted);
    /// ```
    pub fn shuffle<T>(&mut self, data: &mut [T]) {
        let n = data.len();
        let mut i = n;
        // Above 2^32 elements: 64-bit draws.
        while i > 1 && i as u64 > u64::from(u32::MAX) {
            i -= 1;
            let r = self.below(i as u64 + 1) as usize;
            data.swap(i, r);
        }
        // Below: 32-bit draws, two per generator step (half the generator work): the high
        // half first, the low half kept for the next draw. Both halves of a step are used
        // at once, without the bookkeeping, when neither needs Lemire's rejection test (all
        // but about one pair in 4,000 at a million elements); otherwise one element goes
        // the general way, which draws exactly as the pair would have.
        let mut spare: Option<u32> = None;
        while i > 2 {
            i -= 1;
            let first = match spare.take() {
                Some(x) => x,
                None => {
                    let v = self.next_u64();
                    let (high, low) = ((v >> 32) as u32, v as u32);
                    let (b1, b2) = (i as u32 + 1, i as u32);
                    let (m1, m2) = (
                        u64::from(high) * u64::from(b1),
                        u64::from(low) * u64::from(b2),
                    );
                    if m1 as u32 >= b1 && m2 as u32 >= b2 {
                        data.swap(i, (m1 >> 32) as usize);
                        i -= 1;
                        data.swap(i, (m2 >> 32) as usize);
                        continue;
                    }
                    spare = Some(low);
                    high
                }
            };
            let r = self.finish_below(first, i as u32 + 1, &mut spare);
            data.swap(i, r as usize);
        }
        while i > 1 {
            i -= 1;
            let first = self.next32(&mut spare);
            let r = self.finish_below(first, i as u32 + 1, &mut spare);
            data.swap(i, r as usize);
        }
    }

    /// The next 32-bit draw of a shuffle: the high half of a fresh step, or the low half
    /// `spare` kept from the last one.
    #[inline]
    fn next32(&mut self, spare: &mut Option<u32>) -> u32 {
        match spare.take() {
            Some(x) => x,
            None => {
                let v = self.next_u64();
                *spare = Some(v as u32);
                (v >> 32) as u32
            }
        }
    }

    /// A uniform value below `bound` from the 32-bit draw `first` by Lemire's
    /// multiply-and-reject, drawing again (via `spare`) while the draw is rejected.
    #[inline]
    fn finish_below(&mut self, first: u32, bound: u32, spare: &mut Option<u32>) -> u32 {
        let mut m = u64::from(first) * u64::from(bound);
        if (m as u32) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (m as u32) < threshold {
                m = u64::from(self.next32(spare)) * u64::from(bound);
            }
        }
        (m >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_reference_sequence() {
        // Reference values of xoshiro256** from state {1, 2, 3, 4} (Vigna's C code).
        let mut r = Rng { s: [1, 2, 3, 4] };
        let expect = [11520u64, 0, 1509978240, 1215971899390074240];
        for e in expect {
            assert_eq!(r.next_u64(), e);
        }
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = Rng::new(42, 0);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    /// The shuffle as first written: one 32-bit draw at a time through the spare half.
    fn shuffle_one_draw_at_a_time<T>(rng: &mut Rng, data: &mut [T]) {
        let mut i = data.len();
        let mut spare: Option<u32> = None;
        while i > 1 {
            i -= 1;
            let bound = i as u32 + 1;
            let mut m = u64::from(rng.next32(&mut spare)) * u64::from(bound);
            if (m as u32) < bound {
                let threshold = bound.wrapping_neg() % bound;
                while (m as u32) < threshold {
                    m = u64::from(rng.next32(&mut spare)) * u64::from(bound);
                }
            }
            data.swap(i, (m >> 32) as usize);
        }
    }

    #[test]
    fn paired_draws_shuffle_as_one_at_a_time_did() {
        // A million elements: about 230 pairs take the general way and about 60 draws are
        // rejected, so both paths and the rejection loop run.
        for seed in 0..3 {
            let mut a: Vec<u32> = (0..1_000_000).collect();
            let mut b = a.clone();
            Rng::new(seed, 7).shuffle(&mut a);
            shuffle_one_draw_at_a_time(&mut Rng::new(seed, 7), &mut b);
            assert_eq!(a, b, "seed {seed}");
        }
    }

    proptest::proptest! {
        #[test]
        fn shuffle_equals_one_draw_at_a_time(len in 0usize..3000, seed in proptest::prelude::any::<u64>()) {
            let mut a: Vec<u16> = (0..len as u16).collect();
            let mut b = a.clone();
            let (mut r1, mut r2) = (Rng::new(seed, 1), Rng::new(seed, 1));
            r1.shuffle(&mut a);
            shuffle_one_draw_at_a_time(&mut r2, &mut b);
            proptest::prop_assert_eq!(a, b);
            // The generators end in the same state: the next draws agree too.
            proptest::prop_assert_eq!(r1.next_u64(), r2.next_u64());
        }
    }

    #[test]
    fn shuffle_positions_are_uniform() {
        // Where element 0 lands after a shuffle of 4 elements: 1/4 each.
        let mut counts = [0u32; 4];
        for j in 0..40_000 {
            let mut v = [0u8, 1, 2, 3];
            Rng::new(9, j).shuffle(&mut v);
            let pos = v.iter().position(|&x| x == 0).unwrap();
            counts[pos] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: Vec<u64> = (0..4).map(|j| Rng::new(0, j).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|j| Rng::new(0, j).next_u64()).collect();
        assert_eq!(a, b);
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 4);
        assert_ne!(Rng::new(1, 0).next_u64(), Rng::new(0, 0).next_u64());
        let f = Rng::new(3, 3).next_f64();
        assert!((0.0..1.0).contains(&f));
    }
}
