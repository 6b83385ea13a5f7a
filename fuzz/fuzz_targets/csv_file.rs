//! A CSV file read by `csv.read` (header, quotes, delimiters, text that is not UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    sluice_fuzz::read_as_file(
        "csv.read",
        serde_json::json!({"max_row_bytes": 65536}),
        input,
    );
});
