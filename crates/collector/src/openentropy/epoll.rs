//! The shipped loop's structure over epoll (Linux): level-triggered read and write watches
//! on blocking socket pairs primed with `0xAA`, timerfds and inotify instances registered
//! edge-triggered and read when reported (kqueue delivers each timer expiry and each
//! EV_CLEAR vnode note once), and the blocking drain of every read end.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use super::poker::{PathPoker, PathTargets};
use super::{Call, Session, OPENENTROPY_POKE_US};
use crate::backend::kind_bits;
use crate::clock::RawClock;
use crate::config::Sources;
use crate::epoll::{epoll_add, epoll_instance, periodic_timerfd, token, watch_file};
use crate::fdutil::{drain_fd, socket_pair_with};
use crate::tempdir::PrivateDir;
use crate::CollectError;

/// One open session queue. Dropping it stops the poker, then closes the descriptors, then
/// removes the private directory (field order).
pub(crate) struct OeEpoll {
    // Held for its Drop (stops the thread first); tests read its round count.
    #[cfg_attr(not(test), allow(dead_code))]
    poker: PathPoker,
    clock: RawClock,
    epfd: OwnedFd,
    timeout_ms: libc::c_int,
    events: Vec<libc::epoll_event>,
    timers: Vec<OwnedFd>,
    sock_read: Vec<OwnedFd>,
    inotify: Vec<OwnedFd>,
    watches: Vec<libc::c_int>,
    /// Inotify event masks seen so far, OR-ed (tests check that path pokes raise them).
    pub(crate) file_masks: u32,
    _targets: Arc<PathTargets>,
    buf: Box<[u8; 4096]>,
    _dir: Option<PrivateDir>,
}

impl OeEpoll {
    /// Creates and registers every source and starts the poker; a failure releases what
    /// was created so far.
    pub(crate) fn open(src: &Sources) -> Result<OeEpoll, CollectError> {
        let mut dir = if src.watchers > 0 {
            Some(PrivateDir::create()?)
        } else {
            None
        };
        let epfd = epoll_instance()?;
        let register = |fd: RawFd, events: u32, tok: u64| epoll_add(&epfd, fd, events, tok);
        let edge = (libc::EPOLLIN | libc::EPOLLET) as u32;

        let mut timers = Vec::with_capacity(src.timers);
        for i in 0..src.timers {
            let fd = periodic_timerfd(i)?;
            register(fd.as_raw_fd(), edge, token(kind_bits::TIMER, i))?;
            timers.push(fd);
        }

        let mut targets = PathTargets::default();
        let mut sock_read = Vec::with_capacity(src.sockets);
        for i in 0..src.sockets {
            let (r, w) = socket_pair_with(false)?;
            register(
                r.as_raw_fd(),
                libc::EPOLLIN as u32,
                token(kind_bits::SOCKET_READ, i),
            )?;
            let byte = [0xAAu8];
            // SAFETY: `w` is open; one-byte buffer. Like the shipped source, the result is
            // not checked (an empty socket pair only means the first drain waits a poke).
            unsafe { libc::write(w.as_raw_fd(), byte.as_ptr().cast(), 1) };
            register(
                w.as_raw_fd(),
                libc::EPOLLOUT as u32,
                token(kind_bits::SOCKET_WRITE, i),
            )?;
            sock_read.push(r);
            targets.sockets.push(w);
        }

        let mut inotify = Vec::with_capacity(src.watchers);
        let mut watches = Vec::with_capacity(src.watchers);
        if let Some(dir) = dir.as_mut() {
            for i in 0..src.watchers {
                let (file, path) = dir.create_file(&format!("oe_kq_{i}"))?;
                let content = b"entropy";
                // SAFETY: `file` is open for writing; the buffer is valid for its length.
                let n = unsafe { libc::write(file.as_raw_fd(), content.as_ptr().cast(), 7) };
                if n != 7 {
                    return Err(CollectError::last_os(format!(
                        "cannot write {}",
                        path.display()
                    )));
                }
                drop(file);
                let (ifd, wd) = watch_file(&path)?;
                register(ifd.as_raw_fd(), edge, token(kind_bits::FILE, i))?;
                inotify.push(ifd);
                watches.push(wd);
                targets.paths.push(path);
            }
        }

        let targets = Arc::new(targets);
        let poker = PathPoker::spawn(targets.clone(), Duration::from_micros(OPENENTROPY_POKE_US))?;
        let capacity = (src.timers + 2 * src.sockets + src.watchers).max(16);
        Ok(OeEpoll {
            poker,
            clock: RawClock::openentropy(),
            epfd,
            timeout_ms: src.timeout_ms,
            events: vec![libc::epoll_event { events: 0, u64: 0 }; capacity],
            timers,
            sock_read,
            inotify,
            watches,
            file_masks: 0,
            _targets: targets,
            buf: Box::new([0u8; 4096]),
            _dir: dir,
        })
    }

