//! The Linux backend: epoll over timerfds, AF_UNIX socket pairs and one inotify instance per
//! watched file, with a poker thread generating socket and file events.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use crate::backend::{kind_bits, Backend, Wait};
use crate::clock::RawClock;
use crate::config::Sources;
use crate::fdutil::{drain_fd, owned, socket_pair};
use crate::poker::{PokeTargets, Poker};
use crate::tempdir::PrivateDir;
use crate::CollectError;

/// Size of the buffer socket bytes and inotify records are drained into; holds any single
/// inotify record (16 bytes + NAME_MAX + 1).
const DRAIN_BUF: usize = 4096;

/// An open epoll event source. Dropping it stops the poker, then closes every descriptor,
/// then removes the private directory.
pub(crate) struct Epoll {
    // Field order is drop order: the poker thread first, the directory last.
    _poker: Option<Poker>,
    clock: RawClock,
    epfd: OwnedFd,
    timeout_ms: libc::c_int,
    events: Vec<libc::epoll_event>,
    ready: usize,
    timers: Vec<OwnedFd>,
    sock_read: Vec<OwnedFd>,
    inotify: Vec<OwnedFd>,
    /// The watch descriptor of each inotify instance, removed before closing (see Drop).
    watches: Vec<libc::c_int>,
    _targets: Arc<PokeTargets>,
    buf: Box<[u8; DRAIN_BUF]>,
    _dir: Option<PrivateDir>,
}

/// epoll's `data` field: the kind bit in the high half, the source's index in the low half.
pub(crate) fn token(kind: u32, index: usize) -> u64 {
    (u64::from(kind) << 32) | index as u64
}

/// A new epoll instance (close-on-exec).
pub(crate) fn epoll_instance() -> Result<OwnedFd, CollectError> {
    // SAFETY: plain syscall.
    owned(
        unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
        "cannot create an epoll instance",
    )
}

/// Registers `fd` with the epoll instance `epfd` for `events`, reported as `tok`.
pub(crate) fn epoll_add(
    epfd: &OwnedFd,
    fd: RawFd,
    events: u32,
    tok: u64,
) -> Result<(), CollectError> {
    let mut ev = libc::epoll_event { events, u64: tok };
    // SAFETY: both descriptors are open; `ev` is a valid epoll_event.
    let rc = unsafe { libc::epoll_ctl(epfd.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) };
    if rc != 0 {
        return Err(CollectError::last_os(
            "cannot register a descriptor with epoll",
        ));
    }
    Ok(())
}

/// Timer `i`: a non-blocking timerfd armed to expire every
/// [`crate::config::timer_period_ms`]`(i)` milliseconds.
pub(crate) fn periodic_timerfd(i: usize) -> Result<OwnedFd, CollectError> {
    // SAFETY: plain syscall.
    let fd = owned(
        unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        },
        "cannot create a timerfd",
    )?;
    let period = libc::timespec {
        tv_sec: 0,
        tv_nsec: crate::config::timer_period_ms(i) as libc::c_long * 1_000_000,
    };
    let spec = libc::itimerspec {
        it_interval: period,
        it_value: period,
    };
    // SAFETY: `fd` is a timerfd; `spec` is valid.
    let rc = unsafe { libc::timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(CollectError::last_os("cannot arm a timerfd"));
    }
    Ok(fd)
}

/// A non-blocking inotify instance watching `path` for writes and attribute changes, with
/// its watch descriptor (removed before the instance is closed; see `Drop for Epoll`).
pub(crate) fn watch_file(path: &Path) -> Result<(OwnedFd, libc::c_int), CollectError> {
    // SAFETY: plain syscall.
    let ifd = owned(
        unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) },
        "cannot create an inotify instance (see /proc/sys/fs/inotify/max_user_instances)",
    )?;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| CollectError::InvalidConfig(format!("path {} holds a NUL", path.display())))?;
    // SAFETY: valid inotify fd and C string.
    let wd = unsafe {
        libc::inotify_add_watch(
            ifd.as_raw_fd(),
            c.as_ptr(),
            libc::IN_MODIFY | libc::IN_ATTRIB,
        )
    };
    if wd < 0 {
        return Err(CollectError::last_os(format!(
            "cannot watch {}",
            path.display()
        )));
    }
    Ok((ifd, wd))
}

