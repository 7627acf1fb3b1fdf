//! The shipped loop on kqueue (macOS, FreeBSD), registration for registration: timers
//! `EV_ADD|EV_ENABLE` with `1 + i mod 10` ms, per socket pair EVFILT_READ on the read end,
//! one byte `0xAA` written, EVFILT_WRITE on the write end (both level-triggered, blocking
//! sockets), per file EVFILT_VNODE `EV_CLEAR` with NOTE_WRITE|NOTE_ATTRIB on a read-only
//! descriptor, all changes in one `kevent` call; the timeout as the source builds it
//! (`tv_sec = 0, tv_nsec = timeout_ms * 10^6`, so a timeout of 1000 ms or more fails
//! every call with EINVAL, as it does there); an event list of `max(changes, 16)`.
// Casts that are no-ops on one of the two systems are needed on the other.
#![allow(clippy::unnecessary_cast)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use super::poker::{PathPoker, PathTargets};
use super::{Call, Session, OPENENTROPY_POKE_US};
use crate::clock::RawClock;
use crate::config::Sources;
use crate::fdutil::socket_pair_with;
use crate::kevent::{Dispatch, NOTE_ATTRIB, NOTE_WRITE};
use crate::kqueue::{change, event, new_kqueue};
use crate::tempdir::PrivateDir;
use crate::CollectError;

/// One open session queue; dropping it stops the poker, closes every descriptor and
/// removes the private directory, in that order.
pub(crate) struct OeKqueue {
    _poker: PathPoker,
    clock: RawClock,
    kq: OwnedFd,
    timeout: libc::timespec,
    events: Vec<libc::kevent>,
    dispatch: Dispatch,
    sock_read: Vec<OwnedFd>,
    _watched: Vec<OwnedFd>,
    /// Vnode notes seen so far, OR-ed (tests check that path pokes raise both).
    pub(crate) vnode_notes: u32,
    _targets: Arc<PathTargets>,
    _dir: Option<PrivateDir>,
}

impl OeKqueue {
    /// Creates and registers every source and starts the poker.
    pub(crate) fn open(src: &Sources) -> Result<OeKqueue, CollectError> {
        let mut dir = if src.watchers > 0 {
            Some(PrivateDir::create()?)
        } else {
            None
        };
        let kq = new_kqueue()?;
        let mut dispatch = Dispatch::new(src.timers);
        let mut changes = Vec::new();
        for i in 0..src.timers {
            changes.push(change(
                i,
                libc::EVFILT_TIMER,
                libc::EV_ADD | libc::EV_ENABLE,
                0,
                crate::config::timer_period_ms(i) as i64,
            ));
        }
        let mut targets = PathTargets::default();
        let mut sock_read = Vec::with_capacity(src.sockets);
        for i in 0..src.sockets {
            let (r, w) = socket_pair_with(false)?;
            changes.push(change(
                r.as_raw_fd() as usize,
                libc::EVFILT_READ,
                libc::EV_ADD | libc::EV_ENABLE,
                0,
                0,
            ));
            let byte = [0xAAu8];
            // SAFETY: `w` is open; one-byte buffer; unchecked as in the shipped source.
            unsafe { libc::write(w.as_raw_fd(), byte.as_ptr().cast(), 1) };
            changes.push(change(
                w.as_raw_fd() as usize,
                libc::EVFILT_WRITE,
                libc::EV_ADD | libc::EV_ENABLE,
                0,
                0,
            ));
            dispatch.add_socket(i, r.as_raw_fd() as u64, w.as_raw_fd() as u64);
            sock_read.push(r);
            targets.sockets.push(w);
        }
        let mut watched = Vec::with_capacity(src.watchers);
        if let Some(dir) = dir.as_mut() {
            for i in 0..src.watchers {
                let (file, path) = dir.create_file(&format!("oe_kq_{i}"))?;
                // SAFETY: `file` is open for writing; 7-byte buffer.
                if unsafe { libc::write(file.as_raw_fd(), b"entropy".as_ptr().cast(), 7) } != 7 {
                    return Err(CollectError::last_os(format!(
                        "cannot write {}",
                        path.display()
                    )));
                }
                drop(file);
                let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(
                    path.as_os_str(),
                ))
                .map_err(|_| {
                    CollectError::InvalidConfig(format!("path {} holds a NUL", path.display()))
                })?;
                // SAFETY: valid C string. Read-only like the shipped source; close-on-exec
                // atomically (it leaves the descriptor inheritable).
                let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
                if fd < 0 {
                    return Err(CollectError::last_os(format!(
                        "cannot open {}",
                        path.display()
                    )));
                }
                // SAFETY: just opened, owned by nobody else.
                let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                changes.push(change(
                    fd.as_raw_fd() as usize,
                    libc::EVFILT_VNODE,
                    libc::EV_ADD | libc::EV_ENABLE | libc::EV_CLEAR,
                    libc::NOTE_WRITE | libc::NOTE_ATTRIB,
                    0,
                ));
                dispatch.add_watcher(i, fd.as_raw_fd() as u64);
                watched.push(fd);
                targets.paths.push(path);
            }
        }
        if !changes.is_empty() {
            // SAFETY: `changes` holds `len` valid kevents; no event list.
            let rc = unsafe {
                libc::kevent(
                    kq.as_raw_fd(),
                    changes.as_ptr(),
                    changes.len() as libc::c_int,
                    std::ptr::null_mut(),
                    0,
                    std::ptr::null(),
                )
            };
            // The shipped source ignores a failed registration; kqent reports it, since a
            // trace of a half-registered queue would not be the source's.
            if rc < 0 {
                return Err(CollectError::last_os(
                    "cannot register the sources with kqueue",
                ));
            }
        }
        let targets = Arc::new(targets);
        let poker = PathPoker::spawn(targets.clone(), Duration::from_micros(OPENENTROPY_POKE_US))?;
        let timeout = libc::timespec {
            tv_sec: 0,
            tv_nsec: (i64::from(src.timeout_ms) * 1_000_000) as _,
        };
        let capacity = changes.len().max(16);
        Ok(OeKqueue {
            _poker: poker,
            clock: RawClock::openentropy(),
            kq,
            timeout,
            events: vec![change(0, 0, 0, 0, 0); capacity],
            dispatch,
            sock_read,
            _watched: watched,
            vnode_notes: 0,
            _targets: targets,
            _dir: dir,
        })
    }
}

