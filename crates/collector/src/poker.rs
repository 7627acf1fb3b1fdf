//! The poker thread: keeps the sockets and files busy so the wait calls have events to
//! report. It writes one byte to every socket's write end and rewrites the first byte of
//! every watched file, then sleeps `poke_us` microseconds.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::CollectError;

/// The descriptors the poker writes to; shared with the backend so they outlive the thread.
#[derive(Debug, Default)]
pub(crate) struct PokeTargets {
    /// Socket ends to write one byte to (their peers are the read ends being watched).
    pub sockets: Vec<OwnedFd>,
    /// Watched files, rewritten in place.
    pub files: Vec<OwnedFd>,
    /// The errno of the first poke that failed for a reason other than a full socket
    /// buffer (0: none), e.g. ENOSPC on a full `$TMPDIR`.
    pub failed: AtomicI32,
}

impl PokeTargets {
    /// One round of pokes. A full socket buffer (EAGAIN) just means the reader is
    /// behind; any other failure (a full `$TMPDIR`: ENOSPC) is recorded in `failed`, and
    /// the collection ends with it ([`PokeTargets::error`]).
    fn poke(&self) {
        let byte = [0x2au8];
        for s in &self.sockets {
            // SAFETY: valid fd owned by `self`; one-byte buffer.
            if unsafe { libc::write(s.as_raw_fd(), byte.as_ptr().cast(), 1) } < 0 {
                self.note_failure(true);
            }
        }
        for f in &self.files {
            // SAFETY: valid fd owned by `self`; one-byte buffer at offset 0.
            if unsafe { libc::pwrite(f.as_raw_fd(), byte.as_ptr().cast(), 1, 0) } != 1 {
                self.note_failure(false);
            }
        }
    }

    fn note_failure(&self, socket: bool) {
        let errno = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        if socket && (errno == libc::EAGAIN || errno == libc::EWOULDBLOCK || errno == libc::EINTR) {
            return;
        }
        let _ = self
            .failed
            .compare_exchange(0, errno.max(1), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The first poke failure, if any.
    pub(crate) fn error(&self) -> Option<CollectError> {
        match self.failed.load(Ordering::Relaxed) {
            0 => None,
            errno => Some(CollectError::io(
                "the poker cannot write the watched files or sockets, so the wait calls would \
                 lose their events",
                std::io::Error::from_raw_os_error(errno),
            )),
        }
    }
}

/// The running poker thread; dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct Poker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Poker {
    /// Starts poking `targets` every `interval_us` microseconds. The thread blocks every
    /// signal, so SIGINT reaches the collecting thread and interrupts its wait call.
    pub(crate) fn spawn(
        targets: Arc<PokeTargets>,
        interval_us: u64,
    ) -> Result<Poker, CollectError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let interval = Duration::from_micros(interval_us);
        let handle = with_signals_blocked(|| {
            std::thread::Builder::new()
                .name("kqent-poker".into())
                .spawn(move || {
                    while !flag.load(Ordering::Acquire) {
                        targets.poke();
                        // Parking (not sleeping) lets Drop wake the thread at once.
                        std::thread::park_timeout(interval);
                    }
                })
        })
        .map_err(|e| CollectError::io("cannot start the poker thread", e))?;
        Ok(Poker {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for Poker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            // The thread cannot panic (it only makes syscalls); nothing to report if it did.
            let _ = h.join();
        }
    }
}

/// Runs `f` with every signal blocked in the calling thread, so threads it spawns inherit
/// a full mask; the caller's mask is restored afterwards.
pub(crate) fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigset_t is plain data, initialised by sigfillset/pthread_sigmask before use.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        let blocked = libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old) == 0;
        let out = f();
        if blocked {
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn pokes_and_stops_promptly() {
        let (r, w) = crate::fdutil::socket_pair().unwrap();
        let targets = Arc::new(PokeTargets {
            sockets: vec![w],
            files: vec![],
            failed: Default::default(),
        });
        // A long interval: the first poke happens at once, and drop must not wait it out.
        let poker = Poker::spawn(targets.clone(), 60_000_000).unwrap();
        let mut pfd = libc::pollfd {
            fd: r.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // Wait (without a deadline guess) until the byte arrives.
        let rc = unsafe { libc::poll(&mut pfd, 1, 30_000) };
        assert_eq!(rc, 1);
        let t = Instant::now();
        drop(poker);
        assert!(t.elapsed() < Duration::from_secs(20));
        assert_eq!(Arc::strong_count(&targets), 1, "thread released its handle");
    }
}
