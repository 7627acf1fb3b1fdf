//! Decoding what `kevent` returns, kept free of OS calls so that the tests' fake events
//! exercise it on every platform.
//!
//! Events are dispatched on `filter` and `ident`, never on `udata`: packing a kind into
//! the high half of a pointer-sized `udata` loses it on 32-bit targets, while
//! `(filter, ident)` names a registration uniquely on every target (an ident is a timer
//! number for EVFILT_TIMER and a descriptor for the others). `EV_ERROR` and `EV_EOF` are
//! turned into errors a person can act on instead of a silent busy loop.
// Only the kqueue backends (and the tests) decode events; the timer limit is checked
// everywhere.
#![cfg_attr(
    not(any(target_os = "macos", target_os = "freebsd", test)),
    allow(dead_code)
)]

use crate::backend::kind_bits;
use crate::CollectError;

/// `EVFILT_READ`: the same value on macOS and FreeBSD.
pub(crate) const EVFILT_READ: i16 = -1;
/// `EVFILT_WRITE`.
pub(crate) const EVFILT_WRITE: i16 = -2;
/// `EVFILT_VNODE`.
pub(crate) const EVFILT_VNODE: i16 = -4;
/// `EVFILT_TIMER`.
pub(crate) const EVFILT_TIMER: i16 = -7;
/// `EV_EOF`: the socket's peer is gone (read, write) or the file was revoked.
pub(crate) const EV_EOF: u16 = 0x8000;
/// `EV_ERROR`: `data` holds an errno for this registration.
pub(crate) const EV_ERROR: u16 = 0x4000;
/// `NOTE_WRITE` (EVFILT_VNODE).
pub(crate) const NOTE_WRITE: u32 = 0x2;
/// `NOTE_ATTRIB` (EVFILT_VNODE).
pub(crate) const NOTE_ATTRIB: u32 = 0x8;

// The tests run these values on Linux; the real systems must agree.
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
const _: () = {
    assert!(EVFILT_READ == libc::EVFILT_READ);
    assert!(EVFILT_WRITE == libc::EVFILT_WRITE);
    assert!(EVFILT_VNODE == libc::EVFILT_VNODE);
    assert!(EVFILT_TIMER == libc::EVFILT_TIMER);
    assert!(EV_EOF == libc::EV_EOF);
    assert!(EV_ERROR == libc::EV_ERROR);
    assert!(NOTE_WRITE == libc::NOTE_WRITE);
    assert!(NOTE_ATTRIB == libc::NOTE_ATTRIB);
};

/// The fields of one returned `struct kevent` that dispatch needs, in portable types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Event {
    pub ident: u64,
    pub filter: i16,
    pub flags: u16,
    pub fflags: u32,
    pub data: i64,
}

/// What one event means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// Its [`kind_bits`] value.
    pub kind: u32,
    /// The source's index within its kind (socket pair `i`, watcher `i`, timer `i`).
    pub index: usize,
}

/// Which registration each `(filter, ident)` is.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dispatch {
    timers: usize,
    /// `(descriptor, index)`, sorted by descriptor, one table per filter.
    read: Vec<(u64, usize)>,
    write: Vec<(u64, usize)>,
    vnode: Vec<(u64, usize)>,
}

impl Dispatch {
    /// Timers are registered with idents `0..timers`.
    pub(crate) fn new(timers: usize) -> Self {
        Dispatch {
            timers,
            ..Dispatch::default()
        }
    }

    /// Records that socket pair `index` has its read end `read_fd` and write end
    /// `write_fd`.
    pub(crate) fn add_socket(&mut self, index: usize, read_fd: u64, write_fd: u64) {
        insert(&mut self.read, read_fd, index);
        insert(&mut self.write, write_fd, index);
    }

    /// Records that watcher `index` watches descriptor `fd`.
    pub(crate) fn add_watcher(&mut self, index: usize, fd: u64) {
        insert(&mut self.vnode, fd, index);
    }

    /// What `ev` is: its kind and index, or an error for `EV_ERROR`, for `EV_EOF` on a
    /// socket (the pair is broken and would report ready forever) and for an event that
    /// matches no registration.
    pub(crate) fn decode(&self, ev: &Event) -> Result<Decoded, CollectError> {
        if ev.flags & EV_ERROR != 0 {
            return Err(CollectError::io(
                format!(
                    "kevent reported an error for {} ident {}",
                    filter_name(ev.filter),
                    ev.ident
                ),
                std::io::Error::from_raw_os_error(i32::try_from(ev.data).unwrap_or(0)),
            ));
        }
        let found = match ev.filter {
            EVFILT_TIMER => usize::try_from(ev.ident)
                .ok()
                .filter(|&i| i < self.timers)
                .map(|i| (kind_bits::TIMER, i)),
            EVFILT_READ => find(&self.read, ev.ident).map(|i| (kind_bits::SOCKET_READ, i)),
            EVFILT_WRITE => find(&self.write, ev.ident).map(|i| (kind_bits::SOCKET_WRITE, i)),
            EVFILT_VNODE => find(&self.vnode, ev.ident).map(|i| (kind_bits::FILE, i)),
            _ => None,
        };
        let Some((kind, index)) = found else {
            return Err(CollectError::InvalidConfig(format!(
                "kevent returned an event nobody registered ({} ident {})",
                filter_name(ev.filter),
                ev.ident
            )));
        };
        if ev.flags & EV_EOF != 0
            && (kind == kind_bits::SOCKET_READ || kind == kind_bits::SOCKET_WRITE)
        {
            return Err(CollectError::InvalidConfig(format!(
                "socket pair {index} was closed by its peer (EV_EOF on {}); the collection cannot go on",
                filter_name(ev.filter)
            )));
        }
        Ok(Decoded { kind, index })
    }
}

