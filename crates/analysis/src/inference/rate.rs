//! Entropy rate and cost of a collection: what an RNG designer trades against bits per
//! sample. SP 800-90C asks for 320 bits (256 + 64) of min-entropy into a vetted
//! conditioner for a full-entropy 256-bit output; the time to gather them is reported.

use serde::{Deserialize, Serialize};

/// Min-entropy into a vetted conditioner for a full-entropy 256-bit output (SP 800-90C:
/// output length + 64 bits).
pub const FULL_ENTROPY_INPUT_BITS: f64 = 320.0;

/// How a collection went, read from its trace: the time it spanned on its own clock, the
/// CPU time of the collecting process, and the clock itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionInfo {
    /// From the first recorded wait call's start to the last one's end, ns (the trace's own
    /// timestamps; the warm-up is not included).
    pub wall_ns: u64,
    /// User + system CPU time of the collecting process during the collection, ns, when the
    /// collector recorded it.
    pub cpu_ns: Option<u64>,
    /// The clock the durations were read from (e.g. `CLOCK_MONOTONIC_RAW`).
    pub clock: String,
    /// Its resolution as the OS reports it, ns (0 if unknown).
    pub clock_resolution_ns: u64,
}

/// The span of a collection from its first record's start, its last record's start and
/// that record's duration (all ns on the trace's clock).
///
/// ```
/// use kqent_analysis::inference::rate::span_ns;
/// assert_eq!(span_ns(100, 900, 50), 850);
/// ```
pub fn span_ns(first_start: u64, last_start: u64, last_duration: u64) -> u64 {
    last_start
        .saturating_add(last_duration)
        .saturating_sub(first_start)
}

/// One run's rate and cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunRate {
    /// Samples recorded per second of collection.
    pub samples_per_s: f64,
    /// H_assessed x samples / wall seconds: assessed min-entropy per second.
    pub bits_per_s: f64,
    /// The same per CPU-second of the collecting process, when its CPU time is known.
    pub bits_per_cpu_s: Option<f64>,
    /// Seconds of collection to gather [`FULL_ENTROPY_INPUT_BITS`]; `None` at 0 bits/s.
    pub seconds_to_320_bits: Option<f64>,
}

impl RunRate {
    /// The rate of a run of `samples` samples at `h` bits/sample; `None` when the
    /// collection spanned no time.
    ///
    /// ```
    /// use kqent_analysis::inference::rate::{CollectionInfo, RunRate};
    /// let c = CollectionInfo { wall_ns: 2_000_000_000, cpu_ns: Some(500_000_000),
    ///     clock: "c".into(), clock_resolution_ns: 1 };
    /// let r = RunRate::of(2.0, 1000, &c).unwrap();
    /// assert_eq!((r.samples_per_s, r.bits_per_s, r.bits_per_cpu_s), (500.0, 1000.0, Some(4000.0)));
    /// assert_eq!(r.seconds_to_320_bits, Some(0.32));
    /// ```
    pub fn of(h: f64, samples: u64, c: &CollectionInfo) -> Option<RunRate> {
        if c.wall_ns == 0 || !h.is_finite() {
            return None;
        }
        let wall_s = c.wall_ns as f64 / 1e9;
        let bits = h * samples as f64;
        let bits_per_s = bits / wall_s;
        Some(RunRate {
            samples_per_s: samples as f64 / wall_s,
            bits_per_s,
            bits_per_cpu_s: c.cpu_ns.filter(|&n| n > 0).map(|n| bits / (n as f64 / 1e9)),
            seconds_to_320_bits: (bits_per_s > 0.0).then(|| FULL_ENTROPY_INPUT_BITS / bits_per_s),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_span_and_zero_entropy() {
        let mut c = CollectionInfo {
            wall_ns: 0,
            cpu_ns: None,
            clock: "c".into(),
            clock_resolution_ns: 1,
        };
        assert!(RunRate::of(1.0, 10, &c).is_none());
        c.wall_ns = 1_000_000_000;
        let r = RunRate::of(0.0, 10, &c).unwrap();
        assert_eq!(
            (r.bits_per_s, r.seconds_to_320_bits, r.bits_per_cpu_s),
            (0.0, None, None)
        );
        assert_eq!(span_ns(5, 3, 1), 0);
    }
}
