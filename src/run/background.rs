//! Work nobody waits on at this moment — a snapshot's evaluation, the viewer's partitions,
//! analyses and layer-space sheets off the frame — runs on threads of lower scheduling
//! priority: on a small machine it gets the time the window (with a software renderer's
//! threads) and the training loop leave, instead of taking theirs. On two cores the window
//! of a 4×256 net in training drew 6–7 frames/s with this work at normal priority, 10–11
//! with it lowered (Mesa's llvmpipe, 1280×800).

use std::thread::JoinHandle;

/// How far below the frame a thread runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Nice 19: a small share (about 1/70 of a normal thread's) when the processor is
    /// contended, all of it when idle. For what the view shows next: the partition.
    Low,
    /// Linux's `SCHED_IDLE`: only when nothing else wants the processor. For what may lag
    /// freely: a snapshot's accuracy over the whole target.
    Idle,
}

/// Lowers the calling thread's priority. Linux only (its priorities are per thread);
/// elsewhere nothing changes. A failure (a sandbox that forbids it) leaves the priority as
/// it was, which is harmless.
pub fn lower_priority(priority: Priority) {
    #[cfg(target_os = "linux")]
    // SAFETY: both calls take plain values or a pointer to a local that outlives them;
    // `0` names the calling thread.
    unsafe {
        match priority {
            Priority::Low => {
                libc::setpriority(libc::PRIO_PROCESS, 0, 19);
            }
            Priority::Idle => {
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = priority;
}

/// A computation on its own thread at a lower priority, whose result the frame picks up
/// when it is ready (a thread per job: jobs are seconds long and one at a time).
pub struct Job<T> {
    handle: JoinHandle<T>,
}

impl<T: Send + 'static> Job<T> {
    pub fn spawn(
        name: &str,
        priority: Priority,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Self {
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                lower_priority(priority);
                work()
            })
            .expect("the system refused a thread");
        Job { handle }
    }
}

impl<T> Job<T> {
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// The result, waiting for it if the work is not done. A panic in the work is raised
    /// here, in the caller, as it would have been had the work run there.
    pub fn join(self) -> T {
        match self.handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's nice value and scheduling policy.
    #[cfg(target_os = "linux")]
    fn priority() -> (i32, i32) {
        // SAFETY: plain values.
        unsafe {
            (
                libc::getpriority(libc::PRIO_PROCESS, 0),
                libc::sched_getscheduler(0),
            )
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn jobs_run_below_the_caller_which_keeps_its_priority() {
        let before = priority();
        let low = Job::spawn("low", Priority::Low, priority);
        let idle = Job::spawn("idle", Priority::Idle, priority);
        assert_eq!(low.join().0, 19);
        assert_eq!(idle.join().1, libc::SCHED_IDLE);
        assert_eq!(priority(), before, "the caller's thread is untouched");
    }

    #[test]
    fn a_panic_in_a_job_reaches_whoever_takes_it() {
        let job = Job::spawn("boom", Priority::Low, || -> u32 { panic!("boom") });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.join()));
        assert!(caught.is_err());
    }
}
