//! The private directory holding the watched files: mode 0700, created atomically under
//! `$TMPDIR` (or `/tmp`), removed with everything in it on drop.

use std::ffi::{CString, OsString};
use std::os::fd::{FromRawFd, OwnedFd};
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
}

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
        Ok(PrivateDir {
            path: PathBuf::from(OsString::from_vec(bytes)),
            files: Vec::new(),
        })
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
        drop(d);
        assert!(!path.exists());
    }
}
