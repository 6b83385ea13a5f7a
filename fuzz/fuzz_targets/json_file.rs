//! A JSON file read by `json.read`, as NDJSON and as one document with its records at a path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    sluice_fuzz::read_as_file("json.read", serde_json::json!({}), input);
    sluice_fuzz::read_as_file(
        "json.read",
        serde_json::json!({"format": "array", "record_path": "data.items"}),
        input,
    );
});