impl Epoll {
    /// Creates every source, registers it and starts the poker. Any failure releases what
    /// was created so far (every resource is owned by a local until the end).
    pub(crate) fn open(src: &Sources) -> Result<Epoll, CollectError> {
        let mut dir = if src.watchers > 0 {
            Some(PrivateDir::create()?)
        } else {
            None
        };
        let epfd = epoll_instance()?;
        let register = |fd: RawFd, events: u32, tok: u64| epoll_add(&epfd, fd, events, tok);

        let mut timers = Vec::with_capacity(src.timers);
        for i in 0..src.timers {
            let fd = periodic_timerfd(i)?;
            register(
                fd.as_raw_fd(),
                libc::EPOLLIN as u32,
                token(kind_bits::TIMER, i),
            )?;
            timers.push(fd);
        }

        let write_flags = if src.level_write {
            libc::EPOLLOUT as u32
        } else {
            (libc::EPOLLOUT | libc::EPOLLET) as u32
        };
        let mut targets = PokeTargets::default();
        let mut sock_read = Vec::with_capacity(src.sockets);
        for i in 0..src.sockets {
            let (r, w) = socket_pair()?;
            register(
                r.as_raw_fd(),
                libc::EPOLLIN as u32,
                token(kind_bits::SOCKET_READ, i),
            )?;
            register(
                w.as_raw_fd(),
                write_flags,
                token(kind_bits::SOCKET_WRITE, i),
            )?;
            sock_read.push(r);
            targets.sockets.push(w);
        }

        let mut inotify = Vec::with_capacity(src.watchers);
        let mut watches = Vec::with_capacity(src.watchers);
        if let Some(dir) = dir.as_mut() {
            for i in 0..src.watchers {
                let (file, path) = dir.create_file(&format!("watched-{i}"))?;
                let (ifd, wd) = watch_file(&path)?;
                register(
                    ifd.as_raw_fd(),
                    libc::EPOLLIN as u32,
                    token(kind_bits::FILE, i),
                )?;
                inotify.push(ifd);
                watches.push(wd);
                targets.files.push(file);
            }
        }

        let targets = Arc::new(targets);
        let poker = if src.poke_us > 0 && (src.sockets > 0 || src.watchers > 0) {
            Some(Poker::spawn(targets.clone(), src.poke_us)?)
        } else {
            None
        };
        let capacity = (src.timers + 2 * src.sockets + src.watchers).max(1);
        Ok(Epoll {
            _poker: poker,
            clock: RawClock::best(),
            epfd,
            timeout_ms: src.timeout_ms,
            events: vec![libc::epoll_event { events: 0, u64: 0 }; capacity],
            ready: 0,
            timers,
            sock_read,
            inotify,
            watches,
            _targets: targets,
            buf: Box::new([0u8; DRAIN_BUF]),
            _dir: dir,
        })
    }
}

impl Backend for Epoll {
    fn name(&self) -> &'static str {
        "epoll"
    }

    #[inline(always)]
    fn now_ns(&mut self) -> u64 {
        self.clock.now_ns()
    }

    #[inline(always)]
    fn wait(&mut self) -> Result<Wait, CollectError> {
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
            self.ready = n as usize;
            return Ok(Wait::Ready(n as u32));
        }
        self.ready = 0;
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINTR) {
            return Ok(Wait::Interrupted);
        }
        Err(CollectError::io("epoll_wait failed", err))
    }

    fn check(&self) -> Result<(), CollectError> {
        self._targets.error().map_or(Ok(()), Err)
    }

    fn drain(&mut self) -> Result<u32, CollectError> {
        let mut kinds = 0;
        for i in 0..self.ready {
            // Copy out of the (packed on x86_64) struct rather than borrowing the field.
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
                kind_bits::SOCKET_READ => {
                    if let Some(fd) = self.sock_read.get(idx) {
                        drain_fd(&mut self.buf[..], fd)?;
                    }
                }
                kind_bits::FILE => {
                    if let Some(fd) = self.inotify.get(idx) {
                        drain_fd(&mut self.buf[..], fd)?;
                    }
                }
                // Writability has nothing to consume.
                _ => {}
            }
        }
        self.ready = 0;
        Ok(kinds)
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // The poker goes first (as the field order says), before anything it writes to.
        self._poker = None;
        // Closing an inotify instance that still holds a watch waits for the kernel's
        // fsnotify reaper (an SRCU grace period, ~10 ms here) once per instance: 4 watchers
        // added ~40 ms to every collection's teardown. Removing every watch first queues
        // them all for one reaper pass, and the closes that follow no longer wait in turn.
        for (fd, &wd) in self.inotify.iter().zip(&self.watches) {
            // SAFETY: `fd` is an open inotify instance and `wd` its watch. A failure only
            // means the close below does the removal, slowly; nothing to report.
            unsafe { libc::inotify_rm_watch(fd.as_raw_fd(), wd) };
        }
    }
}

impl std::fmt::Debug for Epoll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Epoll")
            .field("epfd", &self.epfd)
            .field("timers", &self.timers.len())
            .field("sockets", &self.sock_read.len())
            .field("watchers", &self.inotify.len())
            .finish()
    }
}
