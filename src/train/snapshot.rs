//! A snapshot: the network at one iteration of a run, with how well it did.

use super::adam::Adam;
use crate::nn::{Architecture, Network};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Optimiser steps taken before this state (0 = initialisation).
    pub iteration: u64,
    /// Learning rate of the next step.
    pub lr: f64,
    /// Mean cross-entropy over every pixel of the target, or every training point (`null`
    /// in the file when it overflowed or there is no target: JSON has no NaN or infinity).
    #[serde(with = "finite_or_null")]
    pub loss: f64,
    /// Fraction of pixels (training points) classified correctly.
    #[serde(with = "finite_or_null")]
    pub accuracy: f64,
    /// Loss and accuracy on the held-out points, for point datasets with a test split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// All parameters, flat, in PyTorch `nn.Linear` layout (see `nn`).
    pub params: Vec<f32>,
    /// Adam's moments, when kept (needed to branch a run from here exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adam: Option<Adam>,
    /// Position of the batch-drawing stream (ChaCha8 word position).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "u128_string")]
    pub rng_word_pos: Option<u128>,
}

/// Index of the snapshot shown at `iteration`: the last one at or before it (the first
/// when all are after it). The one "snapshot at iteration N" rule of the CLI and viewer.
pub fn index_at(snapshots: &[Snapshot], iteration: u64) -> usize {
    snapshots
        .partition_point(|s| s.iteration <= iteration)
        .saturating_sub(1)
}

impl Snapshot {
    pub fn network(&self, arch: &Architecture) -> Option<Network> {
        Network::from_params(arch.clone(), self.params.clone())
    }
}

/// JSON numbers cannot hold a u128 exactly in every reader (Python can; JavaScript cannot),
/// so the stream position is written as a decimal string.
mod u128_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Non-finite numbers as JSON `null`, read back as NaN.
mod finite_or_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}
