//! Networks PyTorch made and saved with safetensors (`tests/fixtures/pytorch-models/`,
//! made by its `make.py`): imported, they give PyTorch's own logits, their exact geometry
//! agrees with dense sampling, and an export loads back to the same parameters. The same
//! weights saved with `torch.save` in PyTorch's own forms (`tests/fixtures/pytorch-pt/`)
//! import to the same network.

use super::common::{ginn, ginn_ok, stderr, stdout, temp_dir};
use ginn::geometry::{Geometry, Rect};
use ginn::nn::{Activation, Network};
use ginn::pytorch::{ImportOptions, export, import};
use ginn::targets::TargetSource;
use serde_json::Value;
use std::path::PathBuf;

const MODELS: [&str; 4] = [
    "sequential_relu_16x3",
    "sequential_relu_5_7",
    "named_relu_one_logit",
    "sequential_leaky_12x2",
];

fn model(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytorch-models")
        .join(format!("{name}.safetensors"))
}

fn reference(name: &str) -> Value {
    let p = model(name).with_extension("json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn options(activation: Option<Activation>) -> ImportOptions {
    ImportOptions {
        layers: None,
        activation,
        target: TargetSource::None,
        resolution: 64,
        domain: None,
    }
}

/// The network the fixture's JSON describes, as ginn imports it.
fn imported(name: &str) -> (Network, Value) {
    let r = reference(name);
    let activation = r["activation"].as_str().unwrap().parse().unwrap();
    let run = import(&[model(name)], &options(Some(activation)))
        .unwrap()
        .run;
    let net = run.last().network(&run.architecture()).unwrap();
    (net, r)
}

#[test]
fn imported_models_give_pytorchs_logits() {
    for name in MODELS {
        let (net, r) = imported(name);
        assert_eq!(
            net.arch.outputs() as u64,
            r["outputs"].as_u64().unwrap(),
            "{name}"
        );
        let shapes = r["shapes"].as_object().unwrap();
        assert_eq!(
            net.params.len(),
            shapes
                .values()
                .map(|s| s
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap())
                    .product::<u64>())
                .sum::<u64>() as usize
        );
        let points = r["points"].as_array().unwrap();
        let logits = r["logits"].as_array().unwrap();
        assert_eq!(points.len(), 68);
        for (p, want) in points.iter().zip(logits) {
            let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            let ours = net.outputs(x, y);
            let want: Vec<f64> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert_eq!(ours.len(), want.len(), "{name}");
            for (a, b) in ours.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{name} at ({x}, {y}): ginn {a}, PyTorch {b}"
                );
            }
        }
    }
}

