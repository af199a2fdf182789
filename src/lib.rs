//! ginn: Geometric Illustration of Neural Networks.
//!
//! The plain-Rust core, in layers that import only downwards: the report's network and its
//! training ([`nn`], [`train`]), the targets it learns ([`targets`]), the exact boundary
//! geometry ([`geometry`]); a run's life — its file, the one type that trains it, the
//! viewer's session around it, autosaves and interrupts ([`run`]); PyTorch networks in and
//! out as runs ([`pytorch`]), the report's phenomena measured ([`analysis`]) and drawn
//! ([`overlays`]); per-neuron reports ([`inspect`]) and CPU rendering of figures and movies
//! ([`render`]). None of it knows about Bevy; the viewer (feature `viewer`) is a thin
//! shell over it.

pub mod analysis;
pub mod bench;
pub mod domain;
pub mod geometry;
pub mod inspect;
pub mod layer_space;
pub mod nn;
pub mod overlays;
pub mod pytorch;
pub mod render;
pub mod run;
pub mod targets;
pub mod train;
#[cfg(feature = "viewer")]
pub mod viewer;