    /// Reads an inotify instance, OR-ing the masks of its records into `file_masks`.
    fn read_inotify(&mut self, idx: usize) -> Result<(), CollectError> {
        let Some(fd) = self.inotify.get(idx) else {
            return Ok(());
        };
        loop {
            // SAFETY: `buf` is writable for its length; `fd` is open.
            let n = unsafe { libc::read(fd.as_raw_fd(), self.buf.as_mut_ptr().cast(), 4096) };
            if n == 0 {
                return Ok(());
            }
            if n < 0 {
                let err = std::io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EAGAIN) => return Ok(()),
                    Some(libc::EINTR) => continue,
                    _ => return Err(CollectError::io("cannot read an inotify instance", err)),
                }
            }
            // Records: wd i32, mask u32, cookie u32, len u32, name[len].
            let mut at = 0usize;
            let n = n as usize;
            while at + 16 <= n {
                let mask = u32::from_ne_bytes([
                    self.buf[at + 4],
                    self.buf[at + 5],
                    self.buf[at + 6],
                    self.buf[at + 7],
                ]);
                let len = u32::from_ne_bytes([
                    self.buf[at + 12],
                    self.buf[at + 13],
                    self.buf[at + 14],
                    self.buf[at + 15],
                ]) as usize;
                self.file_masks |= mask;
                at += 16 + len;
            }
        }
    }
}

impl Session for OeEpoll {
    #[inline(always)]
    fn now(&mut self) -> u64 {
        self.clock.now_ns()
    }

