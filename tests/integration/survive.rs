//! Runs that survive: signals sent to a real `ginn train`, resuming, and output paths
//! checked before any training.

use super::common::*;
use ginn::run::Run;
use ginn::train::StopReason;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `ginn train ARGS` with SIGINT and SIGTERM at their default dispositions (as a shell
/// starts a foreground job), returned once training has begun.
fn start_training(args: &[&str]) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ginn"));
    cmd.arg("train")
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("ginn starts");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.contains("Ctrl-C stops and saves"), "{first}");
    // Let it train a little, past the first planned snapshots.
    std::thread::sleep(Duration::from_millis(400));
    child.stderr = Some(err.into_inner());
    (child, first)
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

fn finish(mut child: Child) -> (i32, String) {
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().expect("exited, not killed"), err)
}

const LONG: &[&str] = &[
    "--resolution",
    "32",
    "--widths",
    "8,8",
    "--iterations",
    "20000000",
    "--snapshots",
    "every:5000",
];

#[test]
fn sigint_and_sigterm_stop_training_and_leave_a_resumable_run() {
    let dir = temp_dir("signals");
    for (sig, code, name) in [
        (libc::SIGINT, 130, "SIGINT"),
        (libc::SIGTERM, 143, "SIGTERM"),
    ] {
        let out = dir.join(format!("{name}.ginn.json"));
        let mut args = LONG.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        let (child, _) = start_training(&args);
        signal(&child, sig);
        let (status, err) = finish(child);
        assert_eq!(status, code, "{name}: {err}");
        assert!(err.contains("interrupted") && err.contains(name), "{err}");
        assert!(err.contains("--resume"), "says how to continue: {err}");
        let run = Run::load(&out).unwrap();
        let stopped = run.stopped.as_ref().expect("says it stopped");
        assert_eq!(stopped.reason, StopReason::Interrupted);
        assert_eq!(stopped.what, "interrupted");
        let last = run.last();
        assert_eq!(stopped.iteration, last.iteration);
        assert!(
            last.iteration > 0 && last.iteration < 20_000_000,
            "{}",
            last.iteration
        );
        assert!(last.adam.is_some() && last.rng_word_pos.is_some());
        assert!(run.resumable());
    }
}

#[test]
fn every_seed_is_saved_when_interrupted() {
    let dir = temp_dir("signal-seeds");
    let out = dir.join("s.ginn.json");
    let mut args = LONG.to_vec();
    args.extend(["--seeds", "3-4", "--out", out.to_str().unwrap()]);
    let (child, first) = start_training(&args);
    assert!(first.contains("2 seeds"), "{first}");
    signal(&child, libc::SIGINT);
    let (status, err) = finish(child);
    assert_eq!(status, 130, "{err}");
    for seed in [3, 4] {
        let run = Run::load(&dir.join(format!("s-seed{seed}.ginn.json"))).unwrap();
        assert_eq!(run.settings.seed, seed);
        assert!(run.last().iteration > 0);
        assert_eq!(run.stopped.unwrap().reason, StopReason::Interrupted);
    }
}

#[test]
fn an_interrupted_run_resumed_equals_one_never_stopped() {
    let dir = temp_dir("resume");
    let settings = [
        "--resolution",
        "32",
        "--widths",
        "8,8",
        "--iterations",
        "60000",
        "--lr",
        "3e-3",
        "--seed",
        "5",
    ];
    let whole = dir.join("whole.ginn.json");
    let mut args = settings.to_vec();
    args.extend(["--out", whole.to_str().unwrap()]);
    ginn_ok(&[&["train"], &args[..]].concat());

    let part = dir.join("part.ginn.json");
    let mut args = settings.to_vec();
    args.extend(["--out", part.to_str().unwrap()]);
    let (child, _) = start_training(&args);
    signal(&child, libc::SIGTERM);
    let (status, err) = finish(child);
    if status == 0 {
        eprintln!("the run finished before the signal; this machine is fast: {err}");
        return;
    }
    assert_eq!(status, 143, "{err}");
    let stopped_at = Run::load(&part).unwrap().last().iteration;
    assert!(stopped_at < 60_000);

    // Changed settings are refused, with the way out named.
    let o = ginn(&["train", "--resume", part.to_str().unwrap(), "--lr", "0.01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--lr differs") && stderr(&o).contains("branch"),
        "{}",
        stderr(&o)
    );
    // The same value is not a change.
    ginn_ok(&[
        "train",
        "--resume",
        part.to_str().unwrap(),
        "--lr",
        "3e-3",
        "--seed",
        "5",
    ]);

    let (a, b) = (Run::load(&whole).unwrap(), Run::load(&part).unwrap());
    assert!(b.stopped.is_none());
    assert_eq!(a.snapshots.len(), b.snapshots.len());
    for (x, y) in a.snapshots.iter().zip(&b.snapshots) {
        assert_eq!(
            x, y,
            "snapshot at iteration {} (stopped at {stopped_at})",
            x.iteration
        );
    }
    assert!(b.seconds > 0.0);
    // Resuming a complete run does nothing and says so.
    let before = std::fs::read(&part).unwrap();
    let o = ginn(&["train", "--resume", part.to_str().unwrap()]);
    assert!(
        o.status.success() && stderr(&o).contains("already complete"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&part).unwrap(), before);
}

#[test]
fn a_resumed_run_can_be_written_elsewhere() {
    let dir = temp_dir("resume-out");
    let part = dir.join("part.ginn.json");
    let mut args = LONG.to_vec();
    args.extend(["--out", part.to_str().unwrap()]);
    let (child, _) = start_training(&args);
    signal(&child, libc::SIGINT);
    assert_eq!(finish(child).0, 130);
    let before = std::fs::read(&part).unwrap();
    // Interrupt the resumed run too: the original stays as it was, the new file goes on.
    let other = dir.join("more/other.ginn.json");
    let (child, _) = {
        let mut cmd_args = vec!["--resume", part.to_str().unwrap(), "--out"];
        cmd_args.push(other.to_str().unwrap());
        start_training(&cmd_args)
    };
    signal(&child, libc::SIGINT);
    assert_eq!(finish(child).0, 130);
    assert_eq!(std::fs::read(&part).unwrap(), before);
    let (a, b) = (Run::load(&part).unwrap(), Run::load(&other).unwrap());
    assert!(b.last().iteration > a.last().iteration);
    // Everything the first part planned is kept as it was.
    let planned = a.snapshots.len() - 1;
    for (x, y) in a.snapshots[..planned].iter().zip(&b.snapshots) {
        assert_eq!(x.params, y.params);
    }
}

#[test]
fn output_paths_are_checked_before_training() {
    let dir = temp_dir("paths");
    // A missing folder is created.
    let deep = dir.join("new/folder/r.ginn.json");
    ginn_ok(&[
        "train",
        "--resolution",
        "16",
        "--iterations",
        "50",
        "--out",
        deep.to_str().unwrap(),
    ]);
    assert!(Run::load(&deep).is_ok());
    // A path under a file cannot be written (even by root): refused at once, untrained.
    std::fs::write(dir.join("file"), b"x").unwrap();
    let bad = dir.join("file/r.ginn.json");
    let t = Instant::now();
    let o = ginn(&["train", "--out", bad.to_str().unwrap()]);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("file/r.ginn.json") && !err.contains("training seed"),
        "{err}"
    );
    // A folder is not a file name.
    let o = ginn(&["train", "--out", dir.to_str().unwrap()]);
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
}
