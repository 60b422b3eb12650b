#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| staid_fuzz::env(data));