impl Session for OeKqueue {
    #[inline(always)]
    fn now(&mut self) -> u64 {
        self.clock.now_ns()
    }

    #[inline(always)]
    fn wait(&mut self) -> Call {
        // SAFETY: `events` is writable for `len` entries; kq is open; timeout is valid.
        let n = unsafe {
            libc::kevent(
                self.kq.as_raw_fd(),
                std::ptr::null(),
                0,
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_int,
                &self.timeout,
            )
        };
        if n >= 0 {
            Call::Ready(n as u32)
        } else {
            Call::Failed(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }

    fn after_ready(&mut self, n: u32) -> Result<u32, CollectError> {
        let mut drain = [0u8; 64];
        for fd in &self.sock_read {
            // SAFETY: `drain` is writable for 64 bytes; `fd` is open. Blocking, result
            // ignored, as shipped.
            unsafe { libc::read(fd.as_raw_fd(), drain.as_mut_ptr().cast(), drain.len()) };
        }
        // kqent's addition, outside the timed window: which kinds fired. The shipped
        // source ignores EV_ERROR and EV_EOF, so here they only leave their kind unset.
        let mut kinds = 0;
        for k in &self.events[..(n as usize).min(self.events.len())] {
            let ev = event(k);
            if let Ok(d) = self.dispatch.decode(&ev) {
                kinds |= d.kind;
                if d.kind == crate::backend::kind_bits::FILE {
                    self.vnode_notes |= ev.fflags & (NOTE_WRITE | NOTE_ATTRIB);
                }
            }
        }
        Ok(kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openentropy::{run_session, SESSION_EXTRA_CALLS};
    use std::sync::atomic::AtomicBool;

    #[test]
    fn path_pokes_raise_write_and_attrib_and_every_kind_fires() {
        let src = Sources {
            timers: 8,
            sockets: 4,
            watchers: 4,
            timeout_ms: 1,
            poke_us: OPENENTROPY_POKE_US,
            level_write: true,
        };
        let mut q = OeKqueue::open(&src).unwrap();
        let mut out = Vec::new();
        run_session(
            &mut q,
            200 + SESSION_EXTRA_CALLS,
            &mut || false,
            &AtomicBool::new(false),
            &mut out,
        )
        .unwrap();
        let kinds = out.iter().fold(0, |k, s| k | s.kinds);
        assert_eq!(kinds, 0xf);
        assert_eq!(q.vnode_notes, NOTE_WRITE | NOTE_ATTRIB);
        let mut periods: Vec<u64> = out
            .windows(2)
            .map(|w| {
                q.clock
                    .timebase()
                    .map_or(w[1].start_ns - w[0].start_ns, |t| {
                        t.to_ns(w[1].start_ns - w[0].start_ns)
                    })
            })
            .collect();
        periods.sort_unstable();
        assert!(
            periods[periods.len() / 2] > 300_000,
            "{:?}",
            periods[periods.len() / 2]
        );
    }
}
