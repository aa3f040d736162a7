//! What the integration tests share, included once per test binary with
//! `mod support;` (a binary in a folder of its own, such as `tests/acpi/`,
//! names the path: `#[path = "../support/mod.rs"]`).
//!
//! - [`run`]: the one way to run the `topoc` binary;
//! - [`golden`]: the one golden mechanism: compare with the committed file,
//!   or with `UPDATE_GOLDEN=1` rewrite it; a mismatch shows a line diff;
//! - [`data`]: where the test data lives (the repository, `tests/data/`,
//!   the bundled examples) and which reference tables there are;
//! - [`iasl`]: ACPICA's disassembler, an independent reader of our tables;
//! - [`guest`]: the kit that boots a real Linux guest under QEMU;
//! - [`harness`]: the fuzz targets' checks (`fuzz/src/lib.rs`), for the
//!   tests that replay or reuse them.
//!
//! Each binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod data;
pub mod golden;
pub mod guest;
#[path = "../../fuzz/src/lib.rs"]
pub mod harness;
pub mod iasl;
pub mod run;
