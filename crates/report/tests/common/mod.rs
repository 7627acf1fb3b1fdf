//! Builds sweep directories of synthetic results for the tests.
#![allow(dead_code)]

use std::path::Path;

use kqent_pipeline::fixture::{knobs, synthetic_result};
use kqent_schema::{KnobLists, ResultReport, SweepManifest, WriteTrigger};
use kqent_sweep::layout::{write_manifest, write_result};

/// Noise bits per configuration: more kinds, more noise (so combining "adds entropy"),
/// except that watchers alone are constant in the low bits.
pub fn noise_for(t: u32, s: u32, w: u32) -> u32 {
    let mut n = 0;
    n += u32::from(t > 0) * 2;
    n += u32::from(s > 0);
    n += u32::from(w > 0 && (t > 0 || s > 0));
    n
}

pub fn manifest(lists: KnobLists, repeat: u32) -> SweepManifest {
    kqent_pipeline::fixture::synthetic_manifest(lists, 42, 3000, repeat)
}

/// A 2 x 2 x 2 sweep over timers/sockets/watchers (0 or 4), `repeat` repetitions each.
pub fn make_sweep(dir: &Path, repeat: u32) -> Vec<ResultReport> {
    let lists = KnobLists {
        num_timers: vec![0, 4],
        num_sockets: vec![0, 4],
        num_file_watchers: vec![0, 4],
        timeout_ms: vec![1],
        poke_interval_us: vec![500],
        write_trigger: vec![WriteTrigger::Edge],
        warmup: vec![1000],
    };
    write_manifest(dir, &manifest(lists.clone(), repeat)).unwrap();
    let mut out = Vec::new();
    for (i, k) in lists.configs().iter().enumerate() {
        for rep in 1..=repeat {
            let noise = noise_for(k.num_timers, k.num_sockets, k.num_file_watchers);
            let r =
                synthetic_result(k, rep, 1000 * i as u64 + u64::from(rep), noise, 3000).unwrap();
            write_result(dir, &r).unwrap();
            out.push(r);
        }
    }
    out
}

/// One result file for the given counts.
pub fn one_result(t: u32, s: u32, w: u32, rep: u32, noise: u32) -> ResultReport {
    synthetic_result(&knobs(t, s, w), rep, 7 + u64::from(rep), noise, 2000).unwrap()
}
