//! Helpers: run the real `ginn` binary, make small runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn ginn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ginn"))
        .args(args)
        .output()
        .expect("ginn runs")
}

/// Runs `ginn` and asserts that it succeeded (its stderr in the failure message).
pub fn ginn_ok(args: &[&str]) -> Output {
    let o = ginn(args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ginn-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small trained run shared by the tests that only read it.
pub fn small_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = temp_dir("shared");
        let out = dir.join("small.ginn.json");
        ginn_ok(&[
            "train",
            "--iterations",
            "3000",
            "--resolution",
            "48",
            "--lr",
            "0.01",
            "--snapshots",
            "every:500",
            "--out",
            out.to_str().unwrap(),
        ]);
        out
    })
}
