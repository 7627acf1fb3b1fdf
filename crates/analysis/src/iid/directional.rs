//! SP 800-90B sections 5.1.2 - 5.1.4: number of directional runs, length of directional
//! runs, number of increases and decreases. Step i is "up" when s_i <= s_{i+1} and "down"
//! otherwise (the section's s'_i = +1 / -1). Binary data is first reduced with Conversion I.
//! The steps are taken 64 at a time as bit masks ([`super::bit_runs`]).

use super::bit_runs::{pack_flags, BitRuns};

/// The three statistics at once: (number of runs, longest run, max(#up, #down)).
///
/// ```
/// use kqent_analysis::iid::directional::directional;
/// // Steps: up, up, down, up  -> runs [up up][down][up]
/// assert_eq!(directional(&[1, 2, 2, 0, 5]), (3, 2, 3));
/// ```
pub fn directional(data: &[u8]) -> (u64, u64, u64) {
    if data.len() < 2 {
        return (0, 1, 0);
    }
    let steps = data.len() - 1;
    let mut runs = BitRuns::new(data[0] <= data[1]);
    let mut ups = 0u64;
    // 64 steps at a time: the comparisons vectorise into a mask of up steps.
    let (before, after) = (&data[..steps], &data[1..]);
    let mut flags = [0u8; 64];
    for (a, b) in before.chunks(64).zip(after.chunks(64)) {
        let mask = if let (Ok(a), Ok(b)) = (<&[u8; 64]>::try_from(a), <&[u8; 64]>::try_from(b)) {
            for ((f, x), y) in flags.iter_mut().zip(a).zip(b) {
                *f = u8::from(x <= y);
            }
            pack_flags(&flags)
        } else {
            a.iter()
                .zip(b)
                .enumerate()
                .fold(0u64, |m, (k, (x, y))| m | u64::from(x <= y) << k)
        };
        ups += u64::from(mask.count_ones());
        runs.word(mask, a.len());
    }
    let (number, longest) = runs.finish();
    (number, longest, ups.max(steps as u64 - ups))
}

/// Number of directional runs only (5.1.2).
pub fn number_of_runs(data: &[u8]) -> u64 {
    directional(data).0
}

/// Longest directional run only (5.1.3).
pub fn longest_run(data: &[u8]) -> u64 {
    directional(data).1
}

/// Number of increases and decreases only (5.1.4): max(#up, #down).
pub fn increases_decreases(data: &[u8]) -> u64 {
    directional(data).2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: steps one at a time.
    fn by_definition(data: &[u8]) -> (u64, u64, u64) {
        let up: Vec<bool> = data.windows(2).map(|w| w[0] <= w[1]).collect();
        let (runs, longest) = crate::iid::bit_runs::runs_by_definition(&up);
        let ups = up.iter().filter(|&&u| u).count() as u64;
        (runs, longest, ups.max(up.len() as u64 - ups))
    }

    #[test]
    fn long_monotone_stretches_across_words() {
        // Rising and falling ramps of 1 to 300 steps, flat stretches (equal is up), and
        // lengths around the 64-step words.
        let mut data = Vec::new();
        for (k, len) in [1usize, 63, 64, 65, 300, 2, 129, 7].iter().enumerate() {
            for i in 0..*len {
                let v = (i % 200) as u8;
                data.push(if k % 2 == 0 { v } else { 255 - v });
            }
            data.extend([9u8; 70]);
        }
        for end in [2, 3, 64, 65, 66, 129, 500, data.len()] {
            let d = &data[..end];
            assert_eq!(directional(d), by_definition(d), "{end}");
            assert_eq!(number_of_runs(d), by_definition(d).0);
            assert_eq!(longest_run(d), by_definition(d).1);
            assert_eq!(increases_decreases(d), by_definition(d).2);
        }
        assert_eq!(directional(&[4]), (0, 1, 0));
    }
}
