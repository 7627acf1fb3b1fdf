//! Merging sweep directories (`kqent merge OUT DIR...`): the shards of one sweep, from one
//! machine or many, become one sweep directory that `kqent report` and `kqent gate` read
//! like any other.
//!
//! Why a merged directory rather than `report DIR...`: the checks below run once, and
//! their outcome (sources, hosts, missing runs) is written down in `OUT/sweep.json`, so
//! that the report, the gate, the Python package and anyone archiving the study read one
//! directory with one manifest and cannot disagree on what was merged.
//!
//! What is checked:
//! - every directory holds a sweep (`sweep.json`) of the same grid and settings: seed,
//!   samples, repetitions, extractions, knob lists, clock control, IID track, pipelining;
//!   the first that differs is named (`SweepError::Directory`, exit 2). The backend may
//!   differ: it is part of the platform, like the OS.
//! - every result belongs to the grid, and to its directory's shard when it is one.
//! - a run (configuration, repetition) appears once per host; the same run twice from one
//!   host is refused unless both result files are identical (a directory given twice, or
//!   copied), since two different results of one run mean a shard was run twice.
//!
//! What is kept apart: results carry their host, OS, kernel, backend and virtualisation in
//! their provenance; nothing is pooled here. A platform (`os/backend`) must cover the whole
//! grid; runs it lacks are listed in the manifest's `merged.missing` and the sweep is then
//! incomplete (the report says so, the gate refuses it). When the results come from more
//! than one host, each result file is named with its host
//! (`results/<id>-r<rep>@<host>-<os>-<backend>.json`) and the summary compares hosts side
//! by side ([`kqent_schema::summary`]).
//!
//! Traces stay in the shard directories (`merged.sources` names them); results are copied
//! byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kqent_pipeline::atomic::write_atomic;
use kqent_schema::json::{read_manifest, read_result};
use kqent_schema::{MergeRecord, MergeSource, MissingRun, ResultReport, SweepManifest};

use crate::layout::{self, MANIFEST, RESULTS_DIR};
use crate::shard::{canonical_runs_with, RunKey};
use crate::SweepError;

/// What a merge did.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged directory's manifest (as written).
    pub manifest: SweepManifest,
    /// Result files written.
    pub results: usize,
    /// Platforms (`os/backend`) present.
    pub platforms: Vec<String>,
    /// Hosts present.
    pub hosts: Vec<String>,
}

impl Merged {
    /// The runs of the grid no directory holds.
    pub fn missing(&self) -> &[MissingRun] {
        self.manifest.merged.as_ref().map_or(&[], |m| &m.missing)
    }
}

/// The settings two shards of one sweep share, as (flag, value) pairs.
fn settings(m: &SweepManifest) -> Vec<(&'static str, String)> {
    fn join<T: ToString>(v: &[T]) -> String {
        v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
    }
    let k = &m.knobs;
    let flag = |b: Option<bool>| b.unwrap_or(false).to_string();
    vec![
        ("schema version", m.schema_version.to_string()),
        ("--seed", m.seed.to_string()),
        ("--samples", m.samples.to_string()),
        ("--repeat", m.repeat.to_string()),
        (
            "--extract",
            m.extractions
                .as_deref()
                .map_or_else(|| m.extraction.to_string(), join),
        ),
        ("--timers", join(&k.num_timers)),
        ("--sockets", join(&k.num_sockets)),
        ("--watchers", join(&k.num_file_watchers)),
        ("--timeout-ms", join(&k.timeout_ms)),
        ("--poke-us", join(&k.poke_interval_us)),
        ("--write-trigger", join(&k.write_trigger)),
        ("--warmup", join(&k.warmup)),
        ("--clock-control", flag(m.clock_control)),
        ("--iid", flag(m.iid)),
        ("--pipeline", flag(m.pipeline)),
    ]
}

/// The platform a sweep directory was collected on: `os/backend` (the sweep's backend: its
/// clock control runs, backend `clock`, belong to the same platform).
pub fn platform(m: &SweepManifest) -> String {
    format!("{}/{}", m.provenance.os, m.backend)
}

/// A file-name-safe form of `s`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One result found in a source directory.
struct Found {
    path: PathBuf,
    bytes: Vec<u8>,
    result: ResultReport,
}