#[test]
fn imported_models_have_exact_geometry() {
    for name in MODELS {
        let (net, r) = imported(name);
        // The unit square, and a rectangle holding PyTorch's four outside points too.
        for rect in [Rect::UNIT, Rect::new(-1.0, -2.5, 3.5, 3.5).unwrap()] {
            let g = Geometry::complete(&net, rect).unwrap();
            let area: f64 = g.regions().iter().map(|reg| g.area(reg)).sum();
            assert!(
                (area - rect.area()).abs() < 1e-9 * rect.area(),
                "{name}: areas {area}"
            );
            // Dense sampling: each grid point's region has the point's activation pattern
            // and gives the network's logits.
            let n = 120;
            for i in 0..n * n {
                let p = [
                    rect.x0 + ((i % n) as f64 + 0.5) / n as f64 * (rect.x1 - rect.x0),
                    rect.y0 + ((i / n) as f64 + 0.5) / n as f64 * (rect.y1 - rect.y0),
                ];
                let ri = g
                    .region_at(&net, p)
                    .unwrap_or_else(|| panic!("{name}: {p:?} in no region"));
                let (exact, ours) = (net.logits(p[0], p[1]), g.logits_at(ri, p));
                for k in 0..2 {
                    assert!(
                        (exact[k] - ours[k]).abs() < 1e-9 * (1.0 + exact[k].abs()),
                        "{name} at {p:?}: network {exact:?}, partition {ours:?}"
                    );
                }
            }
            // Every unit's boundary lies where its pre-activation is 0.
            for b in &g.boundaries {
                for p in b.polylines.iter().flatten() {
                    let z = net.pre_activations(p[0], p[1])[b.neuron.layer][b.neuron.index];
                    assert!(
                        z.abs() < 1e-7,
                        "{name} {:?}: z = {z} on its boundary",
                        b.neuron
                    );
                }
            }
            for p in g.decision.iter().flatten() {
                let z = net.logits(p[0], p[1]);
                assert!(
                    (z[1] - z[0]).abs() < 1e-7,
                    "{name}: decision point {p:?} margin {}",
                    z[1] - z[0]
                );
            }
        }
        // The partition's logits at PyTorch's own points, the outside ones included.
        let wide = Rect::new(-1.0, -2.5, 3.5, 3.5).unwrap();
        let g = Geometry::complete(&net, wide).unwrap();
        let outputs = net.arch.outputs();
        for (p, want) in r["points"]
            .as_array()
            .unwrap()
            .iter()
            .zip(r["logits"].as_array().unwrap())
        {
            let p = [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()];
            let z = g.logits_at(g.region_at(&net, p).unwrap(), p);
            let want: Vec<f64> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let ours = if outputs == 1 { vec![z[1]] } else { z.to_vec() };
            for (a, b) in ours.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{name} at {p:?}: {a} vs PyTorch {b}"
                );
            }
        }
    }
}

#[test]
fn export_then_import_gives_the_same_parameters() {
    let dir = temp_dir("export-import");
    for name in MODELS {
        let (net, _) = imported(name);
        let path = dir.join(format!("{name}.safetensors"));
        std::fs::write(&path, export(&net)).unwrap();
        // No --activation: the exported file says which.
        let back = import(&[path], &options(None)).unwrap().run;
        let again = back.last().network(&back.architecture()).unwrap();
        assert_eq!(again.arch, net.arch, "{name}");
        assert_eq!(again.params, net.params, "{name}");
    }
}

