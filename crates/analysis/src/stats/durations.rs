//! Summary of the raw wait-call durations (ns) and of the event kinds that fired.

use kqent_trace::{gcd, EventKinds};
use serde::{Deserialize, Serialize};

use super::{log_histogram, LogBin};
use crate::AnalysisError;

// The event kinds are defined once, by the trace format.
const KIND_TIMER: u32 = EventKinds::TIMER.0;
const KIND_FILE: u32 = EventKinds::FILE.0;
const KIND_SOCKET_READ: u32 = EventKinds::SOCKET_READ.0;
const KIND_SOCKET_WRITE: u32 = EventKinds::SOCKET_WRITE.0;
const KIND_FAILED: u32 = EventKinds::FAILED.0;

/// How many wait calls saw each kind of event fire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindMix {
    /// Wait calls counted.
    pub calls: u64,
    /// Calls on which a timer fired.
    pub timer: u64,
    /// Calls on which a watched file fired.
    pub file: u64,
    /// Calls on which a socket became readable.
    pub socket_read: u64,
    /// Calls on which a socket became writable.
    pub socket_write: u64,
    /// Calls that returned no event (timed out).
    pub none: u64,
    /// Calls on which two or more kinds fired together.
    pub mixed: u64,
    /// Calls that failed (`--profile openentropy` records them as samples, flagged with
    /// bit 16); neither `none` nor any kind.
    #[serde(default)]
    pub failed: u64,
}

impl KindMix {
    /// Tallies a slice of kind bitmasks (bits other than the four kinds are ignored).
    ///
    /// ```
    /// use kqent_analysis::stats::KindMix;
    /// use kqent_trace::EventKinds;
    /// let (timer, file) = (EventKinds::TIMER.0, EventKinds::FILE.0);
    /// let m = KindMix::tally(&[timer, 0, timer | file]);
    /// assert_eq!((m.calls, m.timer, m.file, m.none, m.mixed), (3, 2, 1, 1, 1));
    /// let f = KindMix::tally(&[EventKinds::FAILED.0, 0]);
    /// assert_eq!((f.failed, f.none), (1, 1));
    /// ```
    pub fn tally(kinds: &[u32]) -> KindMix {
        let mut m = KindMix {
            calls: kinds.len() as u64,
            ..KindMix::default()
        };
        for &k in kinds {
            if k & KIND_FAILED != 0 {
                m.failed += 1;
                continue;
            }
            let k = k & (KIND_TIMER | KIND_FILE | KIND_SOCKET_READ | KIND_SOCKET_WRITE);
            m.timer += u64::from(k & KIND_TIMER != 0);
            m.file += u64::from(k & KIND_FILE != 0);
            m.socket_read += u64::from(k & KIND_SOCKET_READ != 0);
            m.socket_write += u64::from(k & KIND_SOCKET_WRITE != 0);
            m.none += u64::from(k == 0);
            m.mixed += u64::from(k.count_ones() >= 2);
        }
        m
    }
}

/// Summary statistics of raw durations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationStats {
    /// Number of durations.
    pub count: u64,
    /// Smallest, ns.
    pub min: u64,
    /// Mean, ns.
    pub mean: f64,
    /// Median, ns (mean of the two middle values for an even count).
    pub median: f64,
    /// 1st percentile, ns (nearest rank).
    pub p1: u64,
    /// 99th percentile, ns (nearest rank).
    pub p99: u64,
    /// Largest, ns.
    pub max: u64,
    /// Observed tick: the GCD of all durations, ns (0 when every duration is 0). Above 1,
    /// the low bits of a duration are not random.
    pub tick: u64,
    /// Durations equal to 0 (not on the log-scale histogram).
    pub zeros: u64,
    /// Log-scale histogram of the non-zero durations, [`BINS_PER_DECADE`] bins per decade.
    pub histogram: Vec<LogBin>,
    /// Which kinds of event fired; `None` when the kinds were not given.
    pub kinds: Option<KindMix>,
}

