//! SIGINT handling: the first Ctrl-C sets a flag that long-running work polls, so it can
//! finish what it has (a valid, shorter trace; the finished sweep configurations) and exit
//! with [`crate::exit::INTERRUPTED`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the SIGINT handler once and returns the shared flag.
pub fn flag() -> anyhow::Result<Arc<AtomicBool>> {
    if let Some(f) = FLAG.get() {
        return Ok(f.clone());
    }
    let f = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, f.clone())
        .map_err(|e| anyhow::anyhow!("cannot install the SIGINT handler: {e}"))?;
    Ok(FLAG.get_or_init(|| f).clone())
}

/// Whether SIGINT has arrived.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}
