//! The training math against PyTorch's own numbers (`tests/fixtures/torch_mlp_adam.json`,
//! made by PyTorch): logits, loss, every gradient, the learning rate and
//! the parameters after each of three Adam + cosine steps.

use ginn::nn::{Architecture, Network};
use ginn::train::denormals::FlushDenormals;
use ginn::train::{Adam, Kernel, KernelKind, cosine_lr};
use serde_json::Value;

const NAMES: [&str; 4] = ["hidden.0", "hidden.1", "hidden.2", "prediction"];

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/torch_mlp_adam.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        _ => panic!("unexpected {v}"),
    }
}

/// Parameters in ginn's flat layout (which is PyTorch's, layer by layer).
fn flat(params: &Value) -> Vec<f32> {
    NAMES
        .iter()
        .flat_map(|n| {
            floats(&params[format!("{n}.weight")])
                .into_iter()
                .chain(floats(&params[format!("{n}.bias")]))
        })
        .map(|v| v as f32)
        .collect()
}

/// Relative error with a floor, so entries that are exactly zero in PyTorch (dead ReLUs)
/// must be zero-ish here too.
fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    let scale = theirs.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        let err = (a - b).abs() / b.abs().max(1e-3 * scale);
        assert!(
            err <= 1e-5,
            "{what}[{i}]: ours {a} PyTorch {b} (relative error {err:e})"
        );
    }
}

/// Every build of the kernel this CPU runs, with denormals flushed as training does.
#[test]
fn training_math_matches_pytorch() {
    let builds: Vec<KernelKind> = KernelKind::ALL
        .into_iter()
        .filter(|k| k.available())
        .collect();
    for kind in builds {
        let _flush = FlushDenormals::enable(true);
        matches_pytorch(kind);
    }
}

fn matches_pytorch(kind: KernelKind) {
    let fx = fixture();
    let arch = Architecture::paper();
    let mut net = Network::from_params(arch, flat(&fx["params_initial"])).unwrap();
    let t_max = fx["cosine_T_max"].as_u64().unwrap();
    let mut adam = Adam::new(net.params.len());
    let mut grad = vec![0.0; net.params.len()];
    let steps = fx["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for (k, (step, batch)) in steps
        .iter()
        .zip(fx["batches"].as_array().unwrap())
        .enumerate()
    {
        let inputs: Vec<f32> = floats(&batch["inputs"])
            .into_iter()
            .map(|v| v as f32)
            .collect();
        let labels: Vec<u8> = batch["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_u64().unwrap() as u8)
            .collect();
        let mut kernel = Kernel::new(&net, labels.len()).with_kind(kind);
        assert_eq!(kernel.kind(), kind);
        kernel.inputs_mut().copy_from_slice(&inputs);
        let out = kernel.forward_backward(&net, &labels, &mut grad);

        let logits: Vec<f32> = floats(&step["logits"])
            .into_iter()
            .map(|v| v as f32)
            .collect();
        assert_close(
            &format!("{kind:?} step {k} logits"),
            kernel.logits(),
            &logits,
        );
        let loss = step["loss"].as_f64().unwrap() as f32;
        assert_close(&format!("step {k} loss"), &[out.loss], &[loss]);
        assert_close(
            &format!("{kind:?} step {k} gradients"),
            &grad,
            &flat(&step["grads"]),
        );

        let lr = cosine_lr(1e-3, k as u64, t_max);
        let lr_used = step["lr_used"].as_f64().unwrap();
        assert!(
            (lr - lr_used).abs() <= 1e-5 * lr_used,
            "step {k} lr {lr} vs {lr_used}"
        );
        adam.update(&mut net.params, &grad, lr);
        assert_close(
            &format!("step {k} parameters after Adam"),
            &net.params,
            &flat(&step["params_after"]),
        );
    }
}

#[test]
fn a_wrong_gradient_would_be_caught() {
    // The comparison itself must be able to fail: perturb one gradient entry slightly.
    let fx = fixture();
    let mut theirs = flat(&fx["steps"][0]["grads"]);
    let ours = theirs.clone();
    let biggest = (0..theirs.len())
        .max_by(|&a, &b| theirs[a].abs().total_cmp(&theirs[b].abs()))
        .unwrap();
    theirs[biggest] *= 1.0001;
    let caught = std::panic::catch_unwind(|| assert_close("perturbed", &ours, &theirs));
    assert!(caught.is_err());
}
