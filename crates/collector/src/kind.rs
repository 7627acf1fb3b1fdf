//! Which event-notification backend to time (`--backend`).

use std::fmt;
use std::str::FromStr;

use crate::CollectError;

/// The event-notification mechanism whose wait calls are timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BackendKind {
    /// kqueue on macOS and FreeBSD, epoll on Linux.
    #[default]
    Auto,
    /// Linux epoll with timerfds, socket pairs and inotify.
    Epoll,
    /// kqueue (macOS, FreeBSD) with EVFILT_TIMER, EVFILT_VNODE, EVFILT_READ and EVFILT_WRITE.
    Kqueue,
    /// Deterministic synthetic durations from the seed; runs anywhere, never sleeps.
    Mock,
    /// The clock-only control: two raw-clock reads back to back, no wait call.
    Clock,
}

impl BackendKind {
    /// Every name accepted by [`FromStr`], in the order shown to users.
    pub const NAMES: [&'static str; 5] = ["auto", "epoll", "kqueue", "mock", "clock"];

    /// Resolves `Auto` to this platform's native backend and checks that the backend exists
    /// here.
    ///
    /// ```
    /// use kqent_collector::BackendKind;
    /// assert_eq!(BackendKind::Mock.resolve().unwrap(), BackendKind::Mock);
    /// assert_ne!(BackendKind::Auto.resolve().unwrap(), BackendKind::Auto);
    /// ```
    pub fn resolve(self) -> Result<BackendKind, CollectError> {
        let native = native();
        let resolved = match self {
            BackendKind::Auto => native.ok_or_else(|| unavailable("auto"))?,
            BackendKind::Mock => BackendKind::Mock,
            // The raw clock exists wherever a native backend does.
            BackendKind::Clock if native.is_some() => BackendKind::Clock,
            other if Some(other) == native => other,
            other => return Err(unavailable(&other.to_string())),
        };
        Ok(resolved)
    }
}

/// This platform's native backend, if it has one.
fn native() -> Option<BackendKind> {
    if cfg!(target_os = "linux") {
        Some(BackendKind::Epoll)
    } else if cfg!(any(target_os = "macos", target_os = "freebsd")) {
        Some(BackendKind::Kqueue)
    } else {
        None
    }
}

fn unavailable(backend: &str) -> CollectError {
    let mut available = Vec::new();
    if let Some(n) = native() {
        available.push(n.to_string());
    }
    available.push(BackendKind::Mock.to_string());
    CollectError::BackendUnavailable {
        backend: backend.to_string(),
        os: std::env::consts::OS,
        available: available.join(", "),
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Auto => "auto",
            BackendKind::Epoll => "epoll",
            BackendKind::Kqueue => "kqueue",
            BackendKind::Mock => "mock",
            BackendKind::Clock => "clock",
        })
    }
}

impl FromStr for BackendKind {
    type Err = CollectError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(BackendKind::Auto),
            "epoll" => Ok(BackendKind::Epoll),
            "kqueue" => Ok(BackendKind::Kqueue),
            "mock" => Ok(BackendKind::Mock),
            "clock" => Ok(BackendKind::Clock),
            _ => Err(CollectError::InvalidConfig(format!(
                "unknown backend {s:?} (expected one of: {})",
                BackendKind::NAMES.join(", ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in BackendKind::NAMES {
            let kind: BackendKind = name.parse().unwrap();
            assert_eq!(kind.to_string(), name);
        }
        let err = "kqeue".parse::<BackendKind>().unwrap_err().to_string();
        assert!(err.contains("unknown backend \"kqeue\""), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_resolution() {
        assert_eq!(BackendKind::Auto.resolve().unwrap(), BackendKind::Epoll);
        assert_eq!(BackendKind::Epoll.resolve().unwrap(), BackendKind::Epoll);
        let err = BackendKind::Kqueue.resolve().unwrap_err().to_string();
        assert_eq!(
            err,
            "the kqueue backend is not available on linux (available here: epoll, mock)"
        );
    }

    #[cfg(any(target_os = "macos", target_os = "freebsd"))]
    #[test]
    fn bsd_resolution() {
        assert_eq!(BackendKind::Auto.resolve().unwrap(), BackendKind::Kqueue);
        assert!(BackendKind::Epoll.resolve().is_err());
    }
}
