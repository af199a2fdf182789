//! The commands as a user runs them: output, files, and errors for bad input.

use super::common::*;
use serde_json::Value;

#[test]
fn train_json_reports_the_run_and_writes_a_loadable_file() {
    let dir = temp_dir("train-json");
    let out = dir.join("r.ginn.json");
    let o = ginn_ok(&[
        "train",
        "--target",
        "disc",
        "--iterations",
        "500",
        "--resolution",
        "32",
        "--widths",
        "8,8",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    for key in [
        "iterations",
        "seconds",
        "iterations_per_second",
        "loss",
        "accuracy",
        "snapshots",
        "out",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["iterations"], 500);
    let run = ginn::run::Run::load(&out).unwrap();
    assert_eq!(run.settings.widths, vec![8, 8]);
    assert_eq!(run.snapshots.len() as u64, v["snapshots"].as_u64().unwrap());
    // Python's json module reads it too (if Python is here).
    if let Ok(p) = std::process::Command::new("python3")
        .args(["-c", "import json,sys; d=json.load(open(sys.argv[1])); print(d['format'], d['version'], len(d['snapshots']))", out.to_str().unwrap()])
        .output()
        && p.status.success() {
            assert_eq!(String::from_utf8_lossy(&p.stdout).trim(), format!("ginn-run 1 {}", run.snapshots.len()));
        }
}

#[test]
fn same_seed_gives_identical_files_other_seed_does_not() {
    let dir = temp_dir("determinism");
    let run = |seed: &str, name: &str| {
        let p = dir.join(name);
        let o = ginn(&[
            "train",
            "--iterations",
            "300",
            "--resolution",
            "24",
            "--seed",
            seed,
            "--snapshots",
            "every:100",
            "--out",
            p.to_str().unwrap(),
        ]);
        assert!(o.status.success());
        ginn::run::Run::load(&p)
            .unwrap()
            .snapshots
            .into_iter()
            .map(|s| s.params)
            .collect::<Vec<_>>()
    };
    assert_eq!(run("5", "a.json"), run("5", "b.json"));
    assert_ne!(run("5", "a.json"), run("6", "c.json"));
}

#[test]
fn several_seeds_train_in_parallel_and_are_summarised() {
    let dir = temp_dir("seeds");
    let out = dir.join("s.ginn.json");
    let o = ginn_ok(&[
        "train",
        "--seeds",
        "1-3",
        "--iterations",
        "200",
        "--resolution",
        "24",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 3);
    assert!(v["mean_accuracy"].as_f64().unwrap() > 0.0);
    for s in 1..=3 {
        assert!(dir.join(format!("s-seed{s}.ginn.json")).exists());
    }
}

#[test]
fn bad_flags_and_files_give_one_line_errors() {
    for args in [
        vec!["train", "--widths", "16,0"],
        vec!["train", "--batch", "0"],
        vec!["train", "--target", "no-such-thing"],
        vec!["train", "--snapshots", "often"],
        vec!["train", "--lr", "-1"],
        vec!["regions", "/nonexistent/run.json"],
    ] {
        let o = ginn(&args);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = stderr(&o);
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        assert!(
            err.lines().filter(|l| !l.trim().is_empty()).count() <= 3,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn corrupt_truncated_foreign_and_future_files_are_named() {
    let dir = temp_dir("corrupt");
    let good = std::fs::read(small_run()).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good[..good.len() / 2].to_vec(),
            "truncated",
        ),
        ("garbage.json", b"\x00\x01garbage".to_vec(), "JSON"),
        (
            "foreign.json",
            br#"{"format":"something-else","version":1}"#.to_vec(),
            "not a ginn run",
        ),
        (
            "future.json",
            String::from_utf8_lossy(&good)
                .replacen("\"version\":1", "\"version\":99", 1)
                .into_bytes(),
            "newer",
        ),
        ("badgz.json.gz", vec![0x1f, 0x8b, 8, 0, 1, 2, 3], "gzip"),
    ];
    for (name, bytes, expect) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = ginn(&["regions", p.to_str().unwrap()]);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn gzip_run_files_round_trip() {
    let dir = temp_dir("gz");
    let out = dir.join("r.ginn.json.gz");
    ginn_ok(&[
        "train",
        "--iterations",
        "100",
        "--resolution",
        "16",
        "--out",
        out.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    assert_eq!(ginn::run::Run::load(&out).unwrap().last().iteration, 100);
}

#[test]
fn regions_json_matches_the_core_geometry() {
    let o = ginn_ok(&["regions", small_run().to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let run = ginn::run::Run::load(small_run()).unwrap();
    let net = run.last().network(&run.architecture()).unwrap();
    let g = ginn::geometry::Geometry::new(&net, ginn::geometry::Rect::UNIT);
    assert_eq!(v["regions"].as_u64().unwrap() as usize, g.regions().len());
    assert_eq!(v["regions_per_layer"].as_array().unwrap().len(), 3);
    assert!(v["milliseconds"].as_f64().unwrap() > 0.0);
    let neurons = v["neurons"].as_array().unwrap();
    assert_eq!(neurons.len(), 48);
    let first = &neurons[0];
    assert_eq!(
        (first["layer"].as_u64(), first["index"].as_u64()),
        (Some(1), Some(1))
    );
    // Streamed neuron by neuron, it is still the whole geometry, number for number.
    for (n, b) in neurons.iter().zip(&g.boundaries) {
        let ours: Vec<Vec<[f64; 2]>> = serde_json::from_value(n["polylines"].clone()).unwrap();
        assert_eq!(ours, b.polylines);
    }
    let decision: Vec<Vec<[f64; 2]>> =
        serde_json::from_value(v["decision_boundary"].clone()).unwrap();
    assert_eq!(decision, g.decision);
}

#[test]
fn a_snapshot_over_the_region_limit_is_an_error_naming_it() {
    let run = small_run().to_str().unwrap();
    let dir = temp_dir("limit");
    let with_limit = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ginn"))
            .args(args)
            .env("GINN_MAX_REGIONS", "10")
            .output()
            .unwrap()
    };
    let fig = dir.join("f.png");
    let movie = dir.join("m.gif");
    for args in [
        vec!["regions", run],
        vec![
            "figure",
            run,
            "--at",
            "last",
            "--out",
            fig.to_str().unwrap(),
        ],
        vec![
            "render",
            run,
            "--out",
            movie.to_str().unwrap(),
            "--size",
            "64",
        ],
    ] {
        let o = with_limit(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("more than 10 linear regions") && err.contains("GINN_MAX_REGIONS"),
            "{args:?}: {err}"
        );
    }
    assert!(!fig.exists() && !movie.exists());
}

#[test]
fn diverging_training_stops_with_the_iteration_and_keeps_the_run() {
    let dir = temp_dir("diverge");
    let out = dir.join("d.ginn.json");
    let o = ginn(&[
        "train",
        "--iterations",
        "500",
        "--resolution",
        "16",
        "--lr",
        "1e38",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("diverged at iteration") && err.contains("saved"),
        "{err}"
    );
    let run = ginn::run::Run::load(&out).unwrap();
    assert!(run.stopped.is_some());
}

#[test]
fn analyze_reports_the_target_and_copycats_as_text_and_json() {
    let run = small_run();
    let o = ginn_ok(&["analyze", run.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("target: ") && out.contains("§7 copycats") && out.contains("§10 failure"),
        "{out}"
    );
    let o = ginn(&["analyze", run.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], 1);
    let loaded = ginn::run::Run::load(run).unwrap();
    assert_eq!(
        v["samples"].as_array().unwrap().len(),
        loaded.snapshots.len()
    );
    assert_eq!(v["thresholds"]["copycat_cosine"], 0.99);
    // The built-in bottle: left–right symmetric; its components cover the image.
    assert_eq!(v["target"]["mirror_axes"][0]["axis"], "vertical");
    let area: u64 = v["target"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["area"].as_u64().unwrap())
        .sum();
    assert_eq!(area, 48 * 48);
}

#[test]
fn every_command_that_analyses_takes_the_same_thresholds_and_measures() {
    let run = small_run().to_str().unwrap();
    let dir = temp_dir("set-everywhere");
    let png = dir.join("f.png");
    // A changed threshold reaches the analysis of figure's overlays as it reaches analyze's.
    let o = ginn(&["analyze", run, "--json", "--set", "copycat_cosine=0.5"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["thresholds"]["copycat_cosine"], 0.5);
    let figure = [
        "figure",
        run,
        "--out",
        png.to_str().unwrap(),
        "--overlay",
        "corners",
    ];
    for cmd in [&["analyze", run][..], &figure] {
        let mut args = cmd.to_vec();
        args.extend(["--set", "no_such_threshold=1"]);
        let o = ginn(&args);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}");
        assert!(
            stderr(&o).contains("no threshold `no_such_threshold`"),
            "{}",
            stderr(&o)
        );
    }
    ginn_ok(&[&figure[..], &["--set", "capture_snapshots=2"]].concat());
    // --only lists every measure, indecisive included, and refuses others by name.
    let o = ginn(&["analyze", run, "--only", "nonsense"]);
    assert!(!o.status.success());
    for name in ginn::analysis::Registry::builtin().names() {
        assert!(stderr(&o).contains(name), "{name}: {}", stderr(&o));
    }
    let o = ginn(&["analyze", run, "--json", "--only", "indecisive,copycats"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["computed"], serde_json::json!(["copycats", "indecisive"]));
}

/// The README's seed table: the report's full run for seeds 1–8, analysed; every run learns
/// every thick component, and every run misses the thin label outline (reported as thin,
/// not failed). Long (about a minute on 2 cores in release):
/// `cargo test --release -- --ignored seed_table`.
#[test]
#[ignore = "trains the report's full run for eight seeds; run with --ignored"]
fn seed_table_failure_verdicts_reproduce() {
    let dir = temp_dir("seed-table");
    let out = dir.join("bottle.ginn.json");
    ginn_ok(&["train", "--seeds", "1-8", "--out", out.to_str().unwrap()]);
    for seed in 1..=8 {
        let run = dir.join(format!("bottle-seed{seed}.ginn.json"));
        let o = ginn_ok(&[
            "analyze",
            run.to_str().unwrap(),
            "--json",
            "--only",
            "failure",
        ]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let verdicts: Vec<&str> = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(
            verdicts,
            ["learned", "learned", "thin", "learned", "learned"],
            "seed {seed}"
        );
    }
}
