//! Fuzz target `dump`: see `topoc_fuzz::dump`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::dump(data));
