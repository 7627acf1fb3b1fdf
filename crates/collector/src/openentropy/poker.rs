//! The shipped source's poker thread: every 500 µs one byte `0xBB` to every socket's write
//! end (blocking), then every watched file rewritten by path as `std::fs::write(path,
//! b"poke")` does it (open with O_CREAT|O_TRUNC, write, close), then `thread::sleep`.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::CollectError;

/// What the poker writes to; owned by the queue so that it outlives the thread.
#[derive(Debug, Default)]
pub(crate) struct PathTargets {
    /// Socket write ends.
    pub sockets: Vec<OwnedFd>,
    /// Watched files, rewritten by path.
    pub paths: Vec<PathBuf>,
}

impl PathTargets {
    /// One round, errors ignored as the shipped source ignores them.
    fn poke(&self) {
        let byte = [0xBBu8];
        for s in &self.sockets {
            // SAFETY: valid fd owned by `self`; one-byte buffer.
            unsafe { libc::write(s.as_raw_fd(), byte.as_ptr().cast(), 1) };
        }
        for p in &self.paths {
            let _ = std::fs::write(p, b"poke");
        }
    }
}

/// The running poker; dropping it stops and joins the thread (at most one round and one
/// sleep later).
#[derive(Debug)]
pub(crate) struct PathPoker {
    stop: Arc<AtomicBool>,
    #[cfg_attr(not(all(test, target_os = "linux")), allow(dead_code))]
    rounds: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

impl PathPoker {
    /// Starts poking every `interval`. The thread blocks every signal, so SIGINT reaches
    /// the collecting thread (where it interrupts the wait call, a failed sample).
    pub(crate) fn spawn(
        targets: Arc<PathTargets>,
        interval: Duration,
    ) -> Result<PathPoker, CollectError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let rounds = Arc::new(AtomicU64::new(0));
        let counter = rounds.clone();
        let handle = crate::poker::with_signals_blocked(|| {
            std::thread::Builder::new()
                .name("kqent-oe-poker".into())
                .spawn(move || {
                    while !flag.load(Ordering::Relaxed) {
                        targets.poke();
                        counter.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(interval);
                    }
                })
        })
        .map_err(|e| CollectError::io("cannot start the poker thread", e))?;
        Ok(PathPoker {
            stop,
            rounds,
            handle: Some(handle),
        })
    }

    /// Rounds of pokes completed so far.
    #[cfg_attr(not(all(test, target_os = "linux")), allow(dead_code))]
    pub(crate) fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::Relaxed)
    }
}

impl Drop for PathPoker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            // The thread only makes syscalls and cannot panic; nothing to report if it did.
            let _ = h.join();
        }
    }
}
