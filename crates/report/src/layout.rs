//! The on-disk layout of a sweep directory, and the knob-list parsers.
//!
//! ```text
//! DIR/sweep.json                        SweepManifest, written first
//! DIR/results/<config-id>-r<rep>.json   one ResultReport per configuration and repetition,
//!                                       written atomically as soon as it is done
//! DIR/traces/<config-id>-r<rep>.<ext>   the trace each result was computed from
//! ```
//! A result file that exists is complete (temp file + rename), so `--resume` skips exactly
//! the (config id, repetition) pairs [`finished`] lists.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::json::{read_manifest, read_result, to_json};
use crate::schema::{Knobs, ResultReport, SweepManifest};
use crate::ReportError;

/// File name of the manifest.
pub const MANIFEST: &str = "sweep.json";
/// Directory of the result files.
pub const RESULTS_DIR: &str = "results";
/// Directory of the traces.
pub const TRACES_DIR: &str = "traces";

/// The id of a configuration: every knob, short and file-name safe.
///
/// ```
/// use kqent_report::{layout::config_id, Knobs};
/// let k = Knobs { num_timers: 8, num_sockets: 4, num_file_watchers: 0, timeout_ms: 1,
///     poke_interval_us: 500, write_trigger: "edge".into(), warmup: 1000 };
/// assert_eq!(config_id(&k), "t8-s4-w0-to1-p500-edge-wu1000");
/// ```
pub fn config_id(k: &Knobs) -> String {
    let trigger: String = k
        .write_trigger
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "t{}-s{}-w{}-to{}-p{}-{}-wu{}",
        k.num_timers,
        k.num_sockets,
        k.num_file_watchers,
        k.timeout_ms,
        k.poke_interval_us,
        trigger,
        k.warmup
    )
}

/// `DIR/results/<id>-r<rep>.json`.
pub fn result_path(dir: &Path, id: &str, rep: u32) -> PathBuf {
    dir.join(RESULTS_DIR).join(format!("{id}-r{rep}.json"))
}

/// `DIR/traces/<id>-r<rep>.<ext>`.
pub fn trace_path(dir: &Path, id: &str, rep: u32, ext: &str) -> PathBuf {
    dir.join(TRACES_DIR).join(format!("{id}-r{rep}.{ext}"))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. A crash or kill leaves either the old file or the new
/// one, never a torn one. Creates the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| ReportError::io(parent, e))?;
    let name = path.file_name().ok_or_else(|| {
        ReportError::InvalidArgument(format!("{}: not a file path", path.display()))
    })?;
    let tmp = parent.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(ReportError::io(path, e));
    }
    // Make the rename itself durable; not every platform lets a directory be synced.
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes a result to its place in the sweep directory; returns the path.
pub fn write_result(dir: &Path, result: &ResultReport) -> Result<PathBuf, ReportError> {
    let path = result_path(dir, &result.config_id, result.repetition);
    write_atomic(&path, to_json(result)?.as_bytes())?;
    Ok(path)
}

/// Writes `DIR/sweep.json`.
pub fn write_manifest(dir: &Path, manifest: &SweepManifest) -> Result<PathBuf, ReportError> {
    let path = dir.join(MANIFEST);
    write_atomic(&path, to_json(manifest)?.as_bytes())?;
    Ok(path)
}

