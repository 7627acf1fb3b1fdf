//! The on-disk layout of a sweep directory, and the knob-list parsers.
//!
//! ```text
//! DIR/sweep.json                        SweepManifest, written first
//! DIR/.lock                             the advisory lock of the sweep running in DIR
//! DIR/results/<config-id>-r<rep>.json   one ResultReport per configuration and repetition,
//!                                       written atomically as soon as it is done
//! DIR/traces/<config-id>-r<rep>.<ext>   the trace each result was computed from
//! ```
//! A result file that exists is complete (temp file + rename), so `--resume` skips exactly
//! the (config id, repetition) pairs [`finished`] lists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kqent_pipeline::atomic::write_atomic;
use kqent_schema::json::{read_manifest, read_result, to_json};
use kqent_schema::{Loaded, ResultReport, SweepManifest, WriteTrigger};

use crate::SweepError;

/// The id of a configuration (defined with the documents, where results carry it).
pub use kqent_schema::config_id;

/// File name of the manifest.
pub const MANIFEST: &str = "sweep.json";
/// Directory of the result files.
pub const RESULTS_DIR: &str = "results";
/// Directory of the traces.
pub const TRACES_DIR: &str = "traces";

/// `DIR/results/<id>-r<rep>.json`.
pub fn result_path(dir: &Path, id: &str, rep: u32) -> PathBuf {
    dir.join(RESULTS_DIR).join(format!("{id}-r{rep}.json"))
}

/// `DIR/traces/<id>-r<rep>.<ext>`.
pub fn trace_path(dir: &Path, id: &str, rep: u32, ext: &str) -> PathBuf {
    dir.join(TRACES_DIR).join(format!("{id}-r{rep}.{ext}"))
}

/// Writes a result to its place in the sweep directory (creating `DIR/results`); returns
/// the path.
pub fn write_result(dir: &Path, result: &ResultReport) -> Result<PathBuf, SweepError> {
    let path = result_path(dir, &result.config_id, result.repetition);
    let results = dir.join(RESULTS_DIR);
    std::fs::create_dir_all(&results).map_err(|e| SweepError::io(&results, e))?;
    write_atomic(&path, to_json(result)?.as_bytes())?;
    Ok(path)
}

/// Writes `DIR/sweep.json` (creating `DIR`).
pub fn write_manifest(dir: &Path, manifest: &SweepManifest) -> Result<PathBuf, SweepError> {
    std::fs::create_dir_all(dir).map_err(|e| SweepError::io(dir, e))?;
    let path = dir.join(MANIFEST);
    write_atomic(&path, to_json(manifest)?.as_bytes())?;
    Ok(path)
}

/// The (config id, repetition) pairs whose result file exists: what `--resume` skips.
/// A missing results directory is an empty set.
pub fn finished(dir: &Path) -> Result<BTreeSet<(String, u32)>, SweepError> {
    let mut out = BTreeSet::new();
    for path in result_files(dir)? {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if let Some((id, rep)) = stem.rsplit_once("-r") {
            if let Ok(rep) = rep.parse::<u32>() {
                out.insert((id.to_string(), rep));
            }
        }
    }
    Ok(out)
}