/// Merges the sweep directories `inputs` into the new directory `out` (see the module
/// documentation for what is checked and kept apart).
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<Merged, SweepError> {
    let dir_err = |m: String| Err(SweepError::Directory(m));
    if inputs.is_empty() {
        return dir_err("kqent merge needs at least one sweep directory to merge".into());
    }
    if out.join(MANIFEST).exists() {
        return dir_err(format!(
            "{} already holds a sweep: merge into a new directory",
            out.display()
        ));
    }
    if std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return dir_err(format!(
            "{} is not empty: merge into a new directory",
            out.display()
        ));
    }
    let out_real = out.canonicalize().ok();
    let mut manifests = Vec::new();
    for dir in inputs {
        if out_real.is_some() && dir.canonicalize().ok() == out_real {
            return dir_err(format!("{} is both the output and an input", dir.display()));
        }
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return dir_err(format!(
                "{}: no {MANIFEST}: not a sweep directory",
                dir.display()
            ));
        }
        let m = read_manifest(&path)?;
        if m.merged.is_some() {
            return dir_err(format!(
                "{} is itself a merge: merge the directories it was made of",
                dir.display()
            ));
        }
        manifests.push(m);
    }
    let first = &manifests[0];
    let base = settings(first);
    for (dir, m) in inputs.iter().zip(&manifests).skip(1) {
        let diffs: Vec<String> = base
            .iter()
            .zip(settings(m))
            .filter(|((_, a), (_, b))| a != b)
            .map(|((flag, a), (_, b))| {
                format!(
                    "{flag} {b} in {}, {a} in {}",
                    dir.display(),
                    inputs[0].display()
                )
            })
            .collect();
        if !diffs.is_empty() {
            return dir_err(format!(
                "{} and {} are not shards of one sweep: {}",
                inputs[0].display(),
                dir.display(),
                diffs.join("; ")
            ));
        }
    }
    let profiles = first
        .profiles
        .clone()
        .unwrap_or_else(|| vec![kqent_trace::Profile::Kqent]);
    let grid = canonical_runs_with(
        &first.knobs,
        &profiles,
        first.repeat,
        first.clock_control == Some(true),
    );
    let position: BTreeMap<&RunKey, usize> = grid.iter().enumerate().map(|(p, r)| (r, p)).collect();

    // (platform, host, run) -> the result taken.
    let mut taken: BTreeMap<(String, String, RunKey), Found> = BTreeMap::new();
    let mut counts = vec![0u64; inputs.len()];
    for (i, (dir, m)) in inputs.iter().zip(&manifests).enumerate() {
        for path in layout::result_files(dir)? {
            let bytes = std::fs::read(&path).map_err(|e| SweepError::io(&path, e))?;
            let result = read_result(&path)?;
            let key = RunKey {
                config_id: result.config_id.clone(),
                repetition: result.repetition,
            };
            let Some(&p) = position.get(&key) else {
                return dir_err(format!(
                    "{}: {} r{} is not a run of the sweep's grid",
                    path.display(),
                    key.config_id,
                    key.repetition
                ));
            };
            if let Some(s) = m.shard {
                if !s.owns(p) {
                    return dir_err(format!(
                        "{}: {} r{} is not a run of shard {s}",
                        path.display(),
                        key.config_id,
                        key.repetition
                    ));
                }
            }
            let k = (platform(m), result.provenance.host.clone(), key);
            if let Some(prev) = taken.get(&k) {
                if prev.bytes == bytes || prev.result == result {
                    continue;
                }
                return dir_err(format!(
                    "{} r{} from host {:?} is in {} and in {} with different results (was a shard run twice?): keep one of them",
                    k.2.config_id,
                    k.2.repetition,
                    k.1,
                    prev.path.display(),
                    path.display()
                ));
            }
            counts[i] += 1;
            taken.insert(
                k,
                Found {
                    path,
                    bytes,
                    result,
                },
            );
        }
    }
    let platforms: BTreeSet<String> = taken.keys().map(|k| k.0.clone()).collect();
    let hosts: BTreeSet<(String, String)> =
        taken.keys().map(|k| (k.0.clone(), k.1.clone())).collect();
    if taken.is_empty() {
        return Err(SweepError::NoResults(inputs[0].clone()));
    }
    let mut missing = Vec::new();
    for plat in &platforms {
        let have: BTreeSet<&RunKey> = taken
            .keys()
            .filter(|k| &k.0 == plat)
            .map(|k| &k.2)
            .collect();
        missing.extend(
            grid.iter()
                .filter(|r| !have.contains(r))
                .map(|r| MissingRun {
                    platform: plat.clone(),
                    config_id: r.config_id.clone(),
                    repetition: r.repetition,
                }),
        );
    }
    let sources = inputs
        .iter()
        .zip(&manifests)
        .zip(&counts)
        .map(|((dir, m), &n)| MergeSource {
            dir: dir.display().to_string(),
            shard: m.shard,
            host: m.provenance.host.clone(),
            os: m.provenance.os.clone(),
            kernel: m.provenance.kernel.clone(),
            backend: m.backend.clone(),
            results: n,
        })
        .collect();
    let backends: BTreeSet<&str> = manifests.iter().map(|m| m.backend.as_str()).collect();
    let mut manifest = first.clone();
    manifest.backend = backends.into_iter().collect::<Vec<_>>().join(",");
    manifest.shard = None;
    manifest.merged = Some(MergeRecord { sources, missing });

    let lock = crate::prepare(out, &manifest, false)?;
    let several_hosts = hosts.len() > 1;
    let mut written = BTreeSet::new();
    for ((plat, host, key), found) in &taken {
        let path = if several_hosts {
            let suffix = slug(&format!("{host}-{plat}").replace('/', "-"));
            out.join(RESULTS_DIR).join(format!(
                "{}-r{}@{suffix}.json",
                key.config_id, key.repetition
            ))
        } else {
            layout::result_path(out, &key.config_id, key.repetition)
        };
        if !written.insert(path.clone()) {
            return dir_err(format!(
                "two hosts give the same file name {} (host names that differ only in punctuation): merge them separately",
                path.display()
            ));
        }
        write_atomic(&path, &found.bytes)?;
    }
    drop(lock);
    Ok(Merged {
        manifest,
        results: taken.len(),
        platforms: platforms.into_iter().collect(),
        hosts: hosts
            .into_iter()
            .map(|(p, h)| format!("{} ({})", h.escape_debug(), p.escape_debug()))
            .collect(),
    })
}
