//! Ctrl-C as a request to stop, not a kill.
//!
//! Long work (a run, a sweep, a check of many files) polls [`requested`] at a
//! safe point and stops there: it flushes what it wrote and prints a summary of
//! what ran, so nothing already found is lost. A second Ctrl-C while the first is
//! being honoured exits at once with the conventional status 130.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the handler (once per process; later calls do nothing). Without it
/// Ctrl-C kills the process as usual.
pub fn install() {
    INSTALL.call_once(|| {
        // A failure to install (no signal support) leaves the default behaviour.
        let _ = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

/// Whether the user asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks long work to stop, as Ctrl-C does (for tests and for callers that stop
/// on their own conditions).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}
