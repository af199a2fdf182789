//! The `ginn` command.

mod cli;

fn main() {
    // Piping into `head` should end ginn quietly, as it does any Unix tool.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = cli::main() {
        eprintln!("error: {e:#}");
        // An interrupted run says so in its exit status too (130 for SIGINT, 143 for SIGTERM).
        let code = e.downcast_ref::<cli::Interrupted>().map_or(1, |i| i.code);
        std::process::exit(code);
    }
}
