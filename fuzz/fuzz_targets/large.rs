//! Fuzz target `large`: see `topoc_fuzz::large`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::large(data));
