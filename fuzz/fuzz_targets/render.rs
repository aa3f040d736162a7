//! Fuzz target `render`: see `topoc_fuzz::render`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| topoc_fuzz::render(data));
