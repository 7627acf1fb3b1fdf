//! The one-sided 99% confidence bound that SP 800-90B section 6.3 applies to every
//! estimated probability (MCV, t-Tuple, LRS, and the X-bar bounds of Collision and
//! Compression).

/// The 0.995 quantile of the standard normal distribution (the text's 2.576, to the
/// precision the reference tool uses).
pub const ZALPHA: f64 = 2.575_829_303_548_901;

/// Upper bound `p_u = min(1, p + ZALPHA * sqrt(p (1 - p) / (n - 1)))` on a proportion `p`
/// estimated from `n` observations (`n >= 2`).
///
/// ```
/// use kqent_analysis::estimators::confidence::upper_bound;
/// let pu = upper_bound(0.5, 1_000_001);
/// assert!((pu - (0.5 + 2.5758293035489008 * 0.0005)).abs() < 1e-12);
/// assert_eq!(upper_bound(1.0, 10), 1.0);
/// ```
pub fn upper_bound(p: f64, n: usize) -> f64 {
    let spread = ZALPHA * (p * (1.0 - p) / (n as f64 - 1.0)).sqrt();
    (p + spread).min(1.0)
}
