//! The macOS/FreeBSD backend: one kqueue with EVFILT_TIMER, EVFILT_VNODE
//! (NOTE_WRITE|NOTE_ATTRIB), EVFILT_READ and EVFILT_WRITE, fed by the same poker thread as
//! epoll. Kept thin on purpose: the loop, the poker and the private directory are shared
//! and tested on Linux; only the registration and the wait call live here.
//!
//! `struct kevent` differs between macOS (`data: intptr_t`) and FreeBSD 12+ (`data: i64`,
//! extra `ext` array), so events are built from a zeroed value and assigned with `as _`.
//! Returned events are dispatched on `filter` and `ident` ([`crate::kevent`]), which also
//! turns `EV_ERROR` and `EV_EOF` into errors.
// Casts that are no-ops on one of the two systems are needed on the other.
#![allow(clippy::unnecessary_cast)]

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

use crate::backend::{kind_bits, Backend, Wait};
use crate::clock::RawClock;
use crate::config::Sources;
use crate::fdutil::{drain_fd, owned, socket_pair};
use crate::kevent::{Dispatch, Event};
use crate::poker::{PokeTargets, Poker};
use crate::tempdir::PrivateDir;
use crate::CollectError;

const DRAIN_BUF: usize = 4096;

/// An open kqueue event source. Dropping it stops the poker, closes every descriptor and
/// removes the private directory, in that order.
pub(crate) struct Kqueue {
    _poker: Option<Poker>,
    clock: RawClock,
    kq: OwnedFd,
    timeout: libc::timespec,
    events: Vec<libc::kevent>,
    ready: usize,
    dispatch: Dispatch,
    sock_read: Vec<OwnedFd>,
    _targets: Arc<PokeTargets>,
    buf: Box<[u8; DRAIN_BUF]>,
    _dir: Option<PrivateDir>,
}

/// A registration (`udata` stays null: dispatch uses `filter` and `ident`).
pub(crate) fn change(
    ident: usize,
    filter: i16,
    flags: u16,
    fflags: u32,
    data: i64,
) -> libc::kevent {
    // SAFETY: `kevent` is plain data; all-zero (null udata) is a valid value.
    let mut k: libc::kevent = unsafe { std::mem::zeroed() };
    k.ident = ident as _;
    k.filter = filter as _;
    k.flags = flags as _;
    k.fflags = fflags as _;
    k.data = data as _;
    k
}

/// The portable view of a returned event.
#[inline]
pub(crate) fn event(k: &libc::kevent) -> Event {
    Event {
        ident: k.ident as u64,
        filter: k.filter as i16,
        flags: k.flags as u16,
        fflags: k.fflags as u32,
        data: k.data as i64,
    }
}

