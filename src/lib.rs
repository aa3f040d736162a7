//! topoc: a declarative machine-topology compiler.
//!
//! One TOML file describes a machine (CPUs, NUMA nodes, DRAM/HBM/CXL memory,
//! GPUs, links, Specific Purpose Memory). topoc checks it as a graph and
//! compiles it into E820 maps, ACPI SRAT/SLIT/HMAT and VMM command lines.
//! The pipeline flows one way; see `ARCHITECTURE.md`:
//!
//! `parse` → `model` → `check` → `layout` → `emit`, with `decode` reading
//! binary outputs back for `inspect`, `verify` and the tests.

pub mod acpi;
pub mod check;
pub mod cli;
pub mod decode;
pub mod diag;
pub mod e820;
pub mod emit;
pub mod kinds;
pub mod layout;
pub mod linux;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod probe;
pub mod schema;
pub mod source;
pub mod target;
pub mod units;
pub mod verify;
