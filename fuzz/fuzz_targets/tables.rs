//! Fuzz target `tables`: see `topoc_fuzz::tables`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::tables(data));
