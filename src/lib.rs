//! ginn: Geometric Illustration of Neural Networks.
//!
//! The plain-Rust core: the report's network and its training ([`nn`], [`train`]), the
//! targets it learns ([`target`]), runs and their files ([`run`], [`snapshot`]), the exact
//! boundary geometry ([`geometry`]), and CPU rendering of figures and movies ([`render`]).
//! None of it knows about Bevy; the viewer (feature `viewer`) is a thin shell over it.

pub mod fsutil;
pub mod nn;
pub mod run;
pub mod snapshot;
pub mod target;
pub mod train;
pub mod geometry;
pub mod render;
pub mod bench;
pub mod session;