/// Bins per decade of [`DurationStats::histogram`].
pub const BINS_PER_DECADE: u32 = 50;

/// Summarises `durations` (ns) and, when `kinds` is non-empty, the kind bitmask of each
/// call (it must then have one entry per duration).
///
/// ```
/// use kqent_analysis::stats::duration_stats;
/// let s = duration_stats(&[30, 10, 20, 40], &[]).unwrap();
/// assert_eq!((s.min, s.max, s.median, s.mean, s.tick), (10, 40, 25.0, 25.0, 10));
/// ```
pub fn duration_stats(durations: &[u64], kinds: &[u32]) -> Result<DurationStats, AnalysisError> {
    if durations.is_empty() {
        return Err(AnalysisError::Empty);
    }
    if !kinds.is_empty() && kinds.len() != durations.len() {
        return Err(AnalysisError::InvalidArgument(format!(
            "{} kind masks for {} durations",
            kinds.len(),
            durations.len()
        )));
    }
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let rank = |p: f64| {
        // Nearest rank: the smallest value with at least p% of the data at or below it.
        let r = ((p / 100.0) * n as f64).ceil() as usize;
        sorted[r.clamp(1, n) - 1]
    };
    let median = if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0
    };
    let sum: u128 = durations.iter().map(|&d| u128::from(d)).sum();
    let tick = durations.iter().fold(0u64, |g, &d| gcd(g, d));
    Ok(DurationStats {
        count: n as u64,
        min: sorted[0],
        mean: sum as f64 / n as f64,
        median,
        p1: rank(1.0),
        p99: rank(99.0),
        max: sorted[n - 1],
        tick,
        zeros: sorted.iter().take_while(|&&d| d == 0).count() as u64,
        histogram: log_histogram(durations, BINS_PER_DECADE),
        kinds: (!kinds.is_empty()).then(|| KindMix::tally(kinds)),
    })
}

/// Up to `max_pairs` consecutive pairs `(d_i, d_{i+1})` for a lag plot, taken at evenly
/// spaced `i` across the whole sequence so that every part of the run is represented.
///
/// ```
/// use kqent_analysis::stats::lag_pairs;
/// assert_eq!(lag_pairs(&[1, 2, 3, 4, 5], 2), vec![[1, 2], [3, 4]]);
/// assert_eq!(lag_pairs(&[1, 2, 3], 10), vec![[1, 2], [2, 3]]);
/// ```
pub fn lag_pairs(durations: &[u64], max_pairs: usize) -> Vec<[u64; 2]> {
    let pairs = durations.len().saturating_sub(1);
    let take = pairs.min(max_pairs);
    (0..take)
        .map(|j| {
            let i = j * pairs / take;
            [durations[i], durations[i + 1]]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_tick() {
        let d: Vec<u64> = (1..=200).map(|i| i * 3).collect();
        let s = duration_stats(&d, &[]).unwrap();
        assert_eq!((s.p1, s.p99), (6, 594));
        assert_eq!(s.tick, 3);
        assert_eq!(s.median, 301.5);
        assert_eq!(s.zeros, 0);
        assert!(s.kinds.is_none());
        let s = duration_stats(&[0, 0, 7], &[1, 2, 12]).unwrap();
        assert_eq!((s.tick, s.zeros, s.median, s.p1), (7, 2, 0.0, 0));
        let k = s.kinds.unwrap();
        assert_eq!((k.socket_read, k.socket_write, k.mixed), (1, 1, 1));
        assert_eq!(duration_stats(&[0], &[]).unwrap().tick, 0);
    }

    #[test]
    fn bad_input() {
        assert!(duration_stats(&[], &[]).is_err());
        assert!(duration_stats(&[1, 2], &[1]).is_err());
        assert!(lag_pairs(&[1], 5).is_empty());
        assert!(lag_pairs(&[1, 2], 0).is_empty());
    }
}
