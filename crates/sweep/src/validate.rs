//! What `kqent gate` (and `kqent report`) check in the documents they read before they
//! believe a figure: every result's values in their ranges, each run once, and, for a
//! sweep directory, exactly the runs its manifest asks for. Nothing is recomputed or
//! corrected: a document that fails a check is an error naming the result and the value.
//!
//! - ranges: symbol width 1..=8 and the same in the assessment, the statistics and the
//!   extraction; `0 <= H <= width` for `H_assessed` (and the IID track's and the other
//!   extractions'), finite; `0 <= max |r_k| <= 1` and every `r_k` in [-1, 1]; samples
//!   assessed no more than the input holds; repetition from 1.
//! - duplicates: one result per (configuration id, repetition, host), and no two results
//!   computed from the same input (`input.sha256`) on one host: a copied result is refused.
//!   The host is part of both keys because a merged directory holds each run once per host
//!   (and the seeded mock backend gives simulated hosts identical traces).
//! - the manifest: every result belongs to it (its configurations under each profile,
//!   repetitions 1..=repeat, a shard's own positions of the canonical order), and every run
//!   it asks for has a result, unless `allow_incomplete`; a merged directory's missing runs
//!   are the ones `kqent merge` recorded; a directory without a manifest cannot show it is
//!   complete and needs `allow_incomplete` too.

use std::collections::{BTreeMap, BTreeSet};

use kqent_schema::summary::host_label;
use kqent_schema::{Loaded, ResultReport};
use kqent_trace::Profile;

use crate::SweepError;

/// How strict [`check`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Missing runs (or a directory without a manifest) are warnings, not errors.
    pub allow_incomplete: bool,
    /// The source is a sweep directory (not a single result file).
    pub directory: bool,
    /// Two results computed from the same input (`input.sha256`) are an error: what the
    /// gate asks, so that a copied result cannot count twice. A report only shows them.
    pub distinct_inputs: bool,
}

/// Runs every check on `loaded`; returns the warnings (missing runs allowed by
/// `allow_incomplete`), or the first problem as an error.
pub fn check(loaded: &Loaded, opts: &CheckOptions) -> Result<Vec<String>, SweepError> {
    let mut warnings = Vec::new();
    for r in &loaded.results {
        check_ranges(r).map_err(|m| invalid(r, &m))?;
    }
    let mut seen: BTreeSet<(&str, u32, String)> = BTreeSet::new();
    // Per host: the seeded mock gives two simulated hosts the same trace by design.
    let mut inputs: BTreeMap<(&str, String), &ResultReport> = BTreeMap::new();
    for r in &loaded.results {
        if !seen.insert((r.config_id.as_str(), r.repetition, host_label(r))) {
            return Err(SweepError::Other(format!(
                "the results hold {} twice (a copied result file?): each run counts once",
                run_name(r)
            )));
        }
        if !opts.distinct_inputs {
            continue;
        }
        if let Some(other) = inputs.insert((r.input.sha256.as_str(), host_label(r)), r) {
            return Err(SweepError::Other(format!(
                "{} and {} were computed from the same input (sha256 {}): a copied result counts once",
                run_name(other),
                run_name(r),
                short(&r.input.sha256)
            )));
        }
    }
    match &loaded.manifest {
        Some(m) if m.merged.is_some() => {
            // `kqent merge` checked every directory against the grid and recorded what no
            // directory holds, per platform.
            let merged = m.merged.as_ref().map(|x| &x.missing[..]).unwrap_or(&[]);
            if !merged.is_empty() {
                let message = format!(
                    "merged sweep incomplete, {} result(s) present; missing {} run(s), e.g. {:?} r{} on {:?}",
                    loaded.results.len(),
                    merged.len(),
                    merged[0].config_id,
                    merged[0].repetition,
                    merged[0].platform
                );
                if !opts.allow_incomplete {
                    return Err(SweepError::Other(format!(
                        "{message} (collect the missing shards, or pass --allow-incomplete to judge the results present)"
                    )));
                }
                warnings.push(message);
            }
        }
        Some(m) => {
            // The manifest's size was checked when it was read (`MAX_CONFIGS`). The same
            // configurations and canonical order as the sweep that wrote it.
            let profiles = m.profiles.clone().unwrap_or_else(|| vec![Profile::Kqent]);
            let clock = m.clock_control == Some(true);
            let ids = crate::sweep_configs(&m.knobs, &profiles).len() + usize::from(clock);
            let expected: BTreeSet<(String, u32)> =
                crate::shard::canonical_runs_with(&m.knobs, &profiles, m.repeat, clock)
                    .into_iter()
                    .enumerate()
                    .filter(|(p, _)| m.shard.is_none_or(|s| s.owns(*p)))
                    .map(|(_, r)| (r.config_id, r.repetition))
                    .collect();
            for r in &loaded.results {
                if !expected.contains(&(r.config_id.clone(), r.repetition)) {
                    return Err(SweepError::Other(format!(
                        "{} is not a run of this sweep (sweep.json lists {} configuration(s) x {} repetition(s))",
                        run_name(r),
                        ids,
                        m.repeat
                    )));
                }
            }
            let present: BTreeSet<(&str, u32)> = loaded
                .results
                .iter()
                .map(|r| (r.config_id.as_str(), r.repetition))
                .collect();
            let missing: Vec<String> = expected
                .iter()
                .filter(|(id, rep)| !present.contains(&(id.as_str(), *rep)))
                .map(|(id, rep)| format!("{id} r{rep}"))
                .collect();
            if !missing.is_empty() {
                let listed = missing
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = if missing.len() > 3 {
                    format!(" and {} more", missing.len() - 3)
                } else {
                    String::new()
                };
                let message = format!(
                    "sweep incomplete, {} of {} results; missing {listed}{more}",
                    loaded.results.len(),
                    expected.len()
                );
                if !opts.allow_incomplete {
                    return Err(SweepError::Other(format!(
                        "{message} (resume the sweep, or pass --allow-incomplete to judge the results present)"
                    )));
                }
                warnings.push(message);
            }
        }
        None if opts.directory => {
            let message =
                "the directory has no sweep.json, so nothing shows that every run is there"
                    .to_string();
            if !opts.allow_incomplete {
                return Err(SweepError::Other(format!(
                    "{message} (pass --allow-incomplete to judge the results present)"
                )));
            }
            warnings.push(message);
        }
        None => {}
    }
    Ok(warnings)
}

