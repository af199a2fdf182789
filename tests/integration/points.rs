//! Point datasets from the command line: Playground's generators and CSV files, with a
//! test split, through train, the run file, summary and the renderers.

use super::common::{ginn, ginn_ok, stderr, stdout, temp_dir};
use ginn::run::Run;

#[test]
fn training_on_points_records_training_and_test_numbers() {
    let dir = temp_dir("points-train");
    let out = dir.join("xor.json");
    ginn_ok(&[
        "train",
        "--points",
        "xor",
        "--noise",
        "5",
        "--count",
        "300",
        "--test-fraction",
        "0.3",
        "--widths",
        "8,8",
        "--iterations",
        "3000",
        "--lr",
        "0.01",
        "--snapshots",
        "every:1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    let run = Run::load(&out).unwrap();
    let p = run.target.points().expect("a point dataset");
    assert_eq!(p.len(), 300);
    assert_eq!(p.test.iter().filter(|&&t| t).count(), 90);
    for s in &run.snapshots {
        assert!(s.test_loss.unwrap().is_finite() && s.test_accuracy.is_some());
    }
    let last = run.last();
    assert!(
        last.accuracy > 0.85,
        "xor training accuracy {}",
        last.accuracy
    );
    assert!(
        last.test_accuracy.unwrap() > 0.75,
        "xor test accuracy {:?}",
        last.test_accuracy
    );
    // The same points come back from the file, and a figure draws every one of them.
    let svg = dir.join("fig.svg");
    ginn_ok(&[
        "figure",
        out.to_str().unwrap(),
        "--at",
        "last",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let circles: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .collect();
    assert_eq!(circles.len(), 300);
    assert_eq!(
        circles
            .iter()
            .filter(|c| c.attribute("class") == Some("test"))
            .count(),
        90
    );
    let o = ginn(&["summary", out.to_str().unwrap()]);
    assert!(stdout(&o).contains("complete"), "{}", stdout(&o));
}

#[test]
fn csv_points_train_and_bad_csvs_name_the_line() {
    let dir = temp_dir("points-csv");
    let good = dir.join("d.csv");
    let mut text = String::from("x,y,label\n");
    for i in 0..60 {
        let (x, y) = (100.0 + 3.0 * i as f64, -5.0 + (i % 7) as f64);
        text += &format!("{x},{y},{}\n", u8::from(x > 190.0));
    }
    std::fs::write(&good, text).unwrap();
    let out = dir.join("csv.json");
    ginn_ok(&[
        "train",
        "--points",
        good.to_str().unwrap(),
        "--test-fraction",
        "0",
        "--widths",
        "4",
        "--iterations",
        "500",
        "--lr",
        "0.02",
        "--snapshots",
        "every:250",
        "--out",
        out.to_str().unwrap(),
    ]);
    let run = Run::load(&out).unwrap();
    let m = run.domain;
    assert!(
        m.x0 < 100.0 && m.x1 > 277.0 && m.y0 < -5.0 && m.y1 > 1.0 && m.y_up,
        "{m:?}"
    );
    assert_eq!(
        run.target.points().unwrap().xy[1],
        [103.0, -4.0],
        "own coordinates"
    );
    assert!(run.last().test_loss.is_none());

    for (name, body, want) in [
        ("missing.csv", "x,y\n1,2\n", "no `label` column"),
        ("text.csv", "1,2,0\n3,four,1\n", "line 2: y is `four`"),
        ("label.csv", "1,2,0\n3,4,7\n", "line 2: the label is `7`"),
        ("empty.csv", "x,y,label\n", "0 rows"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        let o = ginn(&[
            "train",
            "--points",
            p.to_str().unwrap(),
            "--out",
            dir.join("x.json").to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{name}");
        let e = stderr(&o);
        assert!(e.contains(name) && e.contains(want), "{name}: {e}");
        assert_eq!(e.trim().lines().count(), 1, "{name}: one line, got {e}");
    }
    let o = ginn(&[
        "train",
        "--points",
        "xor",
        "--noise",
        "70",
        "--out",
        dir.join("x.json").to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains("--noise must be 0 to 50"),
        "{}",
        stderr(&o)
    );
}
