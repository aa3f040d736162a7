//! Stage 2, `model`: the typed IR of one machine, and what follows from it.
//!
//! [`lower`] resolves the syntax tree into a [`Topology`]; [`graph`] views it
//! as a petgraph graph; [`derive`] computes the SLIT and HMAT values the
//! outputs need, from explicit values and the link graph.
//!
//! **Architecture invariant:** the IR knows nothing about TOML or about any
//! target. Indexes into `nodes` and `devices` are valid by construction.

pub mod derive;
pub mod graph;
pub mod ir;
pub mod lower;

pub use ir::*;
