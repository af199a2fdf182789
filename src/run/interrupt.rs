//! Ctrl-C and SIGTERM (a cluster's time limit): the first asks training to stop at the next
//! iteration and save what it has; a second ends the process at once, the conventional
//! way (exit status 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM).

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The process-wide stop request, raised by the signal handlers.
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

/// Installs the handlers once and returns the stop request they raise.
pub fn install() -> std::io::Result<&'static Interrupt> {
    static INSTALLED: OnceLock<Interrupt> = OnceLock::new();
    if let Some(i) = INSTALLED.get() {
        return Ok(i);
    }
    let flag = Arc::new(AtomicBool::new(false));
    let signal = Arc::new(AtomicUsize::new(0));
    for sig in [SIGINT, SIGTERM] {
        // Registered first, so it runs before the flag is raised: it sees the flag already
        // raised only on the second signal, and then exits at once.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&flag))?;
        signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize)?;
        signal_hook::flag::register(sig, Arc::clone(&flag))?;
    }
    Ok(INSTALLED.get_or_init(|| Interrupt { flag, signal }))
}

impl Interrupt {
    /// Raised once a stop was asked for; training loops poll it.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// `SIGINT` or `SIGTERM`, once one arrived.
    pub fn signal_name(&self) -> &'static str {
        match self.signal.load(Ordering::Relaxed) as i32 {
            SIGTERM => "SIGTERM",
            _ => "SIGINT",
        }
    }

    /// The exit status that says "interrupted": 128 + the signal's number.
    pub fn exit_code(&self) -> i32 {
        match self.signal.load(Ordering::Relaxed) as i32 {
            0 => 128 + SIGINT,
            s => 128 + s,
        }
    }
}
