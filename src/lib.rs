//! ginn: Geometric Illustration of Neural Networks.
//!
//! The plain-Rust core: the report's network and its training ([`nn`], [`train`]), the
//! targets it learns ([`targets`]), runs and their files ([`run`], [`snapshot`]), the training loop that long jobs need
//! (stops, checkpoints, resuming: [`training`], [`interrupt`]), the exact
//! boundary geometry ([`geometry`]), PyTorch networks in and out ([`pytorch`]), and CPU rendering of figures and movies ([`render`]).
//! None of it knows about Bevy; the viewer (feature `viewer`) is a thin shell over it.

pub mod analysis;
pub mod bench;
pub mod geometry;
pub mod inspect;
pub mod nn;
pub mod overlays;
pub mod pytorch;
pub mod render;
pub mod run;
pub mod targets;
pub mod train;
#[cfg(feature = "viewer")]
pub mod viewer;
