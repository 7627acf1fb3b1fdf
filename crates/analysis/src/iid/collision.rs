//! SP 800-90B sections 5.1.7 and 5.1.8: average and maximum collision. The data is cut,
//! from the start, into consecutive windows that each end at the first repeated value
//! inside them; a final window without a repeat is dropped. Binary data is first packed
//! with Conversion II.

/// (average, maximum) window length; (0, 0) when there is no collision at all.
///
/// ```
/// use kqent_analysis::iid::collision::collisions;
/// // [1 2 1] [3 3] [2 0 2] [1]: windows of 3, 2, 3; the trailing [1] has no repeat.
/// assert_eq!(collisions(&[1, 2, 1, 3, 3, 2, 0, 2, 1]), (8.0 / 3.0, 3));
/// ```
pub fn collisions(data: &[u8]) -> (f64, u64) {
    // seen[v] == window number marks v as present in the current window: no clearing.
    let mut seen = [0u32; 256];
    let mut window = 1u32;
    let mut start = 0usize;
    let mut total = 0u64;
    let mut count = 0u64;
    let mut max = 0u64;
    for (i, &v) in data.iter().enumerate() {
        if seen[v as usize] == window {
            let len = (i - start + 1) as u64;
            total += len;
            count += 1;
            max = max.max(len);
            start = i + 1;
            window += 1;
        } else {
            seen[v as usize] = window;
        }
    }
    if count == 0 {
        return (0.0, 0);
    }
    (total as f64 / count as f64, max)
}
