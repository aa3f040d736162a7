//! Fuzz target `compile`: see `topoc_fuzz::compile`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::compile(data));