/// The `*.json` files of `DIR/results`, sorted by name (temporary files excluded).
pub fn result_files(dir: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let results = dir.join(RESULTS_DIR);
    let entries = match std::fs::read_dir(&results) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SweepError::io(&results, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| SweepError::io(&results, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".json") && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads `path`: a result JSON file, a sweep manifest (its directory is loaded), or a sweep
/// directory. Errors when there is no result at all.
pub fn load(path: &Path) -> Result<Loaded, SweepError> {
    let meta = std::fs::metadata(path).map_err(|e| SweepError::io(path, e))?;
    if meta.is_file() {
        if path.file_name().is_some_and(|n| n == MANIFEST) {
            let dir = path.parent().unwrap_or(Path::new("."));
            return load(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
        }
        return Ok(Loaded {
            manifest: None,
            results: vec![read_result(path)?],
        });
    }
    let manifest_path = path.join(MANIFEST);
    let manifest = if manifest_path.is_file() {
        Some(read_manifest(&manifest_path)?)
    } else {
        None
    };
    let mut results = result_files(path)?
        .iter()
        .map(|p| read_result(p))
        .collect::<Result<Vec<_>, _>>()?;
    if results.is_empty() {
        return Err(SweepError::NoResults(path.to_path_buf()));
    }
    results.sort_by(|a, b| {
        (&a.knobs, &a.config_id, a.repetition).cmp(&(&b.knobs, &b.config_id, b.repetition))
    });
    Ok(Loaded { manifest, results })
}

/// Parses a numeric knob list such as `0,4,8,16`: non-negative integers that fit the knob
/// (`u32` or `u64`), no duplicates, at least one.
///
/// ```
/// use kqent_sweep::layout::parse_knob_list;
/// assert_eq!(parse_knob_list::<u32>("0, 4,8").unwrap(), vec![0, 4, 8]);
/// assert!(parse_knob_list::<u32>("4,4").is_err());
/// assert!(parse_knob_list::<u32>("-1").is_err());
/// assert!(parse_knob_list::<u32>("4294967296").is_err());
/// assert_eq!(parse_knob_list::<u64>("4294967296").unwrap(), vec![4_294_967_296]);
/// ```
pub fn parse_knob_list<T>(spec: &str) -> Result<Vec<T>, SweepError>
where
    T: TryFrom<u64> + PartialEq + Copy + std::fmt::Display + Bounded,
{
    let bad = |reason: String| SweepError::InvalidKnobList {
        spec: spec.to_string(),
        reason,
    };
    let mut out: Vec<T> = Vec::new();
    for item in spec.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(bad("empty value (expected e.g. 0,4,8)".into()));
        }
        if item.starts_with('-') {
            return Err(bad(format!("{item} is negative")));
        }
        let wide: u64 = item
            .parse()
            .map_err(|_| bad(format!("{item:?} is not a non-negative integer")))?;
        let v = T::try_from(wide).map_err(|_| SweepError::KnobTooLarge {
            value: wide,
            max: T::MAX_KNOB,
        })?;
        if out.contains(&v) {
            return Err(bad(format!("{v} appears twice")));
        }
        out.push(v);
    }
    Ok(out)
}

/// The largest value of a knob's type, for error messages.
pub trait Bounded {
    /// The largest value.
    const MAX_KNOB: u64;
}

impl Bounded for u32 {
    const MAX_KNOB: u64 = u32::MAX as u64;
}

impl Bounded for u64 {
    const MAX_KNOB: u64 = u64::MAX;
}

/// Parses a `--write-trigger` list: `edge`, `level` or both, no duplicates.
///
/// ```
/// use kqent_sweep::layout::parse_trigger_list;
/// use kqent_schema::WriteTrigger;
/// assert_eq!(parse_trigger_list("edge,level").unwrap(), vec![WriteTrigger::Edge, WriteTrigger::Level]);
/// assert!(parse_trigger_list("edge,edge").is_err());
/// ```
pub fn parse_trigger_list(spec: &str) -> Result<Vec<WriteTrigger>, SweepError> {
    let bad = |reason: String| SweepError::InvalidKnobList {
        spec: spec.to_string(),
        reason,
    };
    let mut out: Vec<WriteTrigger> = Vec::new();
    for item in spec.split(',').map(str::trim) {
        let t: WriteTrigger = item
            .parse()
            .map_err(|_| bad(format!("{item:?} is not edge or level")))?;
        if out.contains(&t) {
            return Err(bad(format!("{item} appears twice")));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knob_lists_reject_bad_values() {
        for (spec, why) in [
            ("4,8,4", "appears twice"),
            ("0,-4", "negative"),
            ("", "empty"),
            ("1,,2", "empty"),
            ("x", "not a non-negative integer"),
            ("1.5", "not a non-negative integer"),
            ("99999999999999999999999", "not a non-negative integer"),
            ("4294967296", "4294967296 is too large: at most 4294967295"),
            ("1,4294967296", "4294967296 is too large"),
        ] {
            let e = parse_knob_list::<u32>(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
        }
        assert_eq!(parse_knob_list::<u32>("16").unwrap(), vec![16]);
        assert!(parse_trigger_list("edge,sideways").is_err());
    }

    #[test]
    fn atomic_write_and_listing() {
        let dir = tempfile::tempdir().unwrap();
        let p = result_path(dir.path(), "t1-s0-w0-to1-p500-edge-wu0", 2);
        // A sweep directory has its results folder before anything is written into it.
        std::fs::create_dir_all(dir.path().join("results")).unwrap();
        write_atomic(&p, b"{}").unwrap();
        write_atomic(&p, b"{ }").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{ }");
        // A leftover temp file from a killed writer is not a result.
        std::fs::write(dir.path().join("results/.kqent-tmp-x1Y2z3"), b"{").unwrap();
        let done = finished(dir.path()).unwrap();
        assert_eq!(
            done.into_iter().collect::<Vec<_>>(),
            vec![("t1-s0-w0-to1-p500-edge-wu0".to_string(), 2)]
        );
        assert!(finished(&dir.path().join("nope")).unwrap().is_empty());
    }
}
