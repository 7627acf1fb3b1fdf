//! Collection settings, their validation, and the descriptor budget they imply.

use crate::{BackendKind, CollectError};

/// Most sources of one kind a configuration may ask for, whatever RLIMIT_NOFILE allows.
pub const MAX_SOURCES_PER_KIND: usize = 65_536;

/// Descriptors kept free for stdio, the trace file and the process's own needs.
pub const RESERVED_FDS: u64 = 16;

/// Timer `i` fires every `1 + (i mod 10)` milliseconds.
pub fn timer_period_ms(i: usize) -> u64 {
    1 + (i % 10) as u64
}

/// The event sources of one collection, in the units the backends use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sources {
    pub timers: usize,
    pub sockets: usize,
    pub watchers: usize,
    pub timeout_ms: i32,
    pub poke_us: u64,
    pub level_write: bool,
}

/// Descriptors a backend needs for `src` (reserve not included) and how they add up.
pub(crate) fn fd_budget(kind: BackendKind, src: &Sources) -> (u64, String) {
    let (t, s, w) = (src.timers as u64, src.sockets as u64, src.watchers as u64);
    match kind {
        BackendKind::Mock => (0, "mock backend: none".into()),
        BackendKind::Clock => (0, "clock control: none".into()),
        // kqueue timers are kernel timers without a descriptor; a watched file is one fd.
        BackendKind::Kqueue => (
            2 * s + w + 1,
            format!(
                "{s} socket pairs x 2 + {w} file watchers x 1 + 1 kqueue + {RESERVED_FDS} reserved"
            ),
        ),
        _ => (
            t + 2 * s + 2 * w + 1,
            format!(
                "{t} timers x 1 + {s} socket pairs x 2 + {w} file watchers x 2 (file + inotify) + 1 epoll + {RESERVED_FDS} reserved"
            ),
        ),
    }
}

/// Checks `src` for the resolved backend `kind`: the descriptor budget against the soft RLIMIT_NOFILE, then ranges, then (Linux) the inotify instance limit.
pub(crate) fn validate_sources(kind: BackendKind, src: &Sources) -> Result<(), CollectError> {
    // The descriptor budget first: it is the limit users most often hit, and its
    // message says how the number adds up.
    if !matches!(kind, BackendKind::Mock | BackendKind::Clock) {
        let (needed, detail) = fd_budget(kind, src);
        let needed = needed + RESERVED_FDS;
        if let Some(limit) = nofile_limit() {
            if needed > limit {
                return Err(CollectError::TooManyDescriptors {
                    needed,
                    limit,
                    detail,
                });
            }
        }
    }
    for (name, flag, n) in [
        ("timers", "--timers", src.timers),
        ("socket pairs", "--sockets", src.sockets),
        ("file watchers", "--watchers", src.watchers),
    ] {
        if n > MAX_SOURCES_PER_KIND {
            return Err(CollectError::InvalidConfig(format!(
                "{flag} {n} is too large: at most {MAX_SOURCES_PER_KIND} {name}"
            )));
        }
    }
    if kind == BackendKind::Kqueue {
        crate::kevent::check_timer_limit(src.timers, crate::kevent::kq_calloutmax())?;
    }
    if src.timeout_ms < 0 {
        return Err(CollectError::InvalidConfig(format!(
            "--timeout-ms {} is negative: a wait without timeout could block forever",
            src.timeout_ms
        )));
    }
    #[cfg(target_os = "linux")]
    if kind == BackendKind::Epoll {
        if let Some(max) = read_u64("/proc/sys/fs/inotify/max_user_instances") {
            if src.watchers as u64 > max {
                return Err(CollectError::InvalidConfig(format!(
                "--watchers {} needs {} inotify instances but fs.inotify.max_user_instances is {max}",
                    src.watchers, src.watchers
                )));
            }
        }
    }
    Ok(())
}

/// The soft RLIMIT_NOFILE, or `None` when unlimited or unknown.
fn nofile_limit() -> Option<u64> {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid, writable rlimit.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) };
    if rc != 0 || rl.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every target
    Some(rl.rlim_cur as u64)
}

#[cfg(target_os = "linux")]
fn read_u64(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Sources {
        Sources {
            timers: 8,
            sockets: 4,
            watchers: 4,
            timeout_ms: 1,
            poke_us: 500,
            level_write: false,
        }
    }

    #[test]
    fn budget_adds_up() {
        let (n, detail) = fd_budget(BackendKind::Epoll, &defaults());
        assert_eq!(n, 8 + 8 + 8 + 1);
        assert!(
            detail.starts_with("8 timers x 1 + 4 socket pairs x 2"),
            "{detail}"
        );
        let (n, _) = fd_budget(BackendKind::Kqueue, &defaults());
        assert_eq!(n, 8 + 4 + 1);
        assert_eq!(fd_budget(BackendKind::Mock, &defaults()).0, 0);
        assert_eq!(timer_period_ms(0), 1);
        assert_eq!(timer_period_ms(9), 10);
        assert_eq!(timer_period_ms(10), 1);
    }

    #[test]
    fn rejects_out_of_range() {
        let huge = Sources {
            timers: 100_000,
            ..defaults()
        };
        let err = validate_sources(BackendKind::Mock, &huge).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--timers 100000 is too large: at most 65536 timers"
        );
        let neg = Sources {
            timeout_ms: -1,
            ..defaults()
        };
        assert!(validate_sources(BackendKind::Mock, &neg).is_err());
        assert!(validate_sources(BackendKind::Mock, &defaults()).is_ok());
    }

    #[test]
    fn rlimit_names_the_numbers() {
        let limit = nofile_limit().unwrap_or(u64::MAX);
        if limit > MAX_SOURCES_PER_KIND as u64 {
            return; // cannot exceed it within the per-kind cap on this machine
        }
        let many = Sources {
            timers: MAX_SOURCES_PER_KIND,
            ..defaults()
        };
        let err = validate_sources(BackendKind::Epoll, &many)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("RLIMIT_NOFILE allows {limit}")),
            "{err}"
        );
        assert!(err.contains("65536 timers x 1"), "{err}");
    }
}