/// The range checks of one result; the message names the value.
pub fn check_ranges(r: &ResultReport) -> Result<(), String> {
    // Strings that reach terminals and tables: one line, no escape sequences.
    for (what, s) in [
        ("config_id", Some(&r.config_id)),
        ("backend", r.backend.as_ref()),
    ] {
        if let Some(s) = s {
            if s.is_empty() || s.len() > 255 || s.chars().any(char::is_control) {
                return Err(format!(
                    "{what} {s:?} is empty, longer than 255 bytes or holds control characters"
                ));
            }
        }
    }
    let a = &r.assessment;
    let w = a.bits;
    if !(1..=8).contains(&w) {
        return Err(format!("symbol width {w} is outside 1..=8"));
    }
    if r.stats.bits != w {
        return Err(format!(
            "the statistics' symbol width {} differs from the assessment's {w}",
            r.stats.bits
        ));
    }
    if let Some(e) = r.extraction {
        if e.bits() != w {
            return Err(format!("{e} gives {}-bit symbols, not {w}", e.bits()));
        }
    }
    let entropy = |what: &str, h: f64, max: f64| {
        if h.is_finite() && (0.0..=max).contains(&h) {
            Ok(())
        } else {
            Err(format!("{what} {h} is outside 0..={max}"))
        }
    };
    let wf = f64::from(w);
    entropy("H_assessed", a.h_assessed, wf)?;
    if let Some(h) = a.h_original {
        entropy("H_original", h, wf)?;
    }
    if let Some(h) = a.h_bitstring {
        entropy("H_bitstring", h, 1.0)?;
    }
    if let Some(iid) = &r.iid {
        if let Some(h) = iid.h_assessed {
            entropy("the IID track's H_assessed", h, wf)?;
        }
    }
    for x in &r.extractions {
        let xw = f64::from(x.extraction.bits());
        entropy(
            &format!("H_assessed under {}", x.extraction),
            x.h_assessed,
            xw,
        )?;
    }
    if let Some(ac) = &r.stats.autocorrelation {
        if !(ac.max_abs.is_finite() && (0.0..=1.0).contains(&ac.max_abs)) {
            return Err(format!("max |r_k| {} is outside 0..=1", ac.max_abs));
        }
        if let Some(v) = ac.r.iter().find(|v| !(v.is_finite() && v.abs() <= 1.0)) {
            return Err(format!("autocorrelation r_k {v} is outside -1..=1"));
        }
        if !(ac.band.is_finite() && (0.0..=2.0).contains(&ac.band)) {
            return Err(format!(
                "the autocorrelation band {:e} is outside 0..=2",
                ac.band
            ));
        }
        if ac.outside > ac.r.len() {
            return Err(format!(
                "{} lags outside the band of {} computed",
                ac.outside,
                ac.r.len()
            ));
        }
        let largest = ac.r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if !ac.r.is_empty() && (largest - ac.max_abs).abs() > 1e-9 {
            return Err(format!(
                "max |r_k| {} is not the largest |r_k| listed ({largest})",
                ac.max_abs
            ));
        }
    }
    if let Some(d) = &r.durations {
        let (lo, hi) = (d.min as f64, d.max as f64);
        let inside = |v: f64| v.is_finite() && v >= lo && v <= hi;
        if d.min > d.max || !inside(d.mean) || !inside(d.median) {
            return Err(format!(
                "duration statistics out of order (min {}, mean {}, median {}, max {})",
                d.min, d.mean, d.median, d.max
            ));
        }
        // 50 bins a decade over at most 20 decades of u64 nanoseconds.
        if d.histogram.len() > 1000 {
            return Err(format!("{} duration histogram bins", d.histogram.len()));
        }
        if let Some(b) = d
            .histogram
            .iter()
            .find(|b| !(b.lo.is_finite() && b.hi.is_finite() && 0.0 <= b.lo && b.lo <= b.hi))
        {
            return Err(format!(
                "a duration histogram bin [{}, {}] is not a range",
                b.lo, b.hi
            ));
        }
    }
    if r.repetition == 0 {
        return Err("repetition 0 (repetitions count from 1)".into());
    }
    if a.samples == 0 || a.samples > r.input.samples {
        return Err(format!(
            "{} samples assessed of an input of {}",
            a.samples, r.input.samples
        ));
    }
    if r.stats.samples > r.input.samples {
        return Err(format!(
            "statistics over {} samples of an input of {}",
            r.stats.samples, r.input.samples
        ));
    }
    Ok(())
}

fn run_name(r: &ResultReport) -> String {
    format!("{:?} r{}", r.config_id, r.repetition)
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

fn invalid(r: &ResultReport, message: &str) -> SweepError {
    SweepError::Other(format!("result {} is not valid: {message}", run_name(r)))
}
