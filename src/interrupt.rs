//! SIGINT, SIGTERM and SIGHUP, handled alike: the first one sets a flag that long-running
//! work polls, so it can finish what it has (a valid, shorter trace; the finished sweep
//! configurations), remove its temporary files and exit with 128 + the signal's number
//! ([`exit_code`]: 130, 143, 129).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals handled.
pub const SIGNALS: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

struct State {
    flag: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

static STATE: OnceLock<State> = OnceLock::new();

/// Installs the handlers once and returns the shared flag.
pub fn flag() -> anyhow::Result<Arc<AtomicBool>> {
    if let Some(s) = STATE.get() {
        return Ok(s.flag.clone());
    }
    let flag = Arc::new(AtomicBool::new(false));
    let which = Arc::new(AtomicUsize::new(0));
    for sig in SIGNALS {
        // The number first, then the flag: whoever sees the flag finds the number.
        signal_hook::flag::register_usize(sig, which.clone(), sig as usize)
            .and_then(|_| signal_hook::flag::register(sig, flag.clone()))
            .map_err(|e| anyhow::anyhow!("cannot install the handler of signal {sig}: {e}"))?;
    }
    Ok(STATE.get_or_init(|| State { flag, which }).flag.clone())
}

/// Whether a handled signal has arrived.
pub fn interrupted() -> bool {
    STATE.get().is_some_and(|s| s.flag.load(Ordering::SeqCst))
}

/// The exit code for the signal that arrived: 128 + its number (130 when none is known).
pub fn exit_code() -> u8 {
    let sig = STATE.get().map_or(0, |s| s.which.load(Ordering::SeqCst));
    if sig == 0 || sig > 127 {
        crate::exit::INTERRUPTED
    } else {
        128 + sig as u8
    }
}
