//! Fuzz target `write`: see `topoc_fuzz::write`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::write(data));
