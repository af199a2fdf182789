//! ginn's integration tests, in one binary so the (large) crate is linked once.

mod cli;
mod common;
mod domain;
mod fixture;
mod layer_space;
#[cfg(feature = "viewer")]
mod panels;
#[cfg(feature = "viewer")]
mod phenomena;
mod points;
mod pytorch;
mod registry;
mod render;
#[cfg(unix)]
mod survive;
#[cfg(feature = "viewer")]
mod viewer;
