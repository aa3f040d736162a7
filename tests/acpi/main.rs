//! The ACPI tables against readers that are not topoc's: QEMU's own expected
//! tables, tables dumped from real machines and from guest boots (all in
//! `tests/data/`), and ACPICA's disassembler `iasl`.
//!
//! One test binary for the five areas below (they were five binaries; the
//! test names are the same, now under their module: `codec::qemu_headers`).
//!
//! - [`codec`]: every reference table decodes, re-encodes to the same
//!   bytes, and decodes to what the fixture index says it holds;
//! - [`emit`]: every table topoc emits for the examples is clean under iasl;
//! - [`iasl`]: hand-built tables, read back by iasl field by field;
//! - [`malformed`]: cut, flipped and lying inputs never panic the decoders;
//! - [`qemu`]: topoc's SRAT, SLIT and HMAT equal QEMU's, byte for byte.

#[path = "../support/mod.rs"]
mod support;

mod aarch64;
mod codec;
mod emit;
mod iasl;
mod malformed;
mod qemu;