fn insert(table: &mut Vec<(u64, usize)>, fd: u64, index: usize) {
    let at = table.partition_point(|&(f, _)| f < fd);
    table.insert(at, (fd, index));
}

fn find(table: &[(u64, usize)], fd: u64) -> Option<usize> {
    table
        .binary_search_by_key(&fd, |&(f, _)| f)
        .ok()
        .map(|at| table[at].1)
}

fn filter_name(filter: i16) -> String {
    match filter {
        EVFILT_READ => "EVFILT_READ".into(),
        EVFILT_WRITE => "EVFILT_WRITE".into(),
        EVFILT_VNODE => "EVFILT_VNODE".into(),
        EVFILT_TIMER => "EVFILT_TIMER".into(),
        other => format!("filter {other}"),
    }
}

/// FreeBSD's default `kern.kq_calloutmax`: the most EVFILT_TIMER knotes the whole system
/// may hold.
#[cfg_attr(not(any(target_os = "freebsd", test)), allow(dead_code))]
pub(crate) const DEFAULT_KQ_CALLOUTMAX: u64 = 4096;

/// Checks `timers` against FreeBSD's `kern.kq_calloutmax` (`limit`; `None` where the
/// system has no such limit): past it, registering the timers fails with ENOMEM halfway.
pub(crate) fn check_timer_limit(timers: usize, limit: Option<u64>) -> Result<(), CollectError> {
    match limit {
        Some(max) if timers as u64 > max => Err(CollectError::InvalidConfig(format!(
            "--timers {timers} exceeds kern.kq_calloutmax ({max}), the system-wide limit on kqueue timers; lower --timers or raise the sysctl"
        ))),
        _ => Ok(()),
    }
}

/// This system's `kern.kq_calloutmax` (FreeBSD only; `None` elsewhere or when unreadable).
pub(crate) fn kq_calloutmax() -> Option<u64> {
    #[cfg(target_os = "freebsd")]
    {
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>();
        // SAFETY: the name is NUL-terminated; `v` and `len` are valid and writable.
        let rc = unsafe {
            libc::sysctlbyname(
                c"kern.kq_calloutmax".as_ptr(),
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
                std::ptr::null(),
                0,
            )
        };
        if rc == 0 && v >= 0 {
            return Some(v as u64);
        }
        Some(DEFAULT_KQ_CALLOUTMAX)
    }
    #[cfg(not(target_os = "freebsd"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Dispatch {
        let mut d = Dispatch::new(3);
        // Descriptors registered out of order, as the OS hands them out.
        d.add_socket(0, 10, 11);
        d.add_socket(1, 5, 6);
        d.add_watcher(0, 12);
        d.add_watcher(1, 7);
        d
    }

    fn ev(filter: i16, ident: u64) -> Event {
        Event {
            ident,
            filter,
            ..Event::default()
        }
    }

    #[test]
    fn dispatches_on_filter_and_ident_whatever_udata_held() {
        let d = table();
        let got = |e: Event| d.decode(&e).map(|x| (x.kind, x.index)).unwrap();
        assert_eq!(got(ev(EVFILT_TIMER, 2)), (kind_bits::TIMER, 2));
        assert_eq!(got(ev(EVFILT_READ, 5)), (kind_bits::SOCKET_READ, 1));
        assert_eq!(got(ev(EVFILT_WRITE, 11)), (kind_bits::SOCKET_WRITE, 0));
        assert_eq!(got(ev(EVFILT_VNODE, 7)), (kind_bits::FILE, 1));
        // The same number means different sources under different filters: timer 5 does
        // not exist although descriptor 5 is a socket.
        assert!(d.decode(&ev(EVFILT_TIMER, 5)).is_err());
        let e = d.decode(&ev(EVFILT_READ, 6)).unwrap_err().to_string();
        assert_eq!(
            e,
            "kevent returned an event nobody registered (EVFILT_READ ident 6)"
        );
        assert!(d.decode(&ev(-9, 1)).is_err());
    }

    #[test]
    fn ev_error_and_ev_eof_are_errors() {
        let d = table();
        let mut e = ev(EVFILT_READ, 10);
        e.flags = EV_ERROR;
        e.data = i64::from(libc::EBADF);
        let msg = d.decode(&e).unwrap_err().to_string();
        assert!(
            msg.starts_with("kevent reported an error for EVFILT_READ ident 10: "),
            "{msg}"
        );
        assert!(msg.contains("Bad file descriptor"), "{msg}");
        let mut e = ev(EVFILT_WRITE, 6);
        e.flags = EV_EOF;
        let msg = d.decode(&e).unwrap_err().to_string();
        assert!(
            msg.contains("socket pair 1 was closed by its peer"),
            "{msg}"
        );
        // EOF on a vnode (file revoked) still names the watcher; a timer has no EOF.
        let mut e = ev(EVFILT_VNODE, 12);
        e.flags = EV_EOF;
        e.fflags = NOTE_WRITE | NOTE_ATTRIB;
        assert_eq!(d.decode(&e).unwrap().kind, kind_bits::FILE);
    }

    #[test]
    fn timers_are_checked_against_kq_calloutmax() {
        assert!(check_timer_limit(4096, Some(DEFAULT_KQ_CALLOUTMAX)).is_ok());
        let e = check_timer_limit(65_536, Some(DEFAULT_KQ_CALLOUTMAX))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--timers 65536 exceeds kern.kq_calloutmax (4096)"),
            "{e}"
        );
        assert!(check_timer_limit(65_536, None).is_ok());
        if cfg!(target_os = "freebsd") {
            assert!(kq_calloutmax().is_some());
        } else {
            assert_eq!(kq_calloutmax(), None);
        }
    }
}