    #[inline(always)]
    fn wait(&mut self) -> Call {
        // SAFETY: `events` is writable for `len` entries; epfd is open.
        let n = unsafe {
            libc::epoll_wait(
                self.epfd.as_raw_fd(),
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_int,
                self.timeout_ms,
            )
        };
        if n >= 0 {
            Call::Ready(n as u32)
        } else {
            Call::Failed(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }

    fn after_ready(&mut self, n: u32) -> Result<u32, CollectError> {
        // The shipped drain first: a blocking 64-byte read on every read end, whatever
        // fired; results ignored as there.
        let mut drain = [0u8; 64];
        for fd in &self.sock_read {
            // SAFETY: `drain` is writable for 64 bytes; `fd` is open.
            unsafe { libc::read(fd.as_raw_fd(), drain.as_mut_ptr().cast(), drain.len()) };
        }
        // Then what kqueue would not need: consume the timer and inotify stand-ins.
        let mut kinds = 0;
        for i in 0..(n as usize).min(self.events.len()) {
            let tok = self.events[i].u64;
            let kind = (tok >> 32) as u32;
            let idx = (tok & 0xffff_ffff) as usize;
            kinds |= kind;
            match kind {
                kind_bits::TIMER => {
                    if let Some(fd) = self.timers.get(idx) {
                        drain_fd(&mut self.buf[..], fd)?;
                    }
                }
                kind_bits::FILE => self.read_inotify(idx)?,
                _ => {}
            }
        }
        Ok(kinds)
    }
}

impl Drop for OeEpoll {
    fn drop(&mut self) {
        // As in the epoll backend: removing the watches first spares one fsnotify grace
        // period per instance at close.
        for (fd, &wd) in self.inotify.iter().zip(&self.watches) {
            // SAFETY: `fd` is an open inotify instance and `wd` its watch.
            unsafe { libc::inotify_rm_watch(fd.as_raw_fd(), wd) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openentropy::{run_session, SESSION_EXTRA_CALLS};
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    fn sources(watchers: usize) -> Sources {
        Sources {
            timers: 8,
            sockets: 4,
            watchers,
            timeout_ms: 1,
            poke_us: OPENENTROPY_POKE_US,
            level_write: true,
        }
    }

    /// Runs one session of `n + 64` calls; returns the samples, the poker's rounds during
    /// the session, and the queue.
    fn session(watchers: usize, n: u64) -> (Vec<crate::sampler::Sample>, u64, OeEpoll) {
        let mut q = OeEpoll::open(&sources(watchers)).unwrap();
        let mut out = Vec::new();
        let deadline = Instant::now() + super::super::OPENENTROPY_DEADLINE;
        let r0 = q.poker.rounds();
        run_session(
            &mut q,
            n + SESSION_EXTRA_CALLS,
            &mut || Instant::now() >= deadline,
            &AtomicBool::new(false),
            &mut out,
        )
        .unwrap();
        let rounds = q.poker.rounds() - r0;
        (out, rounds, q)
    }

    fn median(mut v: Vec<u64>) -> u64 {
        v.sort_unstable();
        v[v.len() / 2]
    }

    #[test]
    fn blocking_drain_paces_the_loop_to_the_poker() {
        // Sockets and timers only: a poker round is the socket writes and a 500 µs sleep.
        let (out, rounds, _q) = session(0, 200);
        let iterations = out.len() as u64 - 1;
        // Each iteration blocks until the poker's next round has written every socket, so
        // there is about one iteration per round (the priming byte gives one extra).
        assert!(
            iterations <= rounds + 2 && 2 * iterations >= rounds,
            "{iterations} iterations for {rounds} poker rounds"
        );
        let period = median(
            out.windows(2)
                .map(|w| w[1].start_ns - w[0].start_ns)
                .collect(),
        );
        // Near the 500 µs poke period: not the ~1 µs of a loop that never blocks.
        assert!(period >= 400_000, "median iteration {period} ns");
        // The waits themselves are short: the write ends are always writable.
        let wait = median(out.iter().map(|s| s.duration_ns).collect());
        assert!(
            wait < period / 10,
            "median wait {wait} ns, iteration {period} ns"
        );
    }

    #[test]
    fn every_kind_fires_and_path_pokes_raise_file_events() {
        let (out, rounds, q) = session(2, 100);
        let kinds = out.iter().fold(0, |k, s| k | s.kinds);
        assert_eq!(kinds, 0xf, "timer, file, socket read and write all fired");
        assert!(rounds > 0);
        assert_ne!(q.file_masks & libc::IN_MODIFY, 0, "{:#x}", q.file_masks);
    }

    /// What Linux raises for the shipped path poke (`std::fs::write`: open with
    /// O_CREAT|O_TRUNC, write, close), and why it is not kqueue's NOTE_WRITE + NOTE_ATTRIB.
    ///
    /// The truncation at open goes through `notify_change(ATTR_SIZE|ATTR_MTIME|ATTR_CTIME)`,
    /// and `fsnotify_change` maps ATTR_SIZE (and ATTR_MTIME without ATTR_ATIME) to FS_MODIFY,
    /// not FS_ATTRIB; the write's timestamp update (`file_update_time`) posts no event and its
    /// `fsnotify_modify` is IN_MODIFY again; close is IN_CLOSE_WRITE, which the source does not
    /// watch. IN_ATTRIB comes only from chmod/chown/utimes/xattr changes (or a write dropping a
    /// set-uid bit, which the shipped files never have), none of which the poke makes. So on
    /// Linux a faithful poke raises modify events only: the test asserts exactly that, and
    /// that the same watch does report IN_ATTRIB when an attribute really changes (so the
    /// absence is the kernel's classification, not a blind watch).
    #[test]
    fn path_pokes_raise_modify_only_and_the_watch_sees_attribute_changes() {
        let (_, rounds, mut q) = session(2, 100);
        assert!(rounds > 0);
        assert_eq!(
            q.file_masks,
            libc::IN_MODIFY,
            "masks {:#x}: a path poke on Linux raises IN_MODIFY, never IN_ATTRIB",
            q.file_masks
        );
        // The control: an attribute change by path on a watched file, then wait for the
        // watch to report it (a bounded number of calls, each up to the 1 ms timeout plus a
        // poker round).
        let path = q._targets.paths[0].clone();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        while q.file_masks & libc::IN_ATTRIB == 0 && Instant::now() < deadline {
            if let Call::Ready(n) = q.wait() {
                if n > 0 {
                    q.after_ready(n).unwrap();
                }
            }
        }
        assert_eq!(
            q.file_masks,
            libc::IN_MODIFY | libc::IN_ATTRIB,
            "chmod must raise IN_ATTRIB on the same watch: {:#x}",
            q.file_masks
        );
    }

    extern "C" fn ignore(_: libc::c_int) {}

    #[test]
    fn interrupted_waits_are_recorded_and_flagged() {
        // A no-op handler without SA_RESTART: epoll_wait (never restarted anyway) and the
        // blocking reads return EINTR, as they would under openentropy's process.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = ignore as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            assert_eq!(libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut()), 0);
        }
        let me = unsafe { libc::pthread_self() };
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let signaller = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                unsafe { libc::pthread_kill(me, libc::SIGUSR2) };
                std::thread::sleep(std::time::Duration::from_micros(300));
            }
        });
        // Timers only, with a 50 ms timeout: the waits are long, so signals land in them.
        let src = Sources {
            timers: 1,
            sockets: 0,
            watchers: 0,
            timeout_ms: 50,
            ..sources(0)
        };
        let mut q = OeEpoll::open(&src).unwrap();
        let mut out = Vec::new();
        let end = run_session(&mut q, 64, &mut || false, &AtomicBool::new(false), &mut out);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        signaller.join().unwrap();
        end.unwrap();
        assert_eq!(out.len(), 64, "failed calls are samples too");
        let failed: Vec<_> = out
            .iter()
            .filter(|s| s.kinds == kqent_trace::EventKinds::FAILED.0)
            .collect();
        assert!(!failed.is_empty(), "no wait was interrupted");
        assert!(failed.iter().all(|s| s.events == libc::EINTR as u32));
        assert!(failed.iter().all(|s| s.duration_ns > 0));
    }
}
