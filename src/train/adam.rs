//! Adam exactly as `torch.optim.Adam` does it with its defaults (single-tensor path),
//! so a run here follows the same arithmetic as the report's PyTorch run.

use serde::{Deserialize, Serialize};

pub const BETA1: f64 = 0.9;
pub const BETA2: f64 = 0.999;
pub const EPS: f32 = 1e-8;

/// Optimiser state: first and second moments and the step count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    pub step: u64,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

impl Adam {
    pub fn new(parameters: usize) -> Self {
        Self {
            step: 0,
            m: vec![0.0; parameters],
            v: vec![0.0; parameters],
        }
    }

    /// One update of `params` with gradient `grad` at learning rate `lr`.
    pub fn update(&mut self, params: &mut [f32], grad: &[f32], lr: f64) {
        self.step += 1;
        let t = self.step as i32;
        // PyTorch computes these corrections in Python floats (f64), then the tensor ops
        // take them as f32 scalars.
        let bc1 = 1.0 - BETA1.powi(t);
        let bc2_sqrt = (1.0 - BETA2.powi(t)).sqrt() as f32;
        let step_size = (lr / bc1) as f32;
        // The (1 − β) factors are formed in f64 like PyTorch's Python floats; formed in f32
        // they would be off by 5e-5 relative (1 − 0.999f32) and the updates with them.
        let b2 = BETA2 as f32;
        let (c1, c2) = ((1.0 - BETA1) as f32, (1.0 - BETA2) as f32);
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            // torch: exp_avg.lerp_(grad, 1-β1) = m + (1-β1)(g - m)
            *m += c1 * (g - *m);
            *v = *v * b2 + c2 * g * g;
            let denom = v.sqrt() / bc2_sqrt + EPS;
            *p -= step_size * (*m / denom);
        }
    }
}
