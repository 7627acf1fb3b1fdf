//! Output paths, checked before any work starts, the same way for every command:
//!
//! - an output is never one of the command's inputs, compared by device and inode (so a
//!   second name, `./x`, a hard link or a symlink is caught), nor a file of a sweep
//!   directory being read (its manifest, results and traces);
//! - an output that exists must be a file (a directory is an error, not a rename target);
//! - **parent-folder policy**: a missing parent folder of an output is created, as
//!   `mkdir -p` would, for every command and every output (the sweep directory itself
//!   included); a parent that exists but is not a folder, or a folder kqent cannot create
//!   files in, is an error before the work starts, exit 2.
//!
//! [`Outputs::check`] runs these checks; the writes themselves go through
//! [`crate::atomic`] (temporary file with `O_EXCL` beside the target, then rename).

use std::path::{Path, PathBuf};

use crate::PipelineError;

/// A file's identity: (device, inode).
type Id = (u64, u64);

fn id_of(path: &Path) -> Option<Id> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(|p| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            p.hash(&mut h);
            (0, h.finish())
        })
    }
}

/// The inputs a command reads, against which its outputs are checked.
#[derive(Debug, Default)]
pub struct Outputs {
    inputs: Vec<(Id, PathBuf)>,
}

impl Outputs {
    /// No inputs yet.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Protects `path`: a file, or a sweep directory's data (its `sweep.json`, every
    /// file in `results/` and `traces/`; a manifest given by name protects its directory
    /// the same way). The files a report writes there are not inputs and may be
    /// replaced. A path that does not exist protects nothing (reading it fails anyway).
    pub fn input(mut self, path: &Path) -> Outputs {
        let Ok(meta) = std::fs::metadata(path) else {
            return self;
        };
        if meta.is_dir() {
            self.sweep_dir(path);
        } else {
            self.file(path);
            if path.file_name().is_some_and(|n| n == "sweep.json") {
                self.sweep_dir(parent(path));
            }
        }
        self
    }

    fn sweep_dir(&mut self, dir: &Path) {
        self.file(&dir.join("sweep.json"));
        for sub in ["results", "traces"] {
            if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
                for e in entries.flatten() {
                    self.file(&e.path());
                }
            }
        }
    }

    fn file(&mut self, path: &Path) {
        if let Some(id) = id_of(path).filter(|_| path.is_file()) {
            self.inputs.push((id, path.to_path_buf()));
        }
    }

    /// Checks `out` (given as `flag`, e.g. `--json`): not an input, not a directory, its
    /// parent folder created when missing and able to take a new file. `-` is standard
    /// output and always passes.
    pub fn check(&self, flag: &str, out: &Path) -> Result<(), PipelineError> {
        if out == Path::new("-") {
            return Ok(());
        }
        let shown = format!("{:?}", out.display().to_string());
        let bad = |m: String| PipelineError::InvalidArgument(format!("{flag} {shown}: {m}"));
        if out.file_name().is_none() {
            return Err(bad("does not name a file".into()));
        }
        if let Ok(meta) = std::fs::metadata(out) {
            if meta.is_dir() {
                return Err(bad("is a directory; give a file name".into()));
            }
            if let Some(id) = id_of(out) {
                if let Some((_, p)) = self.inputs.iter().find(|(i, _)| *i == id) {
                    return Err(bad(format!(
                        "is the input {:?}; writing it would destroy it, choose another name",
                        p.display().to_string()
                    )));
                }
            }
        }
        let dir = parent(out);
        create_dir(dir).map_err(&bad)?;
        // A probe with the atomic writer's own O_EXCL temporary: an unwritable folder is
        // found now, not after minutes of work.
        tempfile::Builder::new()
            .prefix(crate::atomic::TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| {
                bad(format!(
                    "cannot create a file in {:?}: {}",
                    dir.display().to_string(),
                    crate::os_reason(&e)
                ))
            })?;
        Ok(())
    }
}

/// Creates a missing folder (with its parents), the policy for the sweep directory too.
pub fn create_dir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "cannot create the folder {:?}: {}",
            dir.display().to_string(),
            crate::os_reason(&e)
        )
    })
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_found_by_inode_and_parents_made() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.bin");
        std::fs::write(&input, b"x").unwrap();
        let link = dir.path().join("link.bin");
        std::fs::hard_link(&input, &link).unwrap();
        let o = Outputs::new().input(&input);
        let e = o.check("--json", &link).unwrap_err().to_string();
        assert!(e.contains("is the input"), "{e}");
        assert!(o.check("--json", dir.path()).is_err());
        // A sweep directory: its data is protected, a report written there is not.
        let sw = dir.path().join("sw");
        std::fs::create_dir_all(sw.join("results")).unwrap();
        std::fs::write(sw.join("sweep.json"), b"{}").unwrap();
        std::fs::write(sw.join("results/r.json"), b"{}").unwrap();
        std::fs::write(sw.join("summary.md"), b"old").unwrap();
        let o = Outputs::new().input(&sw);
        assert!(o.check("--markdown", &sw.join("results/r.json")).is_err());
        assert!(o.check("--markdown", &sw.join("sweep.json")).is_err());
        o.check("--markdown", &sw.join("summary.md")).unwrap();
        let o = Outputs::new().input(&sw.join("sweep.json"));
        assert!(o.check("--html", &sw.join("results/r.json")).is_err());
        let nested = dir.path().join("a/b/out.json");
        o.check("--json", &nested).unwrap();
        assert!(dir.path().join("a/b").is_dir());
        // Nothing but the folders is left behind by the probe.
        assert_eq!(
            std::fs::read_dir(dir.path().join("a/b")).unwrap().count(),
            0
        );
        let e = o
            .check("--json", &input.join("x.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot create the folder"), "{e}");
    }
}
