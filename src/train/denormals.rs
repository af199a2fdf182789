//! Flush-to-zero (FTZ) and denormals-are-zero (DAZ) while training.
//!
//! Late in a run, gradients and Adam's moments shrink into the denormal range (below
//! ~1.2e-38 in f32), where x86 CPUs take a slow microcode path for every operation that
//! touches one: on one Intel Xeon this alone cut training from ~25,000 to ~16,000
//! iterations/s. With FTZ and DAZ set, such values are treated as zero. That changes no
//! number the report or the PyTorch fixture can see (they live far above 1e-38), and the
//! result is still bit-reproducible on a machine, since every step runs with the same bits.
//!
//! The bits are per thread (the MXCSR register), so they are set around every training step
//! and evaluation, on whichever thread runs it — the CLI's main thread, rayon's workers for
//! `--seeds`, the viewer's systems — and the caller's own setting is restored afterwards,
//! so nothing else on that thread (Bevy, egui) is affected. On other architectures this is
//! a no-op.

/// While alive, the current thread flushes denormals; dropping it restores what was there.
pub struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    saved: Option<u32>,
}

#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

impl FlushDenormals {
    /// Sets FTZ and DAZ on this thread when `on` (else leaves the thread as it is).
    #[inline]
    pub fn enable(on: bool) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let saved = on.then(|| {
                let old = mxcsr();
                set_mxcsr(old | FTZ_DAZ);
                old
            });
            Self { saved }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = on;
            Self {}
        }
    }
}

impl Drop for FlushDenormals {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if let Some(old) = self.saved {
            set_mxcsr(old);
        }
    }
}

/// Whether this thread flushes denormals right now.
pub fn active() -> bool {
    #[cfg(target_arch = "x86_64")]
    return mxcsr() & FTZ_DAZ == FTZ_DAZ;
    #[allow(unreachable_code)]
    false
}

/// Whether flushing exists on this machine (x86-64).
pub const SUPPORTED: bool = cfg!(target_arch = "x86_64");

#[cfg(target_arch = "x86_64")]
#[inline]
fn mxcsr() -> u32 {
    let mut v: u32 = 0;
    // SAFETY: stmxcsr stores the 32-bit MXCSR register to the given, valid address.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut v, options(nostack, preserves_flags));
    }
    v
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn set_mxcsr(v: u32) {
    // SAFETY: ldmxcsr loads MXCSR from a valid address; only the FTZ/DAZ bits change, which
    // alter how denormal floats are treated, nothing Rust's memory model depends on.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &v, options(nostack, readonly, preserves_flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denormals_flush_inside_the_guard_only() {
        let tiny = std::hint::black_box(1e-39f32); // a denormal
        let half = |x: f32| std::hint::black_box(x) * std::hint::black_box(0.5);
        assert!(half(tiny) > 0.0, "denormal arithmetic outside the guard");
        let before = active();
        {
            let _g = FlushDenormals::enable(true);
            assert_eq!(active(), SUPPORTED);
            if SUPPORTED {
                assert_eq!(half(tiny), 0.0, "flushed to zero");
            }
            let _inner = FlushDenormals::enable(false);
            assert_eq!(active(), SUPPORTED, "off leaves the thread as it is");
        }
        assert_eq!(active(), before, "restored");
        assert!(half(tiny) > 0.0);
    }
}
