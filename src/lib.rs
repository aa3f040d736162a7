//! topoc: a declarative machine-topology compiler.
//!
//! One TOML file describes a machine (CPUs, NUMA nodes, DRAM/HBM/CXL memory,
//! GPUs, links, Specific Purpose Memory). topoc checks it as a graph and
//! compiles it into E820 maps, ACPI SRAT/SLIT/HMAT and VMM command lines.
//! The pipeline flows one way; see `ARCHITECTURE.md`:
//!
//! `parse` → `model` → `check` → `layout` → `emit`, with `decode` reading
//! binary outputs back for `inspect`, `verify` and the tests.

pub mod diag;
pub mod kinds;
pub mod parse;
pub mod source;
pub mod units;
pub mod model;
pub mod target;
pub mod e820;
pub mod layout;
pub mod check;
pub mod pipeline;
pub mod emit;
pub mod schema;
pub mod cli;
