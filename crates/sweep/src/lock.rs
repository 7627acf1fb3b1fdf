//! The sweep directory's advisory lock, `DIR/.lock`: one sweep (or `--resume`) at a time
//! writes into a directory. A second one fails at once with a clear error instead of
//! interleaving runs and clearing the first one's temporary files. The lock is `flock(2)`
//! on an open file, so the kernel releases it when the process ends, however it ends: a
//! killed sweep never leaves the directory locked.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::SweepError;

/// Name of the lock file in the sweep directory.
pub const LOCK_FILE: &str = ".lock";

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct SweepLock {
    // Held for its open file description, which carries the lock.
    _file: File,
}

impl SweepLock {
    /// Takes the lock of `dir` without waiting; an error names the directory when another
    /// process holds it.
    pub fn acquire(dir: &Path) -> Result<SweepLock, SweepError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| SweepError::io(&path, e))?;
        try_lock(&file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                // The holder wrote its PID into the file once it had the lock.
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok())
                    .map_or_else(|| "another process".to_string(), |p| format!("PID {p}"));
                SweepError::Directory(format!(
                    "{:?} is in use by another kqent sweep ({holder} holds {:?}); wait for it to finish",
                    dir.display().to_string(),
                    path.display().to_string()
                ))
            } else {
                SweepError::io(&path, e)
            }
        })?;
        // Who holds it, for the message a second writer prints.
        let mut f = &file;
        let _ = f
            .set_len(0)
            .and_then(|()| writeln!(f, "{}", std::process::id()));
        Ok(SweepLock { _file: file })
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Err(std::io::Error::new(std::io::ErrorKind::WouldBlock, e))
        } else {
            Err(e)
        }
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<()> {
    // No advisory lock here: concurrent sweeps in one directory are the user's to avoid.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let held = SweepLock::acquire(dir.path()).unwrap();
        // flock locks belong to open file descriptions: a second open conflicts even in
        // the same process, as a second `kqent sweep` would.
        let e = SweepLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(e.contains("in use by another kqent sweep"), "{e}");
        assert!(e.contains(&format!("PID {}", std::process::id())), "{e}");
        drop(held);
        SweepLock::acquire(dir.path()).unwrap();
    }
}
