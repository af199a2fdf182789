//! ginn's integration tests, in one binary so the (large) crate is linked once.

mod fixture;
