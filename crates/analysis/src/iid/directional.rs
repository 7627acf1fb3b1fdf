//! SP 800-90B sections 5.1.2 - 5.1.4: number of directional runs, length of directional
//! runs, number of increases and decreases. Step i is "up" when s_i <= s_{i+1} and "down"
//! otherwise (the section's s'_i = +1 / -1). Binary data is first reduced with Conversion I.

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
    let mut runs = 1u64;
    let mut longest = 1u64;
    let mut run = 0u64;
    let mut ups = 0u64;
    let mut prev_up = data[0] <= data[1];
    // Branch-free on purpose: on random data the direction changes unpredictably.
    for w in data.windows(2) {
        let up = w[0] <= w[1];
        ups += u64::from(up);
        let same = u64::from(up == prev_up);
        runs += 1 - same;
        run = run * same + 1;
        longest = longest.max(run);
        prev_up = up;
    }
    let steps = (data.len() - 1) as u64;
    (runs, longest, ups.max(steps - ups))
}

/// Number of directional runs only (5.1.2).
pub fn number_of_runs(data: &[u8]) -> u64 {
    if data.len() < 2 {
        return 0;
    }
    let mut runs = 1u64;
    let mut prev_up = data[0] <= data[1];
    for w in data[1..].windows(2) {
        let up = w[0] <= w[1];
        runs += u64::from(up != prev_up);
        prev_up = up;
    }
    runs
}

/// Longest directional run only (5.1.3).
pub fn longest_run(data: &[u8]) -> u64 {
    directional(data).1
}

/// Number of increases and decreases only (5.1.4): max(#up, #down).
pub fn increases_decreases(data: &[u8]) -> u64 {
    if data.len() < 2 {
        return 0;
    }
    let ups = data.windows(2).filter(|w| w[0] <= w[1]).count() as u64;
    let steps = (data.len() - 1) as u64;
    ups.max(steps - ups)
}