/// The (config id, repetition) pairs whose result file exists: what `--resume` skips.
/// A missing results directory is an empty set.
pub fn finished(dir: &Path) -> Result<BTreeSet<(String, u32)>, ReportError> {
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
pub fn result_files(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let results = dir.join(RESULTS_DIR);
    let entries = match std::fs::read_dir(&results) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ReportError::io(&results, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| ReportError::io(&results, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".json") && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Results loaded from a sweep directory or a single result file.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The manifest, when the source is a sweep directory that has one.
    pub manifest: Option<SweepManifest>,
    /// Every result, sorted by (knobs, config id, repetition).
    pub results: Vec<ResultReport>,
}

impl Loaded {
    /// (results present, results the manifest asks for: configurations x repeat), when
    /// there is a manifest.
    pub fn completeness(&self) -> Option<(usize, usize)> {
        let m = self.manifest.as_ref()?;
        let configs = m.knobs.configs().len() + usize::from(m.clock_control == Some(true));
        let expected = configs * m.repeat as usize;
        Some((self.results.len(), expected))
    }
}

/// Loads `path`: a result JSON file, a sweep manifest (its directory is loaded), or a sweep
/// directory. Errors when there is no result at all.
pub fn load(path: &Path) -> Result<Loaded, ReportError> {
    let meta = std::fs::metadata(path).map_err(|e| ReportError::io(path, e))?;
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
        return Err(ReportError::NoResults(path.to_path_buf()));
    }
    results.sort_by(|a, b| {
        (&a.knobs, &a.config_id, a.repetition).cmp(&(&b.knobs, &b.config_id, b.repetition))
    });
    Ok(Loaded { manifest, results })
}

/// Parses a numeric knob list such as `0,4,8,16`: non-negative integers, no duplicates,
/// at least one.
///
/// ```
/// use kqent_report::layout::parse_knob_list;
/// assert_eq!(parse_knob_list("0, 4,8").unwrap(), vec![0, 4, 8]);
/// assert!(parse_knob_list("4,4").is_err());
/// assert!(parse_knob_list("-1").is_err());
/// ```
pub fn parse_knob_list(spec: &str) -> Result<Vec<u64>, ReportError> {
    let bad = |reason: String| ReportError::InvalidKnobList {
        spec: spec.to_string(),
        reason,
    };
    let mut out: Vec<u64> = Vec::new();
    for item in spec.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(bad("empty value (expected e.g. 0,4,8)".into()));
        }
        if item.starts_with('-') {
            return Err(bad(format!("{item} is negative")));
        }
        let v: u64 = item
            .parse()
            .map_err(|_| bad(format!("{item:?} is not a non-negative integer")))?;
        if out.contains(&v) {
            return Err(bad(format!("{v} appears twice")));
        }
        out.push(v);
    }
    Ok(out)
}

/// Parses a `--write-trigger` list: `edge`, `level` or both, no duplicates.
///
/// ```
/// use kqent_report::layout::parse_trigger_list;
/// assert_eq!(parse_trigger_list("edge,level").unwrap(), vec!["edge", "level"]);
/// assert!(parse_trigger_list("edge,edge").is_err());
/// ```
pub fn parse_trigger_list(spec: &str) -> Result<Vec<String>, ReportError> {
    let bad = |reason: String| ReportError::InvalidKnobList {
        spec: spec.to_string(),
        reason,
    };
    let mut out: Vec<String> = Vec::new();
    for item in spec.split(',').map(str::trim) {
        if item != "edge" && item != "level" {
            return Err(bad(format!("{item:?} is not edge or level")));
        }
        if out.iter().any(|v| v == item) {
            return Err(bad(format!("{item} appears twice")));
        }
        out.push(item.to_string());
    }
    Ok(out)
}

/// SHA-256 of `bytes`, lowercase hex (for [`crate::InputInfo::sha256`]).
///
/// ```
/// assert!(kqent_report::layout::sha256_hex(b"").starts_with("e3b0c442"));
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of durations as consecutive little-endian u64 (for [`crate::InputInfo::sha256`]
/// of a trace: the data, not the file, so it is the same for two collections with the same
/// seed on the mock backend).
///
/// ```
/// use kqent_report::layout::{durations_sha256, sha256_hex};
/// assert_eq!(durations_sha256(&[1, 2]), sha256_hex(&[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]));
/// ```
pub fn durations_sha256(durations: &[u64]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for d in durations {
        h.update(d.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
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
        ] {
            let e = parse_knob_list(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
        }
        assert_eq!(parse_knob_list("16").unwrap(), vec![16]);
        assert!(parse_trigger_list("edge,sideways").is_err());
    }

    #[test]
    fn atomic_write_and_listing() {
        let dir = tempfile::tempdir().unwrap();
        let p = result_path(dir.path(), "t1-s0-w0-to1-p500-edge-wu0", 2);
        write_atomic(&p, b"{}").unwrap();
        write_atomic(&p, b"{ }").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{ }");
        // A leftover temp file from a killed writer is not a result.
        std::fs::write(dir.path().join("results/.x.json.tmp1"), b"{").unwrap();
        let done = finished(dir.path()).unwrap();
        assert_eq!(
            done.into_iter().collect::<Vec<_>>(),
            vec![("t1-s0-w0-to1-p500-edge-wu0".to_string(), 2)]
        );
        assert!(finished(&dir.path().join("nope")).unwrap().is_empty());
    }
}