/// A new kqueue, close-on-exec. Neither macOS nor FreeBSD before 14 can create it so
/// atomically (no `kqueue1`), and a kqueue is never inherited by a forked child, so the
/// window is a concurrent bare `exec` only; the fcntl's failure is reported, not ignored.
pub(crate) fn new_kqueue() -> Result<OwnedFd, CollectError> {
    // SAFETY: plain syscall.
    let kq = owned(unsafe { libc::kqueue() }, "cannot create a kqueue")?;
    // SAFETY: fcntl on the descriptor just created.
    if unsafe { libc::fcntl(kq.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
        return Err(CollectError::last_os(
            "cannot set close-on-exec on the kqueue",
        ));
    }
    Ok(kq)
}

impl Kqueue {
    /// Creates every source, registers it and starts the poker; a failure releases what was
    /// created so far.
    pub(crate) fn open(src: &Sources) -> Result<Kqueue, CollectError> {
        let mut dir = if src.watchers > 0 {
            Some(PrivateDir::create()?)
        } else {
            None
        };
        let kq = new_kqueue()?;
        let mut dispatch = Dispatch::new(src.timers);
        let mut changes = Vec::new();
        for i in 0..src.timers {
            // EVFILT_TIMER's data is the period in milliseconds by default on both systems.
            let ms = crate::config::timer_period_ms(i);
            changes.push(change(
                i,
                libc::EVFILT_TIMER,
                libc::EV_ADD | libc::EV_ENABLE,
                0,
                ms as i64,
            ));
        }
        let write_flags = if src.level_write {
            libc::EV_ADD | libc::EV_ENABLE
        } else {
            libc::EV_ADD | libc::EV_ENABLE | libc::EV_CLEAR
        };
        let mut targets = PokeTargets::default();
        let mut sock_read = Vec::with_capacity(src.sockets);
        for i in 0..src.sockets {
            let (r, w) = socket_pair()?;
            changes.push(change(
                r.as_raw_fd() as usize,
                libc::EVFILT_READ,
                libc::EV_ADD | libc::EV_ENABLE,
                0,
                0,
            ));
            changes.push(change(
                w.as_raw_fd() as usize,
                libc::EVFILT_WRITE,
                write_flags,
                0,
                0,
            ));
            dispatch.add_socket(i, r.as_raw_fd() as u64, w.as_raw_fd() as u64);
            sock_read.push(r);
            targets.sockets.push(w);
        }
        if let Some(dir) = dir.as_mut() {
            for i in 0..src.watchers {
                let (file, _path) = dir.create_file(&format!("watched-{i}"))?;
                // One knote per file, cleared on delivery like the original source.
                changes.push(change(
                    file.as_raw_fd() as usize,
                    libc::EVFILT_VNODE,
                    libc::EV_ADD | libc::EV_ENABLE | libc::EV_CLEAR,
                    libc::NOTE_WRITE | libc::NOTE_ATTRIB,
                    0,
                ));
                dispatch.add_watcher(i, file.as_raw_fd() as u64);
                targets.files.push(file);
            }
        }
        if !changes.is_empty() {
            // SAFETY: `changes` holds `len` valid kevents; no event list is requested, so
            // a failing change is reported through the return value.
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
            if rc < 0 {
                return Err(CollectError::last_os(
                    "cannot register the sources with kqueue",
                ));
            }
        }

        let targets = Arc::new(targets);
        let poker = if src.poke_us > 0 && (src.sockets > 0 || src.watchers > 0) {
            Some(Poker::spawn(targets.clone(), src.poke_us)?)
        } else {
            None
        };
        let ms = i64::from(src.timeout_ms);
        let timeout = libc::timespec {
            tv_sec: (ms / 1000) as _,
            tv_nsec: ((ms % 1000) * 1_000_000) as _,
        };
        let capacity = (src.timers + 2 * src.sockets + src.watchers).max(1);
        Ok(Kqueue {
            _poker: poker,
            clock: RawClock::best(),
            kq,
            timeout,
            events: vec![change(0, 0, 0, 0, 0); capacity],
            ready: 0,
            dispatch,
            sock_read,
            _targets: targets,
            buf: Box::new([0u8; DRAIN_BUF]),
            _dir: dir,
        })
    }
}

impl Backend for Kqueue {
    fn name(&self) -> &'static str {
        "kqueue"
    }

    #[inline(always)]
    fn now_ns(&mut self) -> u64 {
        self.clock.now_ns()
    }

    #[inline(always)]
    fn wait(&mut self) -> Result<Wait, CollectError> {
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
            self.ready = n as usize;
            return Ok(Wait::Ready(n as u32));
        }
        self.ready = 0;
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINTR) {
            return Ok(Wait::Interrupted);
        }
        Err(CollectError::io("kevent failed", err))
    }

    fn check(&self) -> Result<(), CollectError> {
        self._targets.error().map_or(Ok(()), Err)
    }

    fn drain(&mut self) -> Result<u32, CollectError> {
        let mut kinds = 0;
        for i in 0..self.ready {
            let d = self.dispatch.decode(&event(&self.events[i]))?;
            kinds |= d.kind;
            // Timers, vnode notes (EV_CLEAR) and writability need no consuming; socket
            // bytes do, or EVFILT_READ would stay ready.
            if d.kind == kind_bits::SOCKET_READ {
                if let Some(fd) = self.sock_read.get(d.index) {
                    drain_fd(&mut self.buf[..], fd)?;
                }
            }
        }
        self.ready = 0;
        Ok(kinds)
    }
}

impl std::fmt::Debug for Kqueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kqueue")
            .field("kq", &self.kq)
            .field("sockets", &self.sock_read.len())
            .finish()
    }
}
