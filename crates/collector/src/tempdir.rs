//! The private directory holding the watched files: mode 0700, created atomically under
//! `$TMPDIR` (or `/tmp`), removed with everything in it on drop. It holds a `.lock` file
//! locked (`flock`) for the directory's life, so that a directory whose collector was
//! killed (SIGKILL: no drop runs) can be told from a live one and removed
//! ([`remove_orphaned_dirs`], which `kqent sweep --resume` runs).

use std::ffi::{CString, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use crate::CollectError;

/// Prefix of the directories this crate creates, so tests can look for leftovers.
pub const TEMP_DIR_PREFIX: &str = "kqent-collect-";

/// A directory only this process uses; removed (files first) when dropped.
#[derive(Debug)]
pub(crate) struct PrivateDir {
    path: PathBuf,
    files: Vec<PathBuf>,
    /// Held open for its lock, which marks the directory as in use.
    _lock: Option<OwnedFd>,
}

/// Name of the lock file in a private directory.
const LOCK_NAME: &str = ".lock";

impl PrivateDir {
    /// Creates `$TMPDIR/kqent-collect-XXXXXX` with mkdtemp (mode 0700, fails rather than
    /// reuse an existing directory).
    pub(crate) fn create() -> Result<PrivateDir, CollectError> {
        let base = std::env::temp_dir();
        let template = base.join(format!("{TEMP_DIR_PREFIX}XXXXXX"));
        let mut bytes = template.into_os_string().into_vec();
        bytes.push(0);
        // SAFETY: `bytes` is a NUL-terminated, writable buffer; mkdtemp rewrites the X's
        // in place and returns either it or NULL.
        let p = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
        if p.is_null() {
            return Err(CollectError::last_os(format!(
                "cannot create a private directory in {}",
                base.display()
            )));
        }
        bytes.pop();
        let mut dir = PrivateDir {
            path: PathBuf::from(OsString::from_vec(bytes)),
            files: Vec::new(),
            _lock: None,
        };
        let (fd, _) = dir.create_file(LOCK_NAME)?;
        // SAFETY: flock only reads the descriptor, which `fd` keeps open.
        if unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(CollectError::last_os(format!(
                "cannot lock {}",
                dir.path.join(LOCK_NAME).display()
            )));
        }
        dir._lock = Some(fd);
        Ok(dir)
    }

    /// The directory's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Creates a new empty file `name` in the directory: O_CREAT|O_EXCL|O_CLOEXEC, mode
    /// 0600, opened read-write. Returns the descriptor and the file's path.
    pub(crate) fn create_file(&mut self, name: &str) -> Result<(OwnedFd, PathBuf), CollectError> {
        let path = self.path.join(name);
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| {
            CollectError::InvalidConfig(format!("temporary path {} holds a NUL", path.display()))
        })?;
        // SAFETY: `c` is a valid C string; the flags ask for a new file only.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(CollectError::last_os(format!(
                "cannot create {}",
                path.display()
            )));
        }
        self.files.push(path.clone());
        // SAFETY: `fd` was just opened and is owned by nobody else.
        Ok((unsafe { OwnedFd::from_raw_fd(fd) }, path))
    }
}

/// Removes the private directories under `$TMPDIR` whose collector is gone (killed with
/// SIGKILL, so that nothing removed them): those whose `.lock` nobody holds. A directory
/// younger than a minute is left alone (its collector may be between creating the lock
/// file and locking it), as is anything that is not such a directory. Returns how many
/// were removed.
pub fn remove_orphaned_dirs() -> usize {
    let base = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().starts_with(TEMP_DIR_PREFIX) {
            continue;
        }
        let dir = e.path();
        // Not followed: a symlink named like ours is not ours.
        let Ok(meta) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        let lock = dir.join(LOCK_NAME);
        let Ok(lock_meta) = std::fs::symlink_metadata(&lock) else {
            continue;
        };
        let young = lock_meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_none_or(|age| age < std::time::Duration::from_secs(60));
        if young {
            continue;
        }
        let Ok(f) = std::fs::File::open(&lock) else {
            continue;
        };
        // SAFETY: flock only reads the descriptor, which `f` keeps open.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            continue; // a live collector holds it
        }
        if let Ok(files) = std::fs::read_dir(&dir) {
            for f in files.flatten() {
                let _ = std::fs::remove_file(f.path());
            }
        }
        if std::fs::remove_dir(&dir).is_ok() {
            removed += 1;
        }
    }
    removed
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        // Best effort: there is no one to report a failure to on this path.
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
        let _ = std::fs::remove_dir(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_and_removed() {
        let mut d = PrivateDir::create().unwrap();
        let path = d.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(TEMP_DIR_PREFIX));
        let (_fd, f) = d.create_file("a").unwrap();
        let fmode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(fmode & 0o777, 0o600);
        // O_EXCL: the same name cannot be created twice.
        assert!(d.create_file("a").is_err());
        // A live directory is never taken for an orphan, however old.
        remove_orphaned_dirs();
        assert!(path.exists());
        drop(d);
        assert!(!path.exists());
    }
}
