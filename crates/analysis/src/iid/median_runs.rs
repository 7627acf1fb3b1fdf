//! SP 800-90B sections 5.1.5 and 5.1.6: number of runs and longest run based on the
//! median. A sample is "above" when it is >= the median (0.5 for binary data).

/// (number of runs, longest run) of the above/below sequence.
///
/// ```
/// use kqent_analysis::iid::median_runs::median_runs;
/// // median 2: above? F T T F F T -> runs [F][T T][F F][T]
/// assert_eq!(median_runs(&[1, 2, 3, 0, 1, 5], 2.0), (4, 2));
/// ```
pub fn median_runs(data: &[u8], median: f64) -> (u64, u64) {
    let Some(&first) = data.first() else {
        return (0, 0);
    };
    let mut prev = f64::from(first) >= median;
    let mut runs = 1u64;
    let mut run = 1u64;
    let mut longest = 1u64;
    for &v in &data[1..] {
        let above = f64::from(v) >= median;
        if above == prev {
            run += 1;
        } else {
            longest = longest.max(run);
            run = 1;
            runs += 1;
        }
        prev = above;
    }
    (runs, longest.max(run))
}