#[test]
fn import_and_export_on_the_command_line() {
    let dir = temp_dir("import-cli");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    // A history of checkpoints, named out of order: iterations from the names, sorted.
    let src = model("sequential_relu_5_7");
    for it in [20, 100, 3] {
        std::fs::copy(&src, dir.join(format!("ckpt_{it}.safetensors"))).unwrap();
    }
    let o = ginn_ok(&[
        "import",
        &d("ckpt_100.safetensors"),
        &d("ckpt_3.safetensors"),
        &d("ckpt_20.safetensors"),
        "--target",
        "disc",
        "--resolution",
        "32",
        "--out",
        &d("run.json"),
    ]);
    assert!(
        stdout(&o).contains("3 snapshots of a 2-5-7-2 relu net"),
        "{}",
        stdout(&o)
    );
    let run = ginn::run::Run::load(&dir.join("run.json")).unwrap();
    let its: Vec<u64> = run.snapshots.iter().map(|s| s.iteration).collect();
    assert_eq!(its, [3, 20, 100]);
    assert!(run.last().accuracy.is_finite() && run.last().loss.is_finite());
    assert!(!run.resumable());
    // Export, and the Python that rebuilds it.
    let o = ginn_ok(&[
        "export",
        &d("run.json"),
        "--at",
        "20",
        "--out",
        &d("out.safetensors"),
    ]);
    assert!(
        stdout(&o).contains(
            "nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2))"
        ),
        "{}",
        stdout(&o)
    );
    // The exported run renders and has regions like any other.
    ginn_ok(&["regions", &d("run.json")]);

    // Bad inputs: one line naming the file and the tensor.
    std::fs::write(dir.join("junk.safetensors"), b"{\"not\": \"safetensors\"}").unwrap();
    let o = ginn(&["import", &d("junk.safetensors"), "--out", &d("x.json")]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("junk.safetensors: not a safetensors file"),
        "{}",
        stderr(&o)
    );
    let o = ginn(&[
        "import",
        &d("ckpt_3.safetensors"),
        model("sequential_relu_16x3").to_str().unwrap(),
        "--out",
        &d("x.json"),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("sequential_relu_16x3.safetensors: tensor `0.weight` is [16, 2]"),
        "{}",
        stderr(&o)
    );
    let o = ginn(&[
        "import",
        model("named_relu_one_logit").to_str().unwrap(),
        "--layers",
        "hidden,fc_in,head",
        "--out",
        &d("x.json"),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("named_relu_one_logit.safetensors: --layers"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("x.json").exists());
}

fn pt(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytorch-pt")
        .join(name)
}

/// `torch.save` in its common forms holds the weights of `sequential_relu_16x3`: a state
/// dict, the tutorial's training checkpoint, a Lightning `.ckpt` (keys under `model.`), and
/// the state dict in float16.
#[test]
fn torch_save_checkpoints_import_to_the_same_network() {
    let (want, r) = imported("sequential_relu_16x3");
    for f in ["state_dict.pt", "checkpoint.pth", "lightning.ckpt"] {
        let run = import(&[pt(f)], &options(None)).unwrap().run;
        let net = run.last().network(&run.architecture()).unwrap();
        assert_eq!(net.params, want.params, "{f}");
        // PyTorch's own logits, as for the safetensors file.
        let p = &r["points"][5];
        let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        let theirs = r["logits"][5][0].as_f64().unwrap();
        assert!((net.outputs(x, y)[0] - theirs).abs() <= 1e-5 * theirs.abs().max(1.0));
    }
    // Lightning's checkpoint records its step; the tutorial's only an epoch.
    let at = |f: &str| {
        import(&[pt(f)], &options(None))
            .unwrap()
            .run
            .last()
            .iteration
    };
    assert_eq!((at("lightning.ckpt"), at("checkpoint.pth")), (1200, 0));
    let run = import(&[pt("half.pt")], &options(None)).unwrap().run;
    let rounded: Vec<f32> = want
        .params
        .iter()
        .map(|&v| half::f16::from_f32(v).to_f32())
        .collect();
    assert_eq!(run.last().params, rounded, "float16, read exactly");
}

/// What ginn cannot read gets one line naming the file and what to do instead; a damaged
/// or hostile file is an error, never a panic.
#[test]
fn torch_save_files_ginn_cannot_read_say_what_to_do() {
    let err = |path: PathBuf| match import(&[path], &options(None)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("imported"),
    };
    let legacy = err(pt("state_dict_legacy.pt"));
    assert!(
        legacy.contains("state_dict_legacy.pt: ") && legacy.contains("before 1.6"),
        "{legacy}"
    );
    let module = err(pt("whole_module.pt"));
    assert!(
        module.contains("whole_module.pt: ") && module.contains("model.state_dict()"),
        "{module}"
    );
    // Every byte of a good file changed in turn (and the file cut short): errors or the
    // same network, never a panic or a hang.
    let good = std::fs::read(pt("state_dict.pt")).unwrap();
    let dir = temp_dir("pt-damaged");
    let bad = dir.join("bad.pt");
    for i in (0..good.len()).step_by(7) {
        let mut b = good.clone();
        b[i] ^= 0x5a;
        std::fs::write(&bad, &b).unwrap();
        let _ = import(std::slice::from_ref(&bad), &options(None));
    }
    for cut in [10, good.len() / 3, good.len() - 5] {
        std::fs::write(&bad, &good[..cut]).unwrap();
        assert!(
            import(std::slice::from_ref(&bad), &options(None)).is_err(),
            "cut at {cut}"
        );
    }
}
