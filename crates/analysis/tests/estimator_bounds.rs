//! Property: every estimator's value lies in [0, width] (bits per symbol on the symbols,
//! [0, 1] on the bitstring), and H_assessed in [0, bits], on random inputs of random
//! widths, lengths and shapes; every intermediate value is finite (JSON cannot carry NaN).

use kqent_analysis::assess::{assess_non_iid, AssessOptions};
use kqent_analysis::Symbols;
use proptest::prelude::*;

/// Random symbols of width `bits`: uniform, skewed towards 0, or a noisy repeated pattern
/// (so long repeats and not-applicable cases both occur).
fn symbols() -> impl Strategy<Value = (u8, Vec<u8>)> {
    (1u8..=8, 2usize..2500, 0u8..3, any::<u64>()).prop_map(|(bits, n, shape, seed)| {
        let mask = ((1u16 << bits) - 1) as u64;
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let period = 1 + (seed % 17) as usize;
        let data = (0..n)
            .map(|i| {
                let r = next();
                (match shape {
                    0 => r & mask,
                    1 => (r & mask) >> (r % (u64::from(bits) + 1)),
                    _ if r % 10 == 0 => r & mask,
                    _ => (i % period) as u64 & mask,
                }) as u8
            })
            .collect();
        (bits, data)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_estimate_lies_within_the_width((bits, data) in symbols()) {
        let s = Symbols::new(data, bits).unwrap();
        // Nothing is refused: a single distinct symbol assesses to 0 bits.
        let a = assess_non_iid(&s, &AssessOptions::default()).unwrap();
        if s.distinct() == 1 {
            prop_assert_eq!(a.h_assessed, 0.0);
        }
        let width = f64::from(bits);
        for r in &a.original {
            if let Some(h) = r.h() {
                prop_assert!((0.0..=width).contains(&h), "{:?} on symbols: {}", r.estimator, h);
            }
        }
        for r in &a.bitstring {
            if let Some(h) = r.h() {
                prop_assert!((0.0..=1.0).contains(&h), "{:?} on bits: {}", r.estimator, h);
            }
        }
        prop_assert!((0.0..=width).contains(&a.h_assessed));
        prop_assert!(a.h_assessed.is_finite());
        // JSON has no NaN or infinity: serde_json would write null and the report could not
        // be read back.
        for r in a.original.iter().chain(&a.bitstring) {
            for v in &r.values {
                prop_assert!(v.value.is_finite(), "{:?}: {} = {}", r.estimator, v.name, v.value);
            }
        }
    }
}
