//! topoc: a declarative machine-topology compiler.
//!
//! One TOML file describes a machine (CPUs, NUMA nodes, DRAM/HBM/CXL memory,
//! GPUs, links, Specific Purpose Memory). topoc checks it as a graph and
//! compiles it into E820 maps, ACPI SRAT/SLIT/HMAT and VMM command lines.
//! The pipeline flows one way; see `ARCHITECTURE.md`:
//!
//! `parse` → `model` → `layout` → `check` → `emit`. `acpi` and `e820`
//! decode the binary outputs again (for `inspect` and the tests), `guest`
//! reads what a guest reports, `linux` models the guest kernel, and
//! `verify` compares the two.

pub mod acpi;
pub mod check;
pub mod cli;
pub mod diag;
pub mod e820;
pub mod emit;
pub mod guest;
pub mod import;
pub mod inspect;
pub mod kinds;
pub mod layout;
pub mod linux;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod probe;
pub mod source;
pub mod target;
pub mod text;
pub mod units;
pub mod verify;
pub mod versions;
