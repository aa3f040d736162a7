//! The guest probe: the shell script `topoc probe-script` prints.
//!
//! topoc's predictions are only worth something if a real kernel agrees with
//! them, so the same script runs in three places: in the test initramfs that
//! `cargo test` boots under QEMU, in a user's own guest, and on real hardware.
//! It is POSIX sh that also runs under busybox, only reads, and never fails on
//! a missing file: it prints a `!absent`/`!unreadable` note instead, so a dump
//! from a restricted system is still complete and parseable.
//!
//! The output format is specified in `book/src/reference/dump-format.md` and
//! read back by [`crate::guest::dump`]. Keeping the script as a file (rather
//! than a Rust string) lets it be linted and run by hand.

/// The probe script, as `topoc probe-script` prints it.
pub const PROBE_SCRIPT: &str = include_str!("probe.sh");

/// The dump format version the probe writes (`=====TOPOC-DUMP-BEGIN v1=====`).
/// Bump it, and teach [`crate::guest::dump`] the new version, whenever a
/// consumer of an old dump could misread a new one.
pub const DUMP_FORMAT_VERSION: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_prints_the_versioned_markers() {
        let begin = format!("=====TOPOC-DUMP-BEGIN v{DUMP_FORMAT_VERSION}=====");
        assert!(PROBE_SCRIPT.contains(&begin));
        assert!(PROBE_SCRIPT.contains("=====TOPOC-DUMP-END====="));
        assert!(PROBE_SCRIPT.contains(&format!("echo \"format: {DUMP_FORMAT_VERSION}\"")));
        assert!(PROBE_SCRIPT.starts_with("#!/bin/sh\n"));
    }
}
