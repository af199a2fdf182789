//! Input domains: a network shown and measured in its own input coordinates (PyTorch's
//! numbers for a net trained on [−6, 6]²), point runs exported in their coordinates, and
//! the whole plane's regions.

use crate::common::{ginn, ginn_ok, stderr, stdout, temp_dir};
use ginn::domain::Domain;
use ginn::geometry::{Geometry, Rect, whole_plane_box};
use ginn::nn::Network;
use ginn::pytorch::{ImportOptions, import};
use ginn::run::Run;
use ginn::targets::TargetSource;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The CSV's rows: (x, y, label).
fn xor_rows() -> Vec<(f64, f64, u8)> {
    std::fs::read_to_string(fixture("pytorch-pt/xor_pm6.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].parse().unwrap(),
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
            )
        })
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn a_net_trained_on_its_own_coordinates_imports_with_pytorchs_accuracy_and_logits() {
    let dir = temp_dir("domain-xor");
    let out = dir.join("imp.json");
    let o = ginn_ok(&[
        "import",
        fixture("pytorch-pt/xor_pm6.safetensors").to_str().unwrap(),
        "--points",
        fixture("pytorch-pt/xor_pm6.csv").to_str().unwrap(),
        "--test-fraction",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture("pytorch-pt/xor_pm6.json")).unwrap())
            .unwrap();
    assert_eq!(reference["accuracy"].as_f64(), Some(1.0));
    assert!(
        stdout(&o).contains("last accuracy 100.00 %"),
        "{}",
        stdout(&o)
    );
    let run = Run::load(&out).unwrap();
    assert_eq!(run.last().accuracy, 1.0);
    // The domain is the points' box (with its margin), drawn y up.
    let b: Vec<f64> = reference["box"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let d = run.domain;
    assert!(
        d.x0 < b[0] && d.x1 > b[1] && d.y0 < b[2] && d.y1 > b[3] && d.y_up,
        "{d:?}"
    );
    assert!(
        d.x1 - d.x0 < 1.2 * (b[1] - b[0]),
        "a 5 % margin, not more: {d:?}"
    );

    // PyTorch's logits at every point: from the network as imported (its own
    // coordinates) and from the network the views take (the domain folded in).
    let net = run.last().network(&run.architecture()).unwrap();
    let view = run.view_network(run.last());
    let logits = reference["logits"].as_array().unwrap();
    let rows = xor_rows();
    assert_eq!(rows.len(), logits.len());
    for ((x, y, _), want) in rows.iter().zip(logits) {
        let want = [want[0].as_f64().unwrap(), want[1].as_f64().unwrap()];
        let own = net.logits(*x, *y);
        let [u, v] = d.to_view(*x, *y);
        let shown = view.logits(u, v);
        for k in 0..2 {
            assert!(
                close(own[k], want[k], 1e-5),
                "({x}, {y}): {own:?} vs {want:?}"
            );
            assert!(
                close(shown[k], want[k], 1e-5),
                "({x}, {y}) shown: {shown:?} vs {want:?}"
            );
        }
    }

    // Without points or a domain: the unit square, and one line saying how to change it.
    let o = ginn_ok(&[
        "import",
        fixture("pytorch-pt/xor_pm6.safetensors").to_str().unwrap(),
        "--out",
        dir.join("bare.json").to_str().unwrap(),
    ]);
    let err = stderr(&o);
    let note: Vec<&str> = err.lines().filter(|l| l.contains("unit square")).collect();
    assert_eq!(note.len(), 1, "{}", stderr(&o));
    assert!(note[0].contains("--domain"), "{}", note[0]);
    assert!(Run::load(&dir.join("bare.json")).unwrap().domain.is_unit());
    // A domain given is kept, exactly.
    let o = ginn_ok(&[
        "import",
        fixture("pytorch-pt/xor_pm6.safetensors").to_str().unwrap(),
        "--domain",
        "-6,6,-6.5,6.25",
        "--out",
        dir.join("six.json").to_str().unwrap(),
    ]);
    let six = Run::load(&dir.join("six.json")).unwrap().domain;
    assert_eq!(
        (six.x0, six.x1, six.y0, six.y1, six.y_up),
        (-6.0, 6.0, -6.5, 6.25, true)
    );
    assert!(!stderr(&o).contains("unit square"), "{}", stderr(&o));
    for bad in ["6,-6,0,1", "1,2,3", "0,1e300,0,1", "all"] {
        let o = ginn(&[
            "import",
            fixture("pytorch-pt/xor_pm6.safetensors").to_str().unwrap(),
            "--domain",
            bad,
            "--out",
            dir.join("bad.json").to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{bad}");
        assert!(stderr(&o).contains("--domain"), "{bad}: {}", stderr(&o));
    }
}

/// A plain matrix product of an exported `nn.Sequential` state dict, as PyTorch computes it.
fn torch_forward(file: &[u8], x: f64, y: f64) -> Vec<f64> {
    let st = safetensors::SafeTensors::deserialize(file).unwrap();
    let mut names: Vec<usize> = st
        .names()
        .iter()
        .filter_map(|n| n.strip_suffix(".weight")?.parse().ok())
        .collect();
    names.sort_unstable();
    let f32s = |name: String| -> Vec<f64> {
        st.tensor(&name)
            .unwrap()
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
            .collect()
    };
    let mut act = vec![x, y];
    for (k, i) in names.iter().enumerate() {
        let (w, b) = (f32s(format!("{i}.weight")), f32s(format!("{i}.bias")));
        let mut next: Vec<f64> = b
            .iter()
            .enumerate()
            .map(|(j, bj)| {
                bj + (0..act.len())
                    .map(|c| w[j * act.len() + c] * act[c])
                    .sum::<f64>()
            })
            .collect();
        if k + 1 < names.len() {
            next.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        act = next;
    }
    act
}

#[test]
fn a_point_run_exported_classifies_the_csvs_rows_as_ginn_says() {
    let dir = temp_dir("domain-export");
    let run_path = dir.join("xor.json");
    ginn_ok(&[
        "train",
        "--points",
        fixture("pytorch-pt/xor_pm6.csv").to_str().unwrap(),
        "--test-fraction",
        "0",
        "--widths",
        "8,8",
        "--iterations",
        "600",
        "--lr",
        "0.01",
        "--out",
        run_path.to_str().unwrap(),
    ]);
    let st = dir.join("xor.safetensors");
    ginn_ok(&[
        "export",
        run_path.to_str().unwrap(),
        "--out",
        st.to_str().unwrap(),
    ]);
    let run = Run::load(&run_path).unwrap();
    let bytes = std::fs::read(&st).unwrap();
    let view = run.view_network(run.last());
    let rows = xor_rows();
    let mut right = 0;
    for (x, y, label) in &rows {
        let torch = torch_forward(&bytes, *x, *y);
        let [u, v] = run.domain.to_view(*x, *y);
        let shown = view.logits(u, v);
        for k in 0..2 {
            assert!(
                close(torch[k], shown[k], 1e-5),
                "({x}, {y}): {torch:?} vs {shown:?}"
            );
        }
        right += usize::from(u8::from(torch[1] > torch[0]) == *label);
    }
    let accuracy = right as f64 / rows.len() as f64;
    assert!(
        (accuracy - run.last().accuracy).abs() < 1e-9,
        "PyTorch's {accuracy} vs ginn's {}",
        run.last().accuracy
    );
    assert!(
        accuracy > 0.9,
        "it learned XOR in its own coordinates: {accuracy}"
    );
}

fn imported(name: &str, domain: Option<Domain>) -> Run {
    import(
        &[fixture(name)],
        &ImportOptions {
            layers: None,
            activation: None,
            target: TargetSource::None,
            resolution: 32,
            domain,
        },
    )
    .unwrap()
    .run
}

#[test]
fn geometry_on_a_domain_matches_the_network_sampled_in_its_own_coordinates() {
    let run = imported("pytorch-pt/xor_pm6.safetensors", Some(Domain::PLAYGROUND));
    let raw = run.last().network(&run.architecture()).unwrap();
    let view = run.view_network(run.last());
    let geom = Geometry::complete(&view, Rect::UNIT).unwrap();
    assert!(geom.regions().len() > 10);
    // Every region's inside has the region's pattern when the network itself is asked, at
    // the input point it stands for; and a dense grid finds no pattern the partition lacks.
    let patterns: HashSet<Vec<u64>> = geom
        .regions()
        .iter()
        .map(|r| geom.pattern(r).to_vec())
        .collect();
    for r in geom.regions() {
        let c = ginn::geometry::corner_mean(&geom.polygon(r));
        let [x, y] = run.domain.to_input(c[0], c[1]);
        assert_eq!(
            geom.pattern_at(&raw, [x, y]),
            geom.pattern(r),
            "region at {c:?}"
        );
    }
    let side = 400;
    for i in 0..side * side {
        let [u, v] = Rect::UNIT.pixel_centre(i, side, side);
        let [x, y] = run.domain.to_input(u, v);
        assert!(
            patterns.contains(&geom.pattern_at(&raw, [x, y])),
            "({x}, {y})"
        );
    }
}

/// Distinct activation patterns on a grid over `b` scaled `zoom` times about its centre.
fn sampled(
    net: &Network,
    geom: &Geometry,
    b: [f64; 4],
    zoom: f64,
    side: usize,
) -> HashSet<Vec<u64>> {
    let c = [(b[0] + b[1]) / 2.0, (b[2] + b[3]) / 2.0];
    let h = [zoom * (b[1] - b[0]) / 2.0, zoom * (b[3] - b[2]) / 2.0];
    let mut seen = HashSet::new();
    for i in 0..side {
        for j in 0..side {
            let x = c[0] - h[0] + 2.0 * h[0] * (i as f64 + 0.5) / side as f64;
            let y = c[1] - h[1] + 2.0 * h[1] * (j as f64 + 0.5) / side as f64;
            seen.insert(geom.pattern_at(net, [x, y]));
        }
    }
    seen
}

#[test]
fn the_whole_plane_box_holds_every_region_that_sampling_a_larger_box_finds() {
    for name in [
        "pytorch-models/sequential_relu_16x3.safetensors",
        "pytorch-models/sequential_leaky_12x2.safetensors",
        "pytorch-pt/xor_pm6.safetensors",
    ] {
        let run = imported(name, None);
        let net = run.last().network(&run.architecture()).unwrap();
        let b = whole_plane_box(&net, ginn::domain::MAX_SPAN).unwrap();
        let geom = Geometry::complete(&net, Rect::new(b[0], b[2], b[1], b[3]).unwrap()).unwrap();
        let counted: HashSet<Vec<u64>> = geom
            .regions()
            .iter()
            .map(|r| geom.pattern(r).to_vec())
            .collect();
        assert_eq!(
            counted.len(),
            geom.regions().len(),
            "{name}: one region per pattern"
        );
        // Sampling a box 8 times as wide never finds a region the count lacks…
        let side = 1500;
        let far = sampled(&net, &geom, b, 8.0, side);
        let extra: Vec<_> = far.difference(&counted).collect();
        assert!(
            extra.is_empty(),
            "{name}: {} regions beyond the box",
            extra.len()
        );
        // …and sampling the box itself finds every region much larger than a grid cell.
        let near = sampled(&net, &geom, b, 1.0, side);
        let cell = (b[1] - b[0]) * (b[3] - b[2]) / (side * side) as f64;
        for r in geom.regions() {
            if geom.area(r) > 200.0 * cell {
                assert!(
                    near.contains(geom.pattern(r)),
                    "{name}: a region of area {} missed",
                    geom.area(r)
                );
            }
        }
        // The command counts the same.
        let dir = temp_dir("domain-all");
        let path = dir.join("run.json");
        run.save(&path).unwrap();
        let o = ginn_ok(&[
            "regions",
            path.to_str().unwrap(),
            "--domain",
            "all",
            "--json",
        ]);
        let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(
            v["regions"].as_u64(),
            Some(geom.regions().len() as u64),
            "{name}"
        );
        assert!(
            geom.regions().len()
                > Geometry::complete(&run.view_network(run.last()), Rect::UNIT)
                    .unwrap()
                    .regions()
                    .len(),
            "{name}: the whole plane has more regions than the unit square"
        );
    }
}
