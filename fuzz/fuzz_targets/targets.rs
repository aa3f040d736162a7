//! Fuzz target `targets`: see `topoc_fuzz::targets`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::targets(data));
