//! Fuzz target `inspect`: see `topoc_fuzz::inspect`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::inspect(data));
