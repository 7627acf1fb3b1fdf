//! kqent's one atomic writer: a temporary file created beside the destination with a
//! random name and `O_EXCL` (`tempfile::NamedTempFile::new_in`), filled, flushed to disk
//! and renamed over the destination (`persist`). A crash or kill leaves either the old file
//! or the new one, never a torn one; a failure removes the temporary file. Results,
//! manifests, exported symbol files, JUnit and HTML pages all go through it; traces
//! being collected too ([`AtomicFile`]), since a collection streams into its file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::PipelineError;

/// Prefix of the temporary files' names (`.kqent-tmp-XXXXXX`): what a killed writer can
/// leave behind, and what [`is_temporary`] recognises.
pub const TEMP_PREFIX: &str = ".kqent-tmp-";

/// Whether a file name is one of this writer's temporary names.
///
/// ```
/// assert!(kqent_pipeline::atomic::is_temporary(".kqent-tmp-a1B2c3"));
/// assert!(!kqent_pipeline::atomic::is_temporary("t0-r1.json"));
/// ```
pub fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
}

/// A file being written under a temporary name beside its destination; dropped without
/// [`AtomicFile::persist`], it is removed.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: NamedTempFile,
    target: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`. `target`'s directory must exist: a
    /// mistyped path is an error, not a new directory.
    pub fn create(target: &Path) -> Result<AtomicFile, PipelineError> {
        if target.file_name().is_none() {
            return Err(PipelineError::InvalidArgument(format!(
                "{} does not name a file",
                target.display()
            )));
        }
        let dir = parent(target);
        // Both the file and its directory named, with the OS's reason.
        let cannot = |e: std::io::Error| {
            let reason = format!("cannot create a file in {}: {e}", dir.display());
            PipelineError::io(
                "cannot write",
                target,
                std::io::Error::new(e.kind(), reason),
            )
        };
        std::fs::metadata(dir).map_err(cannot)?;
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(cannot)?;
        Ok(AtomicFile {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// The open temporary file.
    pub fn file(&self) -> &std::fs::File {
        self.tmp.as_file()
    }

    /// A second handle on the temporary file, for writers that take ownership.
    pub fn reopen(&self) -> Result<std::fs::File, PipelineError> {
        self.tmp
            .reopen()
            .map_err(|e| PipelineError::io("cannot write", &self.target, e))
    }

    /// Flushes the file to disk and renames it to its destination.
    pub fn persist(self) -> Result<(), PipelineError> {
        let target = self.target;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| PipelineError::io("cannot write", &target, e))?;
        self.tmp
            .persist(&target)
            .map_err(|e| PipelineError::io("cannot write", &target, e.error))?;
        // Make the rename itself durable; not every platform lets a directory be synced.
        if let Ok(d) = std::fs::File::open(parent(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl AtomicFile {
    /// [`AtomicFile::persist`], but only if the destination still does not exist (a
    /// hard link, then the temporary name removed): a file another process finished at
    /// the same name in the meantime is kept, and this is an error that says so.
    pub fn persist_new(self) -> Result<(), PipelineError> {
        let target = self.target;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| PipelineError::io("cannot write", &target, e))?;
        self.tmp.persist_noclobber(&target).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                PipelineError::InvalidArgument(format!(
                    "{:?} appeared while this command was writing it (another kqent?); it was                      kept and this output discarded",
                    target.display().to_string()
                ))
            } else {
                PipelineError::io("cannot write", &target, e.error)
            }
        })?;
        Ok(())
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes what `fill` writes to `path` atomically (buffered).
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), PipelineError> {
    let f = AtomicFile::create(path)?;
    {
        let mut w = BufWriter::with_capacity(256 * 1024, f.file());
        fill(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| PipelineError::io("cannot write", path, e))?;
    }
    f.persist()
}

/// Creates `path`'s directory if it is missing: for outputs whose directory the command
/// makes (`kqent report --html DIR/page.html`, `kqent gate --junit`).
pub fn create_parent(path: &Path) -> Result<(), PipelineError> {
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(|e| PipelineError::io("cannot create", dir, e))
}

/// Writes `bytes` to `path` atomically.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("x.json");
/// kqent_pipeline::atomic::write_atomic(&p, b"{}").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"{}");
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PipelineError> {
    write_with(path, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"{}").unwrap();
        write_atomic(&p, b"{ }").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{ }");
        // A failed fill keeps the old file and removes the temporary one.
        let e = write_with(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"{ }");
        // An unpersisted file disappears.
        drop(AtomicFile::create(&dir.path().join("t.trace")).unwrap());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["r.json".to_string()]);
        assert!(AtomicFile::create(Path::new("/")).is_err());
        // No directory is created for a mistyped path.
        let e = write_atomic(&dir.path().join("nope/x.json"), b"{}").unwrap_err();
        assert!(e.to_string().starts_with("cannot write"), "{e}");
    }
}
