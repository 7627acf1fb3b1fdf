//! Small descriptor helpers shared by the native backends.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::CollectError;

/// Takes ownership of a descriptor a syscall just returned, or turns -1 into an error
/// saying `what` failed.
pub(crate) fn owned(fd: RawFd, what: &str) -> Result<OwnedFd, CollectError> {
    if fd < 0 {
        return Err(CollectError::last_os(what.to_string()));
    }
    // SAFETY: `fd` was just returned by the kernel and belongs to nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A connected, non-blocking, close-on-exec AF_UNIX stream socket pair.
pub(crate) fn socket_pair() -> Result<(OwnedFd, OwnedFd), CollectError> {
    socket_pair_with(true)
}

/// A connected, close-on-exec AF_UNIX stream socket pair, non-blocking when asked
/// (openentropy's profile blocks). Close-on-exec is atomic (SOCK_CLOEXEC) where the OS
/// has it, Linux and FreeBSD; macOS lacks it and gets fcntl.
pub(crate) fn socket_pair_with(nonblocking: bool) -> Result<(OwnedFd, OwnedFd), CollectError> {
    #[cfg(any(target_os = "linux", target_os = "freebsd"))]
    let ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    #[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
    let ty = libc::SOCK_STREAM;
    let mut fds = [-1 as RawFd; 2];
    // SAFETY: `fds` is a writable array of two descriptors.
    let rc = unsafe { libc::socketpair(libc::AF_UNIX, ty, 0, fds.as_mut_ptr()) };
    if rc != 0 {
        return Err(CollectError::last_os("cannot create a socket pair"));
    }
    let a = owned(fds[0], "cannot create a socket pair")?;
    let b = owned(fds[1], "cannot create a socket pair")?;
    for fd in [&a, &b] {
        #[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
        set_cloexec(fd)?;
        if nonblocking {
            set_nonblock(fd)?;
        }
    }
    Ok((a, b))
}

fn set_nonblock(fd: &OwnedFd) -> Result<(), CollectError> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on an open descriptor with integer arguments.
    unsafe {
        let fl = libc::fcntl(raw, libc::F_GETFL);
        if fl < 0 || libc::fcntl(raw, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return Err(CollectError::last_os("cannot make a socket non-blocking"));
        }
    }
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
fn set_cloexec(fd: &OwnedFd) -> Result<(), CollectError> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on an open descriptor with integer arguments.
    unsafe {
        let fd_flags = libc::fcntl(raw, libc::F_GETFD);
        if fd_flags < 0 || libc::fcntl(raw, libc::F_SETFD, fd_flags | libc::FD_CLOEXEC) < 0 {
            return Err(CollectError::last_os(
                "cannot set close-on-exec on a socket",
            ));
        }
    }
    Ok(())
}

/// Reads `fd` into `buf` until it is empty. A read shorter than `buf` already emptied it
/// (a timerfd hands over all expirations in one 8-byte read, a socket or inotify instance
/// everything pending that fits), which saves the final EAGAIN round trip; anything that
/// arrives later makes the level-triggered watch fire again.
pub(crate) fn drain_fd(buf: &mut [u8], fd: &OwnedFd) -> Result<(), CollectError> {
    loop {
        // SAFETY: `buf` is writable for its full length; `fd` is open.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            if (n as usize) < buf.len() {
                return Ok(());
            }
            continue;
        }
        if n == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EAGAIN) => return Ok(()),
            Some(libc::EINTR) => continue,
            _ => return Err(CollectError::io("cannot drain an event source", err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_is_nonblocking_and_drains() {
        let (a, b) = socket_pair().unwrap();
        let mut buf = [0u8; 16];
        // Nothing to read: returns at once instead of blocking.
        drain_fd(&mut buf, &a).unwrap();
        // More than one buffer's worth: drained over several reads.
        let data = [7u8; 100];
        let n = unsafe { libc::write(b.as_raw_fd(), data.as_ptr().cast(), data.len()) };
        assert_eq!(n, 100);
        drain_fd(&mut buf, &a).unwrap();
        let n = unsafe { libc::read(a.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        assert_eq!(n, -1, "everything was drained");
        let fl = unsafe { libc::fcntl(a.as_raw_fd(), libc::F_GETFD) };
        assert_ne!(fl & libc::FD_CLOEXEC, 0);
    }

    #[test]
    fn blocking_pair_is_cloexec_and_blocks() {
        let (a, b) = socket_pair_with(false).unwrap();
        for fd in [&a, &b] {
            let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
            assert_ne!(fd_flags & libc::FD_CLOEXEC, 0);
            let fl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
            assert_eq!(fl & libc::O_NONBLOCK, 0);
        }
    }
}
