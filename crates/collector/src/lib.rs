//! kqent's event-timing collector.
//!
//! Each sample is one wait call (`epoll_wait` on Linux, `kevent` on macOS and FreeBSD)
//! over a fixed load of timers, socket pairs and watched files, timed in nanoseconds with
//! the platform's best raw monotonic clock. A poker thread writes to the sockets and files
//! so there is something to wait for; whatever fired is drained after the timed window.
//! The mock backend replaces the OS with a seeded generator, so the pipeline can be
//! tested anywhere and reproduced exactly.
//!
//! All backends implement [`Backend`] and share one sampling loop; [`collect`] streams the
//! samples into a [`kqent_trace`] trace.
//!
//! ```
//! use std::io::Cursor;
//! use std::sync::atomic::AtomicBool;
//! use kqent_collector::{collect, BackendKind, CollectConfig};
//!
//! let cfg = CollectConfig::new(BackendKind::Mock, 100);
//! let out = collect(&cfg, Cursor::new(Vec::new()), &AtomicBool::new(false), &mut |_| {})?;
//! assert_eq!(out.metadata.backend, "mock");
//! assert!(!out.interrupted);
//! # Ok::<(), kqent_collector::CollectError>(())
//! ```

#![warn(missing_docs)]

mod backend;
mod clock;
mod clock_only;
mod collect;
mod config;
#[cfg(target_os = "linux")]
mod epoll;
mod error;
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod fdutil;
mod kevent;
mod kind;
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
mod kqueue;
mod mock;
mod openentropy;
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod poker;
mod provenance;
mod sampler;
mod tempdir;

pub use backend::{Backend, Wait};
pub use clock_only::CLOCK_BACKEND;
pub use collect::{
    bare_wait_loop, collect, collect_restarts, validate, BareRun, CollectConfig, CollectOutcome,
    SegmentSink,
};
pub use config::{timer_period_ms, MAX_SOURCES_PER_KIND, RESERVED_FDS};
pub use error::CollectError;
pub use kind::BackendKind;
pub use mock::{MOCK_CLOCK, MOCK_TICK_NS};
pub use openentropy::{
    collect_openentropy, openentropy_knobs, openentropy_sessions, DEFAULT_SESSION_N,
    OPENENTROPY_DEADLINE, OPENENTROPY_POKE_US, OPENENTROPY_PROFILE, OPENENTROPY_SOURCE_VERSION,
    SESSION_EXTRA_CALLS,
};
pub use provenance::gather as machine_provenance;
pub use tempdir::{remove_orphaned_dirs, TEMP_DIR_PREFIX};
