//! "Does combining event kinds add entropy?": each combination of kinds against the same
//! counts of each kind alone, all other knobs equal.

use serde::{Deserialize, Serialize};

use crate::aggregate::ConfigSummary;
use kqent_schema::Knobs;

/// The three event sources a configuration can combine.
pub const KINDS: [&str; 3] = ["timers", "sockets", "watchers"];

fn counts(k: &Knobs) -> [u64; 3] {
    [
        u64::from(k.num_timers),
        u64::from(k.num_sockets),
        u64::from(k.num_file_watchers),
    ]
}

/// One combination against its single-kind parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindComparison {
    /// The combined configuration.
    pub combined_id: String,
    /// Counts of timers, sockets, watchers in it.
    pub counts: [u64; 3],
    /// Mean H_assessed of the combination, bits per symbol.
    pub h_combined: f64,
    /// For each kind present: (kind name, its single-kind config id, its mean H_assessed).
    pub singles: Vec<(String, String, f64)>,
    /// `h_combined - max(single)`: positive when combining adds entropy.
    pub gain: f64,
}

/// Every configuration with two or more kinds whose single-kind counterparts (same count of
/// that kind, the others 0, every other knob equal) are all in `summaries`.
/// Uses the mean of H_assessed over repetitions.
pub fn kind_comparisons(summaries: &[ConfigSummary]) -> Vec<KindComparison> {
    let mut out = Vec::new();
    for s in summaries {
        let Some(k) = &s.knobs else { continue };
        let c = counts(k);
        if c.iter().filter(|&&n| n > 0).count() < 2 {
            continue;
        }
        let mut singles = Vec::new();
        for (i, name) in KINDS.iter().enumerate() {
            if c[i] == 0 {
                continue;
            }
            let mut want = [0u64; 3];
            want[i] = c[i];
            let found = summaries.iter().find(|o| {
                o.knobs.as_ref().is_some_and(|ok| {
                    counts(ok) == want
                        && ok.timeout_ms == k.timeout_ms
                        && ok.poke_interval_us == k.poke_interval_us
                        && ok.write_trigger == k.write_trigger
                        && ok.warmup == k.warmup
                })
            });
            match found {
                Some(o) => singles.push((name.to_string(), o.config_id.clone(), o.h_assessed.mean)),
                None => break,
            }
        }
        if singles.len() != c.iter().filter(|&&n| n > 0).count() {
            continue;
        }
        let best = singles
            .iter()
            .map(|s| s.2)
            .fold(f64::NEG_INFINITY, f64::max);
        out.push(KindComparison {
            combined_id: s.config_id.clone(),
            counts: c,
            h_combined: s.h_assessed.mean,
            singles,
            gain: s.h_assessed.mean - best,
        });
    }
    out
}

/// A one-line answer over all comparisons; `None` when there is none.
pub fn verdict(comparisons: &[KindComparison]) -> Option<String> {
    if comparisons.is_empty() {
        return None;
    }
    let more = comparisons.iter().filter(|c| c.gain > 0.0).count();
    let mean_gain = comparisons.iter().map(|c| c.gain).sum::<f64>() / comparisons.len() as f64;
    let answer = if more == comparisons.len() {
        "yes"
    } else if more == 0 {
        "no"
    } else {
        "sometimes"
    };
    Some(format!(
        "{answer}: the combination beats the best single kind in {more} of {} comparisons (mean gain {mean_gain:+.4} bits/symbol)",
        comparisons.len()
    ))
}
