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
    // The comparison with the median as a table: the loop below stays branch-free, which
    // matters on random data where a branch would be mispredicted half the time.
    let mut above = [0u8; 256];
    for (v, a) in above.iter_mut().enumerate() {
        *a = u8::from(v as f64 >= median);
    }
    let mut prev = above[first as usize];
    let mut changes = 0u64;
    let mut run = 1u64;
    let mut longest = 1u64;
    for &v in &data[1..] {
        let a = above[v as usize];
        let same = u64::from(a == prev);
        changes += 1 - same;
        run = run * same + 1;
        longest = longest.max(run);
        prev = a;
    }
    (changes + 1, longest)
}
