//! The guest kernel: what Linux x86-64 makes of the firmware tables and the
//! E820 map a VM hands it, and how it reports the result.
//!
//! Every rule topoc relies on about the guest kernel lives here, once, so
//! that the layouts (what the kernel will print), the checks (what it would
//! refuse), the dump reader (what it printed) and `verify` (whether it did
//! what was predicted) agree:
//!
//! - [`numa`]: node numbering by first appearance in the SRAT, distances
//!   from the SLIT, `MAX_NUMNODES`, the nearest online node;
//! - [`hmat`]: the values it reads from HMAT entries and its best-initiator
//!   rules for `nodeN/access0` and `access1`;
//! - [`e820`]: its E820 vocabulary (boot log and resource names) and table
//!   sizes;
//! - [`memory`]: its edits to boot RAM, the memory block size, what
//!   MemTotal lacks;
//! - [`guest`]: the booted guest that follows: RAM, soft-reserved ranges,
//!   node states;
//! - [`sysfs`]: the formats of the sysfs files it writes;
//! - [`version`]: what changed between kernel versions.
//!
//! Each function transcribes the kernel code named in its doc, as of Linux
//! 6.1 (Debian bookworm's guest kernel, which the tests boot) unless it says
//! otherwise. The sorting and merging of E820 tables (`e820__update_table`)
//! stays with the E820 format, in [`crate::e820::sanitize`].

pub mod e820;
pub mod guest;
pub mod hmat;
pub mod memory;
pub mod numa;
pub mod sysfs;
pub mod version;

#[cfg(test)]
mod test_tables;
