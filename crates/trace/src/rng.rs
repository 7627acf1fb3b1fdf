//! SplitMix64 (Steele, Lea and Flood; Vigna's constants): kqent's one seeded generator.
//! The mock backend draws its synthetic durations from it, the analysis seeds its
//! per-task xoshiro256** streams through it (`kqent_analysis::rng`), and the synthetic
//! fixtures use it. It lives here, in the crate every other crate shares, so that none of
//! them keeps a copy.

/// SplitMix64: tiny, fast, and fully determined by its seed.
///
/// ```
/// use kqent_trace::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// // The first output for seed 0 (Vigna's reference implementation).
/// assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Advances the state and returns the next well-mixed 64-bit value.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
