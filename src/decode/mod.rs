//! Reading binary and text outputs back into types.
//!
//! topoc checks its own predictions against independent readers, so every
//! format topoc writes or a guest reports has a decoder here.

pub mod dump;
