//! RFC 3339 timestamps (for `Provenance::start_time` and report provenance) without a
//! date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// A time as `YYYY-MM-DDTHH:MM:SSZ` (UTC, second precision); times before the epoch print
/// as the epoch.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
/// assert_eq!(kqent_trace::rfc3339(t), "2000-02-29T00:00:00Z");
/// ```
pub fn rfc3339(t: SystemTime) -> String {
    rfc3339_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_secs(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm:
/// shift to eras of 400 years starting on March 1st, where leap days fall last).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_secs(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_secs(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339_secs(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(rfc3339_secs(1_234_567_890), "2009-02-13T23:31:30Z");
        let now = rfc3339(SystemTime::now());
        assert_eq!(now.len(), 20);
        assert!(now.ends_with('Z'));
        let before_epoch = UNIX_EPOCH - std::time::Duration::from_secs(5);
        assert_eq!(rfc3339(before_epoch), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn day_by_day_is_consistent() {
        // Walking four centuries one day at a time never skips or repeats a date.
        let mut prev = civil_from_days(-1);
        for z in 0..146_097 * 2 {
            let cur = civil_from_days(z);
            let next_day = (prev.0, prev.1, prev.2 + 1);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == next_day || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }
}
